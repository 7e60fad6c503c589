// SentencePieceTokenizer: text ↔ pieces through libliteformer_spm.so, loaded
// with dlmopen(LM_ID_NEWLM) so Debian's sentencepiece (and the protobuf-lite
// it carries) lives in its own link namespace, apart from gRPC's protobuf.
// Sanitizer builds cannot follow dlmopen: there the shim is dlopen()ed
// normally, which is safe in processes without gRPC (the engine's tests).
#ifndef LITEFORMER_ENGINE_TEXT_SENTENCEPIECE_TOKENIZER_H_
#define LITEFORMER_ENGINE_TEXT_SENTENCEPIECE_TOKENIZER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace liteformer {

class SentencePieceTokenizer {
 public:
  static absl::StatusOr<std::unique_ptr<SentencePieceTokenizer>> Load(
      const std::string& model_path);
  ~SentencePieceTokenizer();
  SentencePieceTokenizer(const SentencePieceTokenizer&) = delete;
  SentencePieceTokenizer& operator=(const SentencePieceTokenizer&) = delete;

  // Valid UTF-8 in, pieces out.
  absl::StatusOr<std::vector<std::string>> Encode(absl::string_view text) const;
  absl::StatusOr<std::string> Decode(const std::vector<std::string>& pieces) const;

 private:
  explicit SentencePieceTokenizer(void* processor) : processor_(processor) {}
  void* processor_;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_TEXT_SENTENCEPIECE_TOKENIZER_H_
