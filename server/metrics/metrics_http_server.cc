#include "server/metrics/metrics_http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace liteformer::metrics {
namespace {

constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// One scrape every few seconds needs no more; httplib's default pool is
// max(8, cores - 1) threads, all competing with inference on a small machine.
constexpr std::size_t kServingThreads = 2;

// An idle keep-alive connection holds a pool thread, and the destructor
// waits for it, for up to this long. Scrapes come seconds apart, so keeping
// connections open longer saves nothing.
constexpr time_t kKeepAliveSeconds = 1;

struct HostPort {
  std::string host;
  int port;
};

// "host:port", "[v6 address]:port", or ":port" for every IPv4 interface.
absl::StatusOr<HostPort> ParseHostPort(const std::string& host_port) {
  const std::size_t colon = host_port.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(host_port.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics HTTP address \"", host_port, "\": expected host:port with a port in 0..65535"));
  }
  std::string host = host_port.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  return HostPort{std::move(host), port};
}

}  // namespace

MetricsHttpServer::MetricsHttpServer(std::unique_ptr<httplib::Server> server, int port)
    : server_(std::move(server)), port_(port) {}

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const std::string& host_port, const Registry& registry) {
  absl::StatusOr<HostPort> address = ParseHostPort(host_port);
  if (!address.ok()) return address.status();

  auto server = std::make_unique<httplib::Server>();
  server->new_task_queue = [] { return new httplib::ThreadPool(kServingThreads); };
  // httplib's default sets SO_REUSEPORT, which lets a second server bind a
  // port already in use and silently share its traffic; SO_REUSEADDR alone
  // still allows a quick restart while refusing a live listener's port.
  server->set_socket_options([](socket_t sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server->set_keep_alive_timeout(kKeepAliveSeconds);
  server->Get("/metrics", [&registry](const httplib::Request&, httplib::Response& response) {
    response.set_content(registry.Render(), kMetricsContentType);
  });
  server->Get("/", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("liteformer metrics: GET /metrics (Prometheus text format)\n",
                         "text/plain; charset=utf-8");
  });

  // httplib reports only failure; errno still holds the reason from bind()
  // or listen() (the close() that follows a failed bind leaves it alone).
  errno = 0;
  int port = address->port;
  if (port == 0) {
    port = server->bind_to_any_port(address->host);
  } else if (!server->bind_to_port(address->host, port)) {
    port = -1;
  }
  if (port < 0) {
    const int error = errno;
    return absl::UnavailableError(absl::StrCat("metrics HTTP server: cannot listen on ", host_port,
                                               error != 0 ? ": " : "",
                                               error != 0 ? std::strerror(error) : ""));
  }

  // Private constructor: std::make_unique cannot reach it.
  std::unique_ptr<MetricsHttpServer> metrics_server(new MetricsHttpServer(std::move(server), port));
  // The socket already listens, so connections queue from here on; the
  // thread only runs the accept loop.
  MetricsHttpServer* self = metrics_server.get();
  self->thread_ = std::thread([self] {
    self->server_->listen_after_bind();
    self->accept_loop_ended_ = true;
  });
  // httplib's stop() does nothing until the accept loop has started, so a
  // destructor running before that would join forever. Wait for the loop
  // (or its unlikely immediate end, an accept() failure) before handing the
  // server out.
  while (!self->server_->is_running() && !self->accept_loop_ended_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (self->accept_loop_ended_) {
    return absl::InternalError(
        absl::StrCat("metrics HTTP server on ", host_port, ": accept loop ended at once"));
  }
  return metrics_server;
}

MetricsHttpServer::~MetricsHttpServer() {
  server_->stop();
  thread_.join();
}

}  // namespace liteformer::metrics
