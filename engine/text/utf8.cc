#include "engine/text/utf8.h"

#include <algorithm>
#include <cstdint>

namespace liteformer {

std::optional<std::size_t> FindInvalidUtf8(absl::string_view text) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const std::uint8_t b = bytes[i];
    int length;
    std::uint32_t code;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xe0) == 0xc0) {
      length = 2;
      code = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
      length = 3;
      code = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
      length = 4;
      code = b & 0x07;
    } else {
      return i;
    }
    if (i + length > n) return i;
    for (int k = 1; k < length; ++k) {
      if ((bytes[i + k] & 0xc0) != 0x80) return i;
      code = (code << 6) | (bytes[i + k] & 0x3f);
    }
    const std::uint32_t smallest = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
    if (code < smallest || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += length;
  }
  return std::nullopt;
}

std::size_t CountUtf8Characters(absl::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace liteformer
