#include "server/security/server_credentials.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"

namespace liteformer::security {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, absl::string_view what) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", what, " ", path));
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no PEM data";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* x509) const { X509_free(x509); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Bio = std::unique_ptr<BIO, BioDeleter>;

Bio MemoryBio(const std::string& pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// The first certificate of a PEM file (a chain's leaf).
absl::StatusOr<std::unique_ptr<X509, X509Deleter>> ReadCertificate(const std::string& path,
                                                                   absl::string_view what) {
  absl::StatusOr<std::string> pem = ReadFile(path, what);
  if (!pem.ok()) return pem.status();
  Bio bio = MemoryBio(*pem);
  std::unique_ptr<X509, X509Deleter> certificate(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (certificate == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", path, ": not a PEM certificate (", OpenSslError(), ")"));
  }
  return certificate;
}

absl::Status CheckFiles(const TlsFiles& files) {
  absl::StatusOr<std::unique_ptr<X509, X509Deleter>> certificate =
      ReadCertificate(files.cert_file, "TLS certificate");
  if (!certificate.ok()) return certificate.status();
  absl::StatusOr<std::string> key_pem = ReadFile(files.key_file, "TLS key");
  if (!key_pem.ok()) return key_pem.status();
  Bio bio = MemoryBio(*key_pem);
  std::unique_ptr<EVP_PKEY, KeyDeleter> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("TLS key ", files.key_file, ": not a PEM private key (", OpenSslError(), ")"));
  }
  if (X509_check_private_key(certificate->get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS key ", files.key_file, " is not the key of the certificate ", files.cert_file));
  }
  if (!files.client_ca_file.empty()) {
    absl::StatusOr<std::unique_ptr<X509, X509Deleter>> ca =
        ReadCertificate(files.client_ca_file, "TLS client CA file");
    if (!ca.ok()) return ca.status();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files) {
  const bool has_cert = !files.cert_file.empty();
  const bool has_key = !files.key_file.empty();
  if (!has_cert && !has_key) {
    if (!files.client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "TLS: a client CA file (mutual TLS) needs a certificate and key (tls_cert_file, "
          "tls_key_file)");
    }
    return grpc::InsecureServerCredentials();
  }
  if (!has_key) {
    return absl::InvalidArgumentError("TLS: a certificate file without a key file (tls_key_file)");
  }
  if (!has_cert) {
    return absl::InvalidArgumentError("TLS: a key file without a certificate file (tls_cert_file)");
  }
  if (absl::Status checked = CheckFiles(files); !checked.ok()) return checked;

  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      files.key_file, files.cert_file, files.client_ca_file, kCertificateRefreshSeconds);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (files.client_ca_file.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace liteformer::security
