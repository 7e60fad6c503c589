// How both clients reach a TLS or token-protected server: the --tls,
// --ca_file, --cert_file, --key_file, --server_name and --token flags (the
// token also from $LITEFORMER_TOKEN), read once into ChannelSecurity, which
// MakeChannel (channel.h) turns into credentials and metadata.
#ifndef LITEFORMER_CLIENT_SECURITY_FLAGS_H_
#define LITEFORMER_CLIENT_SECURITY_FLAGS_H_

#include <string>

#include "absl/status/statusor.h"

namespace liteformer::client {

inline constexpr char kTokenEnv[] = "LITEFORMER_TOKEN";

struct ChannelSecurity {
  bool tls = false;
  std::string root_certs;   // PEM; empty: the system's roots.
  std::string private_key;  // PEM client key and certificate (mutual TLS),
  std::string cert_chain;   // both or neither.
  std::string server_name;  // Overrides the name checked in the server's certificate.
  std::string token;        // Sent as "authorization: Bearer TOKEN"; empty: none.
};

// The files read. INVALID_ARGUMENT (a usage error) for a TLS flag without
// --tls, --cert_file without --key_file (or the reverse), an unreadable file
// (named), or a token with spaces.
absl::StatusOr<ChannelSecurity> ChannelSecurityFromFlags();

// The flag lines of the usage text, for both binaries.
extern const char kSecurityFlagsUsage[];

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_SECURITY_FLAGS_H_
