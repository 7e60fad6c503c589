// Turns the --target flag of the clients into a gRPC target URI.
#ifndef LITEFORMER_CLIENT_TARGET_URI_H_
#define LITEFORMER_CLIENT_TARGET_URI_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace liteformer::client {

// Maps a host name to one IP address literal (IPv6 without brackets).
using HostResolver = std::function<absl::StatusOr<std::string>(const std::string& host)>;

// `target` is "host:port", "[v6]:port", a comma-separated list of those, or
// already a URI ("dns:", "ipv4:", "ipv6:", "unix:" or anything with "://"),
// which is passed through. One name gives "dns:///name:port", so gRPC keeps
// re-resolving it; IP literals give "ipv4:a:p,b:p" / "ipv6:[a]:p,[b]:p".
// gRPC 1.51 has no URI scheme for a list of names, so names in a list are
// resolved once, here, by `resolve`; a list may not mix IPv4 and IPv6.
absl::StatusOr<std::string> TargetUri(absl::string_view target, const HostResolver& resolve);

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_TARGET_URI_H_
