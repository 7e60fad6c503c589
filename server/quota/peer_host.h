// PeerHost: the client address that quotas key on without auth — the IP of
// gRPC's peer URI without its port, so that a client's connections (each
// from a new port) share one quota.
#ifndef LITEFORMER_SERVER_QUOTA_PEER_HOST_H_
#define LITEFORMER_SERVER_QUOTA_PEER_HOST_H_

#include <string>

#include "absl/strings/string_view.h"

namespace liteformer {

// "ipv4:10.0.0.7:51234" -> "10.0.0.7"; "ipv6:[::1]:51234" (or with the
// brackets percent-encoded, as newer gRPC writes them) -> "::1";
// "unix:/path" -> "unix:/path"; anything else is returned as it is, bounded
// to 256 bytes.
std::string PeerHost(absl::string_view peer);

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_QUOTA_PEER_HOST_H_
