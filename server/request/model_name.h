// What a model name may be. Names come from clients (a request's `model`)
// and are echoed back in statuses and logs, so a name is checked before it
// is used: bounded, and of characters that cannot forge a log line or grow
// a status past gRPC's metadata limit. The config's names obey the same
// rule, so every served model can be asked for.
#ifndef LITEFORMER_SERVER_REQUEST_MODEL_NAME_H_
#define LITEFORMER_SERVER_REQUEST_MODEL_NAME_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace liteformer {

inline constexpr std::size_t kMaxModelNameBytes = 128;

// OK for 1..kMaxModelNameBytes of ASCII letters, digits, '.', '_' and '-'.
// The error never contains the name itself: it gives its length, or the
// offending byte's offset and hex value.
absl::Status CheckModelName(absl::string_view name);

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_REQUEST_MODEL_NAME_H_
