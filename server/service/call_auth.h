// Authenticates a call of the liteformer.v1 services before any work: the
// client's "authorization" metadata against the tokens (authenticator.h).
// A refused call finishes UNAUTHENTICATED here; an accepted one carries the
// client's name into its log line and the requests_total `client` label,
// and the key of the quotas it counts against.
#ifndef LITEFORMER_SERVER_SERVICE_CALL_AUTH_H_
#define LITEFORMER_SERVER_SERVICE_CALL_AUTH_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "server/quota/peer_host.h"
#include "server/security/authenticator.h"
#include "server/service/service_context.h"

namespace liteformer {

// The client's name (Authenticator::kAnonymous when auth is off), or UNAUTHENTICATED.
inline absl::StatusOr<std::string> AuthenticateCall(const security::Authenticator& authenticator,
                                                    const grpc::CallbackServerContext& rpc) {
  std::optional<absl::string_view> authorization;
  const auto& metadata = rpc.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    authorization = absl::string_view(it->second.data(), it->second.size());
  }
  return authenticator.Authenticate(authorization);
}

// True when `call` may go on; false after finishing it UNAUTHENTICATED.
template <typename Call>
bool Authenticated(const ServiceContext& context, grpc::CallbackServerContext* rpc, Call* call) {
  absl::StatusOr<std::string> client = AuthenticateCall(context.authenticator, *rpc);
  if (!client.ok()) {
    call->Complete(client.status());
    return false;
  }
  // Quotas are per token with auth, else per peer address.
  call->record().set_quota_key(context.authenticator.enabled() ? *client : PeerHost(rpc->peer()));
  call->record().set_client(*std::move(client));
  return true;
}

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SERVICE_CALL_AUTH_H_
