// Code-point decoding that never fails, and the few character classes the
// sentence splitter needs (spaces, line breaks, letter case, punctuation).
// Case and punctuation are known for the Latin, Greek and Cyrillic scripts and
// common Unicode punctuation; other letters (CJK, Arabic, ...) are caseless.
#ifndef LITEFORMER_ENGINE_TEXT_CHAR_CLASS_H_
#define LITEFORMER_ENGINE_TEXT_CHAR_CLASS_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace liteformer {

struct DecodedChar {
  char32_t code = 0;
  int length = 1;  // Bytes, 1 to 4.
};

// The code point starting at text[pos] (pos < text.size()). A byte that does
// not start a valid UTF-8 sequence decodes as U+FFFD of length 1, so a scan
// over hostile bytes always advances.
DecodedChar DecodeUtf8At(absl::string_view text, std::size_t pos);

enum class CharClass {
  kSpace,      // Horizontal space, including no-break and narrow no-break space.
  kLineBreak,  // \n, \r, U+2028, U+2029.
  kLower,
  kUpper,
  kDigit,        // ASCII digits.
  kOtherLetter,  // Letters without case, and anything not known to be punctuation.
  kPunct,        // Punctuation and symbols.
};

CharClass Classify(char32_t c);

// Lower case of an upper-case letter of the scripts above; other code points unchanged.
char32_t ToLower(char32_t c);

// Appends c as UTF-8.
void AppendUtf8(char32_t c, std::string& out);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_TEXT_CHAR_CLASS_H_
