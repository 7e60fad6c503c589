#include "client/length_classes.h"

#include <algorithm>

#include "engine/text/utf8.h"

namespace liteformer::client {

LengthClasses::LengthClasses(const std::vector<std::string>& texts) {
  if (texts.empty()) return;
  std::vector<size_t> lengths;
  lengths.reserve(texts.size());
  for (const std::string& text : texts) lengths.push_back(CountUtf8Characters(text));
  auto middle = lengths.begin() + lengths.size() / 2;
  std::nth_element(lengths.begin(), middle, lengths.end());
  median_ = *middle;
}

}  // namespace liteformer::client
