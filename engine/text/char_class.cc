#include "engine/text/char_class.h"

#include <cstdint>

#include "engine/text/utf8.h"

namespace liteformer {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Latin Extended-A (U+0100-U+017F) pairs letters upper, lower; the pairing
// shifts by one in U+0139-U+0148 and U+0179-U+017E, and a few stand alone.
bool IsLatinExtAUpper(char32_t c) {
  if (c == 0x130 || c == 0x178) return true;
  if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return false;
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return c % 2 == 1;
  return c % 2 == 0;
}

// Letters paired upper (even), lower (odd): Cyrillic extensions and Latin Extended Additional.
bool IsEvenOddPaired(char32_t c) {
  return (c >= 0x460 && c <= 0x4FF) || (c >= 0x1E00 && c <= 0x1EFF && (c < 0x1E96 || c > 0x1E9F));
}

}  // namespace

DecodedChar DecodeUtf8At(absl::string_view text, std::size_t pos) {
  const auto lead = static_cast<std::uint8_t>(text[pos]);
  if (lead < 0x80) return {lead, 1};
  const int length = (lead & 0xE0) == 0xC0   ? 2
                     : (lead & 0xF0) == 0xE0 ? 3
                     : (lead & 0xF8) == 0xF0 ? 4
                                             : 0;
  if (length == 0 || pos + length > text.size()) return {kReplacement, 1};
  const absl::string_view sequence = text.substr(pos, length);
  // The shared validator rejects overlongs, surrogates and values past U+10FFFF.
  if (FindInvalidUtf8(sequence).has_value()) return {kReplacement, 1};
  char32_t code = lead & (0x7F >> length);
  for (int k = 1; k < length; ++k)
    code = (code << 6) | (static_cast<std::uint8_t>(sequence[k]) & 0x3F);
  return {code, length};
}

CharClass Classify(char32_t c) {
  if (c < 0x80) {
    if (c == '\n' || c == '\r') return CharClass::kLineBreak;
    if (c == ' ' || c == '\t' || c == '\v' || c == '\f') return CharClass::kSpace;
    if (c >= '0' && c <= '9') return CharClass::kDigit;
    if (c >= 'a' && c <= 'z') return CharClass::kLower;
    if (c >= 'A' && c <= 'Z') return CharClass::kUpper;
    return CharClass::kPunct;
  }
  if (c == 0x2028 || c == 0x2029) return CharClass::kLineBreak;
  if (c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F ||
      c == 0x3000) {
    return CharClass::kSpace;
  }
  if (c < 0xA0) return CharClass::kPunct;  // C1 controls.
  if (c < 0xC0) {
    return c == 0xAA || c == 0xB5 || c == 0xBA ? CharClass::kLower : CharClass::kPunct;
  }
  if (c == 0xD7 || c == 0xF7) return CharClass::kPunct;
  if (c < 0xDF) return CharClass::kUpper;
  if (c < 0x100) return CharClass::kLower;
  if (c < 0x180) return IsLatinExtAUpper(c) ? CharClass::kUpper : CharClass::kLower;
  if ((c >= 0x391 && c <= 0x3A9) || c == 0x386 || (c >= 0x388 && c <= 0x38F)) {
    return CharClass::kUpper;
  }
  if (c >= 0x3AC && c <= 0x3CE) return CharClass::kLower;
  if (c >= 0x400 && c <= 0x42F) return CharClass::kUpper;
  if (c >= 0x430 && c <= 0x45F) return CharClass::kLower;
  if (c == 0x1E9E) return CharClass::kUpper;  // Capital sharp s.
  if (IsEvenOddPaired(c)) return c % 2 == 0 ? CharClass::kUpper : CharClass::kLower;
  if (c >= 0x1E96 && c <= 0x1EFF) return CharClass::kLower;
  if (c >= 0x2010 && c <= 0x2BFF) return CharClass::kPunct;  // Punctuation, currency, symbols.
  if (c >= 0x3001 && c <= 0x303F) return CharClass::kPunct;  // CJK punctuation.
  if (c >= 0xFF21 && c <= 0xFF3A) return CharClass::kUpper;
  if (c >= 0xFF41 && c <= 0xFF5A) return CharClass::kLower;
  if (c >= 0xFF01 && c <= 0xFF65 && !(c >= 0xFF10 && c <= 0xFF19)) return CharClass::kPunct;
  if (c == kReplacement || (c >= 0x1F000 && c <= 0x1FAFF)) return CharClass::kPunct;
  return CharClass::kOtherLetter;
}

char32_t ToLower(char32_t c) {
  if (Classify(c) != CharClass::kUpper) return c;
  if (c < 0x80 || (c >= 0xC0 && c < 0xDF)) return c + 0x20;
  if (c < 0x180) return c == 0x130 ? U'i' : c == 0x178 ? 0xFF : c + 1;
  if (c >= 0x391 && c <= 0x3A9) return c + 0x20;
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  if (c == 0x1E9E) return 0xDF;
  if (c >= 0xFF21 && c <= 0xFF3A) return c + 0x20;
  return c + 1;  // The even/odd pairs.
}

void AppendUtf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

}  // namespace liteformer
