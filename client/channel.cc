#include "client/channel.h"

#include <netdb.h>
#include <sys/socket.h>

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/target_uri.h"
#include "engine/util/status_macros.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "grpcpp/support/client_interceptor.h"

namespace liteformer::client {
namespace {

// IPv4 first: a list such as "localhost:5001,localhost:5002" would otherwise
// get ::1 where the servers listen on 127.0.0.1 only.
absl::StatusOr<std::string> ResolveHost(const std::string& host) {
  for (int family : {AF_INET, AF_INET6}) {
    addrinfo hints{};
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* result = nullptr;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &result) != 0 || result == nullptr) continue;
    char address[NI_MAXHOST];
    const int error = getnameinfo(result->ai_addr, result->ai_addrlen, address, sizeof(address),
                                  nullptr, 0, NI_NUMERICHOST);
    freeaddrinfo(result);
    if (error == 0) return std::string(address);
  }
  return absl::NotFoundError("no address found");
}

// Adds the bearer token to every call's initial metadata. An interceptor,
// not call credentials: gRPC sends call credentials over TLS only, and a
// token server may sit behind a TLS-terminating proxy.
class TokenInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit TokenInterceptor(const std::string& authorization) : authorization_(authorization) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert({"authorization", authorization_});
    }
    methods->Proceed();
  }

 private:
  const std::string authorization_;
};

class TokenInterceptorFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit TokenInterceptorFactory(absl::string_view token)
      : authorization_(absl::StrCat("Bearer ", token)) {}

  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new TokenInterceptor(authorization_);
  }

 private:
  const std::string authorization_;
};

std::shared_ptr<grpc::ChannelCredentials> Credentials(const ChannelSecurity& security,
                                                      grpc::ChannelArguments& arguments) {
  if (!security.tls) return grpc::InsecureChannelCredentials();
  if (!security.server_name.empty()) {
    arguments.SetSslTargetNameOverride(security.server_name);
  }
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = security.root_certs;
  options.pem_private_key = security.private_key;
  options.pem_cert_chain = security.cert_chain;
  return grpc::SslCredentials(options);
}

}  // namespace

// Retries: UNAVAILABLE (a refused or unreachable server) is tried again up
// to 4 times, after the server's grpc-retry-pushback-ms when it sends one
// (-1: never), else with backoff. retryThrottling stops retrying while most
// calls fail (fewer than half of 10 tokens left; a failure costs 1, a success
// earns 0.1): an overloaded server must not get each refused call 5 times.
const char kServiceConfigJson[] = R"json({
  "loadBalancingConfig": [{"round_robin": {}}],
  "retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1},
  "healthCheckConfig": {"serviceName": ""},
  "methodConfig": [{
    "name": [
      {"service": "liteformer.v1.Translator"},
      {"service": "liteformer.v1.Summarizer"},
      {"service": "liteformer.v1.LanguageModel"},
      {"service": "liteformer.v1.ModelService"}
    ],
    "retryPolicy": {
      "maxAttempts": 5,
      "initialBackoff": "0.1s",
      "maxBackoff": "2s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
})json";

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(absl::string_view target,
                                                           const ChannelSecurity& security,
                                                           HealthWatch health_watch) {
  ASSIGN_OR_RETURN(std::string uri, TargetUri(target, ResolveHost));
  grpc::ChannelArguments arguments;
  arguments.SetServiceConfigJSON(kServiceConfigJson);
  arguments.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
  // Ours is the only service config: none is looked up in DNS TXT records.
  arguments.SetInt(GRPC_ARG_SERVICE_CONFIG_DISABLE_RESOLUTION, 1);
  if (health_watch == HealthWatch::kReachAll) arguments.SetInt(GRPC_ARG_INHIBIT_HEALTH_CHECKING, 1);
  std::shared_ptr<grpc::ChannelCredentials> credentials = Credentials(security, arguments);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
  if (!security.token.empty()) {
    interceptors.push_back(std::make_unique<TokenInterceptorFactory>(security.token));
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(uri, credentials, arguments,
                                                                 std::move(interceptors));
}

}  // namespace liteformer::client
