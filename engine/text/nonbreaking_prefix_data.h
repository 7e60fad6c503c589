// The files of engine/text/nonbreaking_prefixes/, compiled into the binary:
// the definition is generated at build time by embed_prefixes.cmake (the
// server runs from an image without the source tree).
#ifndef LITEFORMER_ENGINE_TEXT_NONBREAKING_PREFIX_DATA_H_
#define LITEFORMER_ENGINE_TEXT_NONBREAKING_PREFIX_DATA_H_

#include "absl/strings/string_view.h"

namespace liteformer {

// The text of nonbreaking_prefixes/<name>.txt ("en", "de", "fr", "neutral"),
// or an empty view for a name without a file.
absl::string_view EmbeddedNonbreakingPrefixes(absl::string_view name);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_TEXT_NONBREAKING_PREFIX_DATA_H_
