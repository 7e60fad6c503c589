// A request's Priority field (liteformer.proto) as a scheduling class.
#ifndef LITEFORMER_SERVER_REQUEST_REQUEST_PRIORITY_H_
#define LITEFORMER_SERVER_REQUEST_REQUEST_PRIORITY_H_

#include "absl/status/statusor.h"
#include "liteformer/v1/liteformer.pb.h"
#include "server/scheduler/priority.h"

namespace liteformer {

// PRIORITY_UNSPECIFIED is NORMAL. A value the API does not define (proto3
// keeps unknown enum numbers) is INVALID_ARGUMENT, naming it.
absl::StatusOr<Priority> ToSchedulingPriority(v1::Priority priority);

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_REQUEST_REQUEST_PRIORITY_H_
