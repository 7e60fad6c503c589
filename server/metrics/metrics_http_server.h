// The Prometheus scrape endpoint: a small HTTP server, on its own port and
// threads, that serves GET /metrics from a Registry.
#ifndef LITEFORMER_SERVER_METRICS_METRICS_HTTP_SERVER_H_
#define LITEFORMER_SERVER_METRICS_METRICS_HTTP_SERVER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "server/metrics/metrics_registry.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace liteformer::metrics {

class MetricsHttpServer {
 public:
  // Binds `host_port` ("127.0.0.1:9090", "[::1]:9090", or ":9090" for
  // every IPv4 interface; port 0 picks a free port, see port()) and serves
  // on a background thread until destroyed:
  //   GET /metrics  the registry, text/plain; version=0.0.4
  //   GET /         a line pointing at /metrics
  //   anything else 404
  // A malformed address is InvalidArgument; one that cannot be bound (in
  // use, not local, unresolvable) is Unavailable; both messages name it.
  // `registry` must outlive the server.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(const std::string& host_port,
                                                                  const Registry& registry);

  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;
  // Stops accepting, lets in-flight requests finish and joins the threads.
  ~MetricsHttpServer();

  // The bound port (the chosen one when Start was given port 0).
  int port() const { return port_; }

 private:
  MetricsHttpServer(std::unique_ptr<httplib::Server> server, int port);

  std::unique_ptr<httplib::Server> server_;
  int port_;
  // Runs httplib's accept loop; accept_loop_ended_ is set when it returns.
  std::thread thread_;
  std::atomic<bool> accept_loop_ended_ = false;
};

}  // namespace liteformer::metrics

#endif  // LITEFORMER_SERVER_METRICS_METRICS_HTTP_SERVER_H_
