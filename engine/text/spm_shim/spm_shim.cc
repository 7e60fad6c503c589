// The only translation unit that includes sentencepiece. It includes nothing
// from Abseil: sentencepiece's header declares absl::string_view as
// std::string_view, which Debian's Abseil defines differently.
#include "engine/text/spm_shim/spm_shim.h"

#include <sentencepiece_processor.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

long CopyOut(const std::string& result, char* out, size_t capacity) {
  if (result.size() <= capacity) std::memcpy(out, result.data(), result.size());
  return static_cast<long>(result.size());
}

}  // namespace

extern "C" void* lf_spm_load(const char* path, char* error, size_t error_capacity) {
  auto* processor = new sentencepiece::SentencePieceProcessor();
  const auto status = processor->Load(path);
  if (!status.ok()) {
    if (error_capacity > 0) {
      std::strncpy(error, status.ToString().c_str(), error_capacity - 1);
      error[error_capacity - 1] = '\0';
    }
    delete processor;
    return nullptr;
  }
  return processor;
}

extern "C" void lf_spm_free(void* processor) {
  delete static_cast<sentencepiece::SentencePieceProcessor*>(processor);
}

extern "C" long lf_spm_encode(void* processor, const char* text, size_t length, char* out,
                              size_t capacity) {
  std::vector<std::string> pieces;
  const auto status = static_cast<sentencepiece::SentencePieceProcessor*>(processor)->Encode(
      std::string(text, length), &pieces);
  if (!status.ok()) return -1;
  std::string joined;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i > 0) joined.push_back(' ');
    joined += pieces[i];
  }
  return CopyOut(joined, out, capacity);
}

extern "C" long lf_spm_decode(void* processor, const char* pieces, size_t length, char* out,
                              size_t capacity) {
  std::vector<std::string> split;
  const std::string all(pieces, length);
  size_t start = 0;
  while (start <= all.size()) {
    const size_t end = all.find(' ', start);
    const size_t stop = end == std::string::npos ? all.size() : end;
    if (stop > start) split.push_back(all.substr(start, stop - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  std::string text;
  const auto status =
      static_cast<sentencepiece::SentencePieceProcessor*>(processor)->Decode(split, &text);
  if (!status.ok()) return -1;
  return CopyOut(text, out, capacity);
}
