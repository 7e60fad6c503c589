#include "client/length_classes.h"

#include <algorithm>

namespace liteformer::client {

size_t Utf8Length(absl::string_view text) {
  // Every code point has exactly one byte that is not a continuation (10xxxxxx).
  return std::count_if(text.begin(), text.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

LengthClasses::LengthClasses(const std::vector<std::string>& texts) {
  if (texts.empty()) return;
  std::vector<size_t> lengths;
  lengths.reserve(texts.size());
  for (const std::string& text : texts) lengths.push_back(Utf8Length(text));
  auto middle = lengths.begin() + lengths.size() / 2;
  std::nth_element(lengths.begin(), middle, lengths.end());
  median_ = *middle;
}

}  // namespace liteformer::client
