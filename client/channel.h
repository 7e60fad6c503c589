// The channel both clients use: --target parsed into a URI, requests spread
// over every address by round_robin, UNAVAILABLE retried by gRPC itself.
#ifndef LITEFORMER_CLIENT_CHANNEL_H_
#define LITEFORMER_CLIENT_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/channel.h"

namespace liteformer::client {

// The service config: round_robin load balancing, and up to 5 attempts with
// exponential backoff (0.1 s to 2 s) on UNAVAILABLE for the liteformer.v1
// services. The health service is left out: a health check must report a
// down server at once, not after the retries have hidden it.
extern const char kServiceConfigJson[];

// Insecure credentials: the server listens in plain text (TLS, if any, is
// terminated in front of it).
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(absl::string_view target);

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_CHANNEL_H_
