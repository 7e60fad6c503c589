// RetryHint: when a refused call may be tried again, carried on the
// absl::Status itself (as a payload) from where the refusal is decided (the
// scheduler's admission, knowing nothing of gRPC) to where the gRPC status
// is sent, which turns it into trailing metadata:
//   grpc-retry-pushback-ms  honoured by gRPC's own retries (gRFC A6): the
//                           client waits that long instead of its backoff;
//                           -1 tells it not to retry at all;
//   retry-after-ms          the same for any other client (absent for -1).
#ifndef LITEFORMER_SERVER_SCHEDULER_RETRY_HINT_H_
#define LITEFORMER_SERVER_SCHEDULER_RETRY_HINT_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace liteformer {

// Attaches "retry after `after`" to a non-OK `status`; a negative `after`
// means "retrying cannot help" (e.g. the call's own deadline is too short).
void SetRetryAfter(absl::Status& status, absl::Duration after);

// The hint SetRetryAfter attached, if any (whole milliseconds).
std::optional<absl::Duration> RetryAfter(const absl::Status& status);

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SCHEDULER_RETRY_HINT_H_
