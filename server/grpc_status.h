// The one mapping from absl::Status (every module boundary) to grpc::Status.
#ifndef LITEFORMER_SERVER_GRPC_STATUS_H_
#define LITEFORMER_SERVER_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace liteformer {

grpc::Status ToGrpcStatus(const absl::Status& status);

// "DEADLINE_EXCEEDED" etc., as Prometheus labels and logs spell codes.
std::string StatusCodeName(absl::StatusCode code);

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_GRPC_STATUS_H_
