#include "client/security_flags.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(bool, tls, false, "Connect with TLS.");
ABSL_FLAG(std::string, ca_file, "", "PEM CA bundle the server's certificate must chain to.");
ABSL_FLAG(std::string, cert_file, "", "PEM client certificate (mutual TLS; needs --key_file).");
ABSL_FLAG(std::string, key_file, "", "PEM private key of --cert_file.");
ABSL_FLAG(std::string, server_name, "",
          "The name the server's certificate must carry (default: the target's host).");
ABSL_FLAG(std::string, token, "",
          "Bearer token for a server with --auth_tokens_file (default: $LITEFORMER_TOKEN).");

namespace liteformer::client {

const char kSecurityFlagsUsage[] =
    R"(  --tls [--ca_file=PEM] [--cert_file=PEM --key_file=PEM] [--server_name=NAME]
  --token=TOKEN (default: $LITEFORMER_TOKEN)
)";

namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, absl::string_view flag) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::InvalidArgumentError(absl::StrCat(flag, ": cannot read ", path));
  std::stringstream text;
  text << file.rdbuf();
  if (text.str().empty()) return absl::InvalidArgumentError(absl::StrCat(flag, ": empty ", path));
  return text.str();
}

}  // namespace

absl::StatusOr<ChannelSecurity> ChannelSecurityFromFlags() {
  ChannelSecurity security;
  security.tls = absl::GetFlag(FLAGS_tls);
  const std::string ca_file = absl::GetFlag(FLAGS_ca_file);
  const std::string cert_file = absl::GetFlag(FLAGS_cert_file);
  const std::string key_file = absl::GetFlag(FLAGS_key_file);
  security.server_name = absl::GetFlag(FLAGS_server_name);
  if (!security.tls) {
    for (const auto& [flag, value] :
         {std::pair<const char*, const std::string&>{"--ca_file", ca_file},
          {"--cert_file", cert_file},
          {"--key_file", key_file},
          {"--server_name", security.server_name}}) {
      if (!value.empty()) return absl::InvalidArgumentError(absl::StrCat(flag, " needs --tls"));
    }
  }
  if (cert_file.empty() != key_file.empty()) {
    return absl::InvalidArgumentError(cert_file.empty() ? "--key_file needs --cert_file"
                                                        : "--cert_file needs --key_file");
  }
  if (!ca_file.empty()) {
    absl::StatusOr<std::string> pem = ReadPem(ca_file, "--ca_file");
    if (!pem.ok()) return pem.status();
    security.root_certs = *std::move(pem);
  }
  if (!cert_file.empty()) {
    absl::StatusOr<std::string> cert = ReadPem(cert_file, "--cert_file");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem(key_file, "--key_file");
    if (!key.ok()) return key.status();
    security.cert_chain = *std::move(cert);
    security.private_key = *std::move(key);
  }
  security.token = absl::GetFlag(FLAGS_token);
  if (const char* from_env = std::getenv(kTokenEnv); security.token.empty() && from_env) {
    security.token = from_env;
  }
  security.token = std::string(absl::StripAsciiWhitespace(security.token));
  for (char c : security.token) {
    // Metadata values are printable ASCII; a space would split "Bearer TOKEN".
    if (c <= ' ' || c > '~') {
      return absl::InvalidArgumentError(
          "the token (--token or $LITEFORMER_TOKEN) must be printable ASCII without spaces");
    }
  }
  return security;
}

}  // namespace liteformer::client
