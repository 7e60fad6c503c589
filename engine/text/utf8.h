// UTF-8 validation (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
#ifndef LITEFORMER_ENGINE_TEXT_UTF8_H_
#define LITEFORMER_ENGINE_TEXT_UTF8_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace liteformer {

// The byte offset of the first invalid sequence, or nothing if `text` is valid.
std::optional<std::size_t> FindInvalidUtf8(absl::string_view text);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_TEXT_UTF8_H_
