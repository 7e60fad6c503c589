// The gRPC port's credentials: plain text, TLS, or mutual TLS, from the
// tls { } config and the --tls_* flags. TLS uses gRPC's file watcher, which
// re-reads the files every kCertificateRefreshSeconds, so a rotated
// certificate needs no restart. The files are checked once at start-up
// (gRPC's watcher would only log a bad file and fail every handshake).
#ifndef LITEFORMER_SERVER_SECURITY_SERVER_CREDENTIALS_H_
#define LITEFORMER_SERVER_SECURITY_SERVER_CREDENTIALS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"

namespace liteformer::security {

inline constexpr unsigned kCertificateRefreshSeconds = 2;

struct TlsFiles {
  std::string cert_file;  // Empty with key_file: plain text.
  std::string key_file;
  std::string client_ca_file;  // Set: clients need a certificate it signed.
};

// INVALID_ARGUMENT when only one of cert and key is given, or a CA without
// them; an unreadable or invalid file (or a key that is not the
// certificate's) is an error naming the file.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files);

}  // namespace liteformer::security

#endif  // LITEFORMER_SERVER_SECURITY_SERVER_CREDENTIALS_H_
