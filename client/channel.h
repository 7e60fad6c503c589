// The channel both clients use: --target parsed into a URI, requests spread
// over every address by round_robin, UNAVAILABLE retried by gRPC itself,
// plain text or TLS, and the bearer token on every call.
#ifndef LITEFORMER_CLIENT_CHANNEL_H_
#define LITEFORMER_CLIENT_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/security_flags.h"
#include "grpcpp/channel.h"

namespace liteformer::client {

// The service config: round_robin load balancing over the addresses whose
// grpc.health.v1 status is SERVING (a draining server says NOT_SERVING, so
// calls leave it before it shuts down), and up to 5 attempts with exponential
// backoff (0.1 s to 2 s) on UNAVAILABLE for the liteformer.v1 services. The
// health service is left out of the retries: a health check must report a
// down server at once, not after the retries have hidden it.
extern const char kServiceConfigJson[];

enum class HealthWatch {
  kSkipUnhealthy,  // Calls go only to servers that report SERVING.
  kReachAll,       // For asking a server its health: a NOT_SERVING one too.
};

// The one place both clients build credentials: plain text, or TLS with
// `security`'s roots and (mutual TLS) client certificate; a token goes on
// every call of the channel as "authorization: Bearer TOKEN" (the channel's
// own health watch carries none: health is open).
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    absl::string_view target, const ChannelSecurity& security,
    HealthWatch health_watch = HealthWatch::kSkipUnhealthy);

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_CHANNEL_H_
