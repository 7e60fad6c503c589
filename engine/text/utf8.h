// UTF-8 validation (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF) and
// length. A library of its own: the clients count characters as the server does.
#ifndef LITEFORMER_ENGINE_TEXT_UTF8_H_
#define LITEFORMER_ENGINE_TEXT_UTF8_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace liteformer {

// The byte offset of the first invalid sequence, or nothing if `text` is valid.
std::optional<std::size_t> FindInvalidUtf8(absl::string_view text);

// Characters (Unicode code points) of UTF-8 text, what users call its length:
// the bytes that do not continue a sequence. The server's max_chars_per_text
// and the load generator's short/long split both count this way.
std::size_t CountUtf8Characters(absl::string_view text);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_TEXT_UTF8_H_
