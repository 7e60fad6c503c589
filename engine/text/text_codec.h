// TextCodec: text ↔ ids for one model. Pieces come from the model's
// sentencepiece model (or whitespace when it has none) and map to ids
// through the fairseq dictionaries (unknown piece → <unk>); decoding drops
// <s>, <pad> and </s> and joins the pieces with sentencepiece's decoder.
#ifndef LITEFORMER_ENGINE_TEXT_TEXT_CODEC_H_
#define LITEFORMER_ENGINE_TEXT_TEXT_CODEC_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/models/model.h"
#include "engine/text/sentencepiece_tokenizer.h"

namespace liteformer {

class TextCodec {
 public:
  static absl::StatusOr<std::unique_ptr<TextCodec>> ForModel(const Model& model);

  // INVALID_ARGUMENT for invalid UTF-8 (with the byte offset) or a text
  // without any token.
  absl::StatusOr<std::vector<int>> EncodeSource(absl::string_view text) const;
  absl::StatusOr<std::vector<int>> EncodeTarget(absl::string_view text) const;
  absl::StatusOr<std::string> Decode(const std::vector<int>& ids) const;

 private:
  TextCodec(const Vocabulary& source, const Vocabulary& target)
      : source_(source), target_(target) {}
  absl::StatusOr<std::vector<int>> Encode(absl::string_view text, const Vocabulary& vocab) const;

  const Vocabulary& source_;
  const Vocabulary& target_;
  std::unique_ptr<SentencePieceTokenizer> tokenizer_;  // Null: whitespace tokens.
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_TEXT_TEXT_CODEC_H_
