// gRPC status codes as the clients print them.
#ifndef LITEFORMER_CLIENT_RPC_STATUS_H_
#define LITEFORMER_CLIENT_RPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace liteformer::client {

// "UNAVAILABLE", "DEADLINE_EXCEEDED", ...: the numeric codes of gRPC and
// Abseil are the same, so Abseil's names serve both.
std::string StatusCodeName(grpc::StatusCode code);

absl::Status ToAbslStatus(const grpc::Status& status);

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_RPC_STATUS_H_
