#include "server/metrics/metrics_http_server.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace liteformer::metrics {
namespace {

constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

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

// Closes a socket unless released; keeps the early returns below leak-free.
class SocketFd {
 public:
  explicit SocketFd(int fd) : fd_(fd) {}
  ~SocketFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  SocketFd(const SocketFd&) = delete;
  SocketFd& operator=(const SocketFd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// A listening, non-blocking socket on `address`, or why there is none.
// Only SO_REUSEADDR: it allows a quick restart, where SO_REUSEPORT would let
// a second server share a live listener's port and half its scrapes.
absl::StatusOr<int> Listen(const HostPort& address, const std::string& host_port) {
  auto unavailable = [&](const std::string& why) {
    return absl::UnavailableError(
        absl::StrCat("metrics HTTP server: cannot listen on ", host_port, ": ", why));
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(address.port);
  if (const int error = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found);
      error != 0) {
    return unavailable(::gai_strerror(error));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  int last_error = 0;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    SocketFd fd(
        ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
    if (fd.get() < 0) {
      last_error = errno;
      continue;
    }
    const int yes = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (::bind(fd.get(), a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd.get(), SOMAXCONN) != 0) {
      last_error = errno;
      continue;
    }
    return fd.release();
  }
  return unavailable(last_error != 0 ? std::strerror(last_error) : "no usable address");
}

int BoundPort(int fd) {
  sockaddr_storage bound{};
  socklen_t size = sizeof(bound);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &size) != 0) return -1;
  if (bound.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
}

void Reply(evhttp_request* request, int code, const char* reason, const std::string& body,
           const char* content_type) {
  evkeyvalq* headers = evhttp_request_get_output_headers(request);
  std::unique_ptr<evbuffer, decltype(&::evbuffer_free)> buffer(evbuffer_new(), &::evbuffer_free);
  const evhttp_cmd_type method = evhttp_request_get_command(request);
  if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
    // Not evhttp_send_error: it drops the headers set here.
    evhttp_add_header(headers, "Allow", "GET, HEAD");
    evhttp_add_header(headers, "Content-Type", "text/plain; charset=utf-8");
    const std::string refusal = "method not allowed: use GET or HEAD\n";
    evbuffer_add(buffer.get(), refusal.data(), refusal.size());
    evhttp_send_reply(request, 405, "Method Not Allowed", buffer.get());
    return;
  }
  evhttp_add_header(headers, "Content-Type", content_type);
  if (method == EVHTTP_REQ_HEAD) {
    // evhttp 2.1 would send a HEAD reply's body; it keeps a length set here.
    evhttp_add_header(headers, "Content-Length", std::to_string(body.size()).c_str());
  } else {
    evbuffer_add(buffer.get(), body.data(), body.size());
  }
  evhttp_send_reply(request, code, reason, buffer.get());
}

void ServeMetrics(evhttp_request* request, void* registry) {
  Reply(request, 200, "OK", static_cast<const Registry*>(registry)->Render(), kMetricsContentType);
}

void ServeNotFound(evhttp_request* request, void*) {
  Reply(request, 404, "Not Found", "not found: see GET /metrics\n", "text/plain; charset=utf-8");
}

}  // namespace

MetricsHttpServer::MetricsHttpServer(event_base* base, evhttp* http, int port)
    : base_(base), http_(http), port_(port) {}

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const std::string& host_port, const Registry& registry) {
  absl::StatusOr<HostPort> address = ParseHostPort(host_port);
  if (!address.ok()) return address.status();

  // The destructor breaks the loop from another thread, which needs
  // libevent's locking; it must be on before the first event_base exists.
  static std::once_flag threads_on;
  std::call_once(threads_on, [] { evthread_use_pthreads(); });

  absl::StatusOr<int> listening = Listen(*address, host_port);
  if (!listening.ok()) return listening.status();
  SocketFd fd(*listening);
  const int port = BoundPort(fd.get());

  std::unique_ptr<event_base, decltype(&::event_base_free)> base(event_base_new(),
                                                                 &::event_base_free);
  if (base == nullptr) return absl::InternalError("metrics HTTP server: event_base_new failed");
  std::unique_ptr<evhttp, decltype(&::evhttp_free)> http(evhttp_new(base.get()), &::evhttp_free);
  if (http == nullptr) return absl::InternalError("metrics HTTP server: evhttp_new failed");
  const timeval timeout = absl::ToTimeval(kIoTimeout);
  evhttp_set_timeout_tv(http.get(), &timeout);
  evhttp_set_max_headers_size(http.get(), kMaxHeaderBytes);
  evhttp_set_max_body_size(http.get(), kMaxHeaderBytes);
  evhttp_set_cb(http.get(), "/metrics", &ServeMetrics, const_cast<Registry*>(&registry));
  evhttp_set_gencb(http.get(), &ServeNotFound, nullptr);
  // From here evhttp owns the socket and closes it in evhttp_free.
  if (evhttp_accept_socket_with_handle(http.get(), fd.get()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("metrics HTTP server on ", host_port, ": cannot accept connections"));
  }
  fd.release();

  // Private constructor: std::make_unique cannot reach it.
  std::unique_ptr<MetricsHttpServer> server(
      new MetricsHttpServer(base.release(), http.release(), port));
  MetricsHttpServer* self = server.get();
  // The socket already listens, so connections queue until the loop runs.
  self->thread_ = std::thread([self] { event_base_dispatch(self->base_); });
  return server;
}

MetricsHttpServer::~MetricsHttpServer() {
  event_base_loopbreak(base_);
  thread_.join();
  evhttp_free(http_);  // Closes the listening socket and every connection.
  event_base_free(base_);
}

}  // namespace liteformer::metrics
