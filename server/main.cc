// liteformer-server: serves the models under models/ (or those a --config
// file names) over gRPC, with Prometheus metrics on a second port.
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <memory>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/config/server_config.h"
#include "server/control/model_control.h"
#include "server/listen/address_file.h"
#include "server/metrics/metrics_exposer.h"
#include "server/model_registry.h"
#include "server/security/authenticator.h"
#include "server/security/server_credentials.h"
#include "server/security/tokens_file.h"
#include "server/security/without_reflection.h"
#include "server/server_metrics.h"
#include "server/service/language_model_service.h"
#include "server/service/model_service.h"
#include "server/service/service_context.h"
#include "server/service/translator_service.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, config, "", "Server config, text-format liteformer.v1.ServerConfig.");
ABSL_FLAG(std::string, listen, "", "gRPC address HOST:PORT (default 0.0.0.0:50051).");
ABSL_FLAG(std::string, metrics_listen, "",
          "Prometheus metrics address HOST:PORT (default 0.0.0.0:9090); 'none' turns it off.");
ABSL_FLAG(std::string, models_dir, "", "Serve every model directory under DIR (default models).");
ABSL_FLAG(std::string, address_file, "",
          "Write the address local clients dial (wildcard host as loopback, the bound port) to "
          "this file once serving, and remove it at exit; default $LITEFORMER_ADDRESS_FILE.");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn or error.");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain: the gRPC port speaks TLS (needs --tls_key_file). Re-read when "
          "it changes.");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file.");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA bundle: clients must present a certificate it signed (mutual TLS).");
ABSL_FLAG(std::string, model_control, "none",
          "none: the models are re-read on SIGHUP; explicit: also the LoadModel and UnloadModel "
          "RPCs; poll: also every --poll_seconds.");
ABSL_FLAG(int, poll_seconds, 10, "--model_control=poll: seconds between two looks at the models.");
ABSL_FLAG(std::string, auth_tokens_file, "",
          "Clients and their tokens (NAME TOKEN or NAME sha256:HEX a line): the liteformer.v1 "
          "services need \"authorization: Bearer TOKEN\". Re-read on SIGHUP.");

namespace liteformer {
namespace {

constexpr const char* kServiceNames[] = {"liteformer.v1.Translator", "liteformer.v1.Summarizer",
                                         "liteformer.v1.LanguageModel",
                                         "liteformer.v1.ModelService"};

// How long no call must arrive before the gRPC server shuts down, and the
// longest wait for that after the drain.
constexpr absl::Duration kQuietPeriod = absl::Milliseconds(300);
constexpr absl::Duration kMaxQuietWait = absl::Seconds(5);

// The signals the server takes: SIGHUP re-reads the tokens file and the
// models (model_control.h); the others
// drain and stop it. Beside SIGTERM and SIGINT: SIGUSR1 and SIGQUIT, whose
// default action kills the process at once, dropping every call in flight;
// an operator who sends one gets the same drain as SIGTERM instead.
sigset_t HandledSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGQUIT}) sigaddset(&signals, signal);
  return signals;
}

// SIGHUP: new tokens, or the old ones kept (and an error logged) when the
// file is now bad.
void ReloadTokens(const std::string& path, security::Authenticator& authenticator) {
  if (!authenticator.enabled()) {
    spdlog::info("SIGHUP: no tokens file to reload (auth is off); still serving");
    return;
  }
  absl::StatusOr<std::vector<security::TokenEntry>> entries = security::ReadTokensFile(path);
  if (!entries.ok()) {
    spdlog::error("SIGHUP: keeping the old tokens: {}", std::string(entries.status().message()));
    return;
  }
  const size_t count = entries->size();
  authenticator.Replace(*std::move(entries));
  spdlog::info("SIGHUP: reloaded {} client token(s) from {}", count, path);
}

const char* SignalName(int signal) {
  switch (signal) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGHUP:
      return "SIGHUP";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGQUIT:
      return "SIGQUIT";
  }
  return "signal";
}

int Fail(const absl::Status& status) {
  std::cerr << "liteformer-server: " << status.message() << "\n";
  return 1;
}

// The config file with the flags over it.
absl::StatusOr<v1::ServerConfig> ConfigWithFlags() {
  absl::StatusOr<v1::ServerConfig> config = ReadServerConfig(absl::GetFlag(FLAGS_config));
  if (!config.ok()) return config.status();
  if (!absl::GetFlag(FLAGS_listen).empty()) config->set_listen(absl::GetFlag(FLAGS_listen));
  if (!absl::GetFlag(FLAGS_metrics_listen).empty()) {
    config->set_metrics_listen(absl::GetFlag(FLAGS_metrics_listen));
  }
  if (!absl::GetFlag(FLAGS_models_dir).empty()) {
    config->set_models_dir(absl::GetFlag(FLAGS_models_dir));
  }
  // Each TLS and auth flag overrides its config field.
  if (!absl::GetFlag(FLAGS_tls_cert_file).empty()) {
    config->mutable_tls()->set_cert_file(absl::GetFlag(FLAGS_tls_cert_file));
  }
  if (!absl::GetFlag(FLAGS_tls_key_file).empty()) {
    config->mutable_tls()->set_key_file(absl::GetFlag(FLAGS_tls_key_file));
  }
  if (!absl::GetFlag(FLAGS_tls_client_ca_file).empty()) {
    config->mutable_tls()->set_client_ca_file(absl::GetFlag(FLAGS_tls_client_ca_file));
  }
  if (!absl::GetFlag(FLAGS_auth_tokens_file).empty()) {
    config->mutable_auth()->set_tokens_file(absl::GetFlag(FLAGS_auth_tokens_file));
  }
  return config;
}

int Run() {
  spdlog::set_level(spdlog::level::from_str(absl::GetFlag(FLAGS_log_level)));
  absl::StatusOr<ModelControlMode> control_mode =
      ParseModelControlMode(absl::GetFlag(FLAGS_model_control));
  if (!control_mode.ok()) return Fail(control_mode.status());
  const int poll_seconds = absl::GetFlag(FLAGS_poll_seconds);
  if (poll_seconds < 1 || poll_seconds > 86400) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--poll_seconds=", poll_seconds, " is not in [1, 86400]")));
  }
  absl::StatusOr<v1::ServerConfig> config = ConfigWithFlags();
  if (!config.ok()) return Fail(config.status());
  // Checked before the models load: a bad file fails the start-up at once.
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      security::MakeServerCredentials(
          {config->tls().cert_file(), config->tls().key_file(), config->tls().client_ca_file()});
  if (!credentials.ok()) return Fail(credentials.status());
  const std::string tokens_file = config->auth().tokens_file();
  // Not movable (its mutex): built in place.
  auto authenticator = std::make_unique<security::Authenticator>();
  if (!tokens_file.empty()) {
    absl::StatusOr<std::vector<security::TokenEntry>> entries =
        security::ReadTokensFile(tokens_file);
    if (!entries.ok()) return Fail(entries.status());
    authenticator = std::make_unique<security::Authenticator>(*std::move(entries));
  }
  const std::string config_name =
      absl::GetFlag(FLAGS_config).empty() ? "the default config" : absl::GetFlag(FLAGS_config);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  absl::StatusOr<ResolvedServerConfig> resolved = ResolveServerConfig(*config, config_name, cores);
  if (!resolved.ok()) return Fail(resolved.status());

  ServerMetrics server_metrics;
  ModelRegistry registry;
  // Loads run on a thread of their own (model_control.cc), whose OpenMP team
  // (oneDNN reorders weights in parallel) ends with it. A team left on the
  // main thread would count against the cores: libgomp then stops spinning
  // between parallel regions, and every region of a multi-threaded worker
  // pays futex wake-ups (by hand with liteformer-load: 4x the latency of a
  // short sentence with threads_per_worker 2; bench/'s "one_worker" row
  // shows the state now).
  ModelControl control(registry, server_metrics, *control_mode, absl::Seconds(poll_seconds),
                       [&]() -> absl::StatusOr<ResolvedServerConfig> {
                         absl::StatusOr<v1::ServerConfig> reread = ConfigWithFlags();
                         if (!reread.ok()) return reread.status();
                         return ResolveServerConfig(*reread, config_name, cores);
                       });
  if (absl::Status loaded = control.LoadAll(*resolved); !loaded.ok()) return Fail(loaded);
  ResponseCache cache(resolved->cache_bytes, server_metrics.ForCache());
  ClientQuotas quotas(resolved->quotas);
  ServiceContext context{registry, server_metrics, resolved->limits, *authenticator, {},
                         {},       &cache,         &quotas,          &control};
  TranslatorService translator(context);
  SummarizerService summarizer(context);
  LanguageModelService language_model(context);
  ModelService model_service(context);

  // The metrics endpoint is up before gRPC health says SERVING, so whoever
  // waits for readiness can scrape at once.
  std::unique_ptr<metrics::MetricsExposer> metrics_server;
  if (resolved->metrics_listen != "none") {
    absl::StatusOr<std::unique_ptr<metrics::MetricsExposer>> started =
        metrics::MetricsExposer::Start(resolved->metrics_listen, server_metrics.registry());
    if (!started.ok()) return Fail(started.status());
    metrics_server = *std::move(started);
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // With tokens on, only health is open: reflection is not served.
  if (authenticator->enabled()) builder.SetOption(std::make_unique<security::WithoutReflection>());
  int port = 0;
  builder.AddListeningPort(resolved->listen, *credentials, &port);
  // Idle and old connections are closed, dead peers found by pings: without
  // these, 200 idle connections were still open after 330 s.
  const ConnectionSettings& connections = resolved->connections;
  auto ms = [](absl::Duration d) {  // Settings reach 2^24 s; gRPC takes int milliseconds.
    return static_cast<int>(
        std::min<std::int64_t>(absl::ToInt64Milliseconds(d), std::numeric_limits<int>::max()));
  };
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, ms(connections.max_idle));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, ms(connections.max_age));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, ms(connections.max_age_grace));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, ms(connections.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, ms(connections.keepalive_timeout));
  builder.RegisterService(&translator);
  builder.RegisterService(&summarizer);
  builder.RegisterService(&language_model);
  builder.RegisterService(&model_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail(absl::UnavailableError(absl::StrCat("cannot listen on ", resolved->listen)));
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus("", true);
  for (const char* service : kServiceNames) health->SetServingStatus(service, true);
  for (const auto& model : registry.models()) {
    health->SetServingStatus(absl::StrCat("model/", model->name()), true);
  }
  control.set_health([health](const std::string& name, bool serving) {
    health->SetServingStatus(absl::StrCat("model/", name), serving);
  });
  std::string address_file_path = absl::GetFlag(FLAGS_address_file);
  if (const char* from_env = std::getenv(kAddressFileEnv);
      address_file_path.empty() && from_env != nullptr) {
    address_file_path = from_env;
  }
  std::unique_ptr<AddressFile> address_file;
  if (!address_file_path.empty()) {
    absl::StatusOr<std::unique_ptr<AddressFile>> written =
        AddressFile::Write(address_file_path, DialableAddress(resolved->listen, port));
    if (!written.ok()) return Fail(written.status());
    address_file = *std::move(written);
  }

  for (const auto& model : registry.models()) {
    const v1::ModelInfo& info = model->info();
    const SchedulerOptions& batching = model->scheduler().options();
    spdlog::info(
        "model {}{}: {} {} v{}, {} parameters, {} MACs per 30 tokens; {} batching, {} worker(s) x "
        "{} thread(s), batch ≤ {} sentences / {} tokens, queue ≤ {} sentences / {} ms of work",
        info.name(), info.is_default() ? " (default)" : "", info.task(), info.architecture(),
        info.version(), info.parameters(), info.macs_30_tokens(), info.batching(), batching.workers,
        batching.threads_per_worker, batching.max_batch_size, batching.max_batch_tokens,
        batching.max_queue_size, absl::ToInt64Milliseconds(batching.max_queue_wait));
  }
  const v1::TlsConfig& tls = config->tls();
  spdlog::info("serving {} model(s) on {} (gRPC {}, port {}), metrics on {} (plain HTTP){}{}{}",
               registry.models().size(), resolved->listen,
               tls.cert_file().empty()        ? "plain text"
               : tls.client_ca_file().empty() ? "TLS"
                                              : "mutual TLS",
               port, resolved->metrics_listen,
               authenticator->enabled() ? absl::StrCat("; tokens from ", tokens_file) : "",
               quotas.enabled()
                   ? (authenticator->enabled() ? "; quotas per token" : "; quotas per peer address")
                   : "",
               address_file ? absl::StrCat("; address in ", address_file->path()) : "");

  // main() blocked these signals before any thread started; wait for one
  // here, looking after the models once a second meanwhile.
  const sigset_t signals = HandledSignals();
  int signal = 0;
  const timespec tick = {.tv_sec = 1, .tv_nsec = 0};
  while (true) {
    signal = sigtimedwait(&signals, nullptr, &tick);
    if (signal < 0) {
      control.Tick(absl::Now());
      continue;
    }
    if (signal != SIGHUP) break;
    ReloadTokens(tokens_file, *authenticator);
    control.Reload("SIGHUP");
  }
  spdlog::info("{}: draining (grace {}s)", SignalName(signal),
               absl::ToInt64Seconds(resolved->drain_grace));
  const absl::Time grace_end = absl::Now() + resolved->drain_grace;
  context.draining.store(true);
  health->SetServingStatus(false);
  registry.Drain(resolved->drain_grace);
  // Every job has been answered. grpc::Server::Shutdown kills calls that reach
  // it while it runs (their clients see CANCELLED, which is not safely
  // retried), so it waits for the clients to stop sending here: those that
  // watch health (liteformer-client, liteformer-load) leave at NOT_SERVING,
  // the others are refused UNAVAILABLE and retry elsewhere. Bounded, so a
  // client that keeps sending cannot hold the process for the whole grace.
  const absl::Time quiet_deadline = std::min(grace_end, absl::Now() + kMaxQuietWait);
  if (!context.calls.WaitUntilQuiet(kQuietPeriod, quiet_deadline)) {
    spdlog::warn("clients still sending after the drain ({} call(s) live); shutting down",
                 context.calls.live());
  }
  // Only health watches and responses being written remain.
  health->Shutdown();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  spdlog::info("drained; exiting");
  return 0;
}

}  // namespace
}  // namespace liteformer

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("serves Lite Transformer models over gRPC");
  absl::ParseCommandLine(argc, argv);
  // Every thread started from here on inherits the block; Run() takes the
  // signals synchronously with sigwait, so shutdown runs on a normal thread.
  const sigset_t signals = liteformer::HandledSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return liteformer::Run();
}
