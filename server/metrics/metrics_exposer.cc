#include "server/metrics/metrics_exposer.h"

#include <CivetServer.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"

namespace liteformer::metrics {
namespace {

// civetweb reports why it could not start (the bind error) through
// log_message, on the thread that starts it; the messages are collected
// here while Start runs. Later messages are about single hostile or broken
// connections, which the timeouts already handle: they are dropped rather
// than written to stderr beside the server's own log.
thread_local std::string* start_errors = nullptr;

int OnCivetMessage(const mg_connection* /*connection*/, const char* message) {
  if (start_errors != nullptr)
    absl::StrAppend(start_errors, start_errors->empty() ? "" : "; ", message);
  return 1;  // handled: civetweb prints nothing itself
}

constexpr char kMetricsPath[] = "/metrics";

// Runs before civetweb's own dispatch, which would also hand "/metrics/x" to
// the /metrics handler: the port answers GET /metrics and nothing else.
int FilterRequest(mg_connection* connection) {
  const mg_request_info* request = mg_get_request_info(connection);
  if (request->local_uri == nullptr || std::strcmp(request->local_uri, kMetricsPath) != 0) {
    mg_send_http_error(connection, 404, "Not found: this port serves GET %s only\n", kMetricsPath);
    return 404;
  }
  if (std::strcmp(request->request_method, "GET") != 0) {
    mg_printf(connection,
              "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nContent-Length: 0\r\n"
              "Connection: close\r\n\r\n");
    return 405;
  }
  return 0;  // civetweb goes on to the exposer's handler
}

struct ListeningAddress {
  std::string host;  // numeric
  int port;
  // civetweb's listening_ports form: "1.2.3.4:80", "[::1]:80".
  std::string civetweb() const {
    return host.find(':') != std::string::npos ? absl::StrCat("[", host, "]:", port)
                                               : absl::StrCat(host, ":", port);
  }
};

// "host:port", "[v6 address]:port", or ":port" -> a numeric host (civetweb
// does not resolve names) and the port.
absl::StatusOr<ListeningAddress> ParseAddress(const std::string& host_port) {
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
  if (host.empty()) return ListeningAddress{"0.0.0.0", port};

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int error = ::getaddrinfo(host.c_str(), nullptr, &hints, &found); error != 0) {
    return absl::UnavailableError(absl::StrCat("metrics HTTP server: cannot listen on ", host_port,
                                               ": ", ::gai_strerror(error)));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  char numeric[NI_MAXHOST];
  if (::getnameinfo(found->ai_addr, found->ai_addrlen, numeric, sizeof(numeric), nullptr, 0,
                    NI_NUMERICHOST) != 0) {
    return absl::UnavailableError(
        absl::StrCat("metrics HTTP server: cannot listen on ", host_port, ": no usable address"));
  }
  return ListeningAddress{numeric, port};
}

// Opens and closes a connection to host:port, ignoring any failure.
void Knock(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return;
  const int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    ::connect(fd, found->ai_addr, found->ai_addrlen);
    ::close(fd);
  }
  ::freeaddrinfo(found);
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsExposer>> MetricsExposer::Start(
    const std::string& host_port, std::shared_ptr<prometheus::Registry> registry) {
  absl::StatusOr<ListeningAddress> address = ParseAddress(host_port);
  if (!address.ok()) return address.status();
  std::vector<std::string> options = {
      "listening_ports",    address->civetweb(),
      "num_threads",        absl::StrCat(kThreads),
      "request_timeout_ms", absl::StrCat(absl::ToInt64Milliseconds(kRequestTimeout)),
      "max_request_size",   absl::StrCat(kMaxHeaderBytes),
  };
  CivetCallbacks callbacks;
  callbacks.log_message = &OnCivetMessage;
  callbacks.begin_request = &FilterRequest;

  std::string errors;
  start_errors = &errors;
  std::unique_ptr<prometheus::Exposer> exposer;
  // The library reports a failed start (the port cannot be bound) by
  // throwing; nothing else in this function can throw.
  try {
    exposer = std::make_unique<prometheus::Exposer>(std::move(options), &callbacks);
  } catch (const std::exception& e) {
    start_errors = nullptr;
    return absl::UnavailableError(absl::StrCat("metrics HTTP server: cannot listen on ", host_port,
                                               ": ", errors.empty() ? e.what() : errors));
  }
  start_errors = nullptr;
  exposer->RegisterCollectable(registry, kMetricsPath);
  const std::vector<int> ports = exposer->GetListeningPorts();
  const int port = ports.empty() ? -1 : ports.front();
  // A wildcard address is knocked on at the loopback of its family.
  std::string host = address->host == "0.0.0.0" ? "127.0.0.1"
                     : address->host == "::"    ? "::1"
                                                : address->host;
  return std::unique_ptr<MetricsExposer>(
      new MetricsExposer(std::move(registry), std::move(exposer), std::move(host), port));
}

MetricsExposer::MetricsExposer(std::shared_ptr<prometheus::Registry> registry,
                               std::unique_ptr<prometheus::Exposer> exposer, std::string host,
                               int port)
    : registry_(std::move(registry)),
      exposer_(std::move(exposer)),
      host_(std::move(host)),
      port_(port) {}

MetricsExposer::~MetricsExposer() {
  // civetweb's accept loop polls its port with a 2 s timeout and sees the
  // stop request only when it wakes, which would add up to 2 s to every
  // server exit. Connections wake it: knock until the exposer is gone.
  std::atomic<bool> stopped = false;
  std::thread knocker([&] {
    while (!stopped.load()) {
      Knock(host_, port_);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  exposer_.reset();
  stopped.store(true);
  knocker.join();
}

}  // namespace liteformer::metrics
