// Request text: UTF-8 checks and sentence segmentation in every language.
// Besides not crashing, the segments must tile the input and give it back.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/text/sentence_splitter.h"
#include "engine/text/utf8.h"
#include "fuzz/fuzz_input.h"

namespace liteformer {

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const std::optional<std::size_t> bad = FindInvalidUtf8(text);
  fuzz::Check(!bad.has_value() || *bad < size);
  fuzz::Check(CountUtf8Characters(text) <= size);
  for (Language language :
       {Language::kNeutral, Language::kEnglish, Language::kGerman, Language::kFrench}) {
    const std::vector<TextSegment> segments = SegmentText(text, language);
    std::vector<std::string> sentences;
    std::size_t at = 0;
    for (const TextSegment& segment : segments) {
      fuzz::Check(segment.begin == at && segment.end > segment.begin && segment.end <= size);
      at = segment.end;
      if (segment.is_sentence()) sentences.emplace_back(segment.In(text));
    }
    fuzz::Check(at == size);
    absl::StatusOr<std::string> back = Reassemble(segments, text, sentences);
    fuzz::Check(back.ok() && *back == text);
  }
  return 0;
}

}  // namespace liteformer
