// The Prometheus scrape endpoint: prometheus-cpp's Exposer (civetweb) on its
// own port, serving GET /metrics from a prometheus::Registry.
//
// civetweb gives each open connection a worker thread until its request is
// read. So that idle or slow clients cannot hold scrapes back, the endpoint
// runs kThreads workers (an idle connection costs a mostly untouched stack,
// not memory in use) and cuts off a connection whose request has not fully
// arrived kRequestTimeout after it opened. Up to kThreads - 1 such
// connections leave scrapes unaffected; past that a scrape waits at most
// kRequestTimeout per kThreads of them. Bind it to localhost or a pod port
// (README "Metrics").
#ifndef LITEFORMER_SERVER_METRICS_METRICS_EXPOSER_H_
#define LITEFORMER_SERVER_METRICS_METRICS_EXPOSER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace liteformer::metrics {

class MetricsExposer {
 public:
  static constexpr int kThreads = 256;
  static constexpr absl::Duration kRequestTimeout = absl::Seconds(1);
  // Request headers larger than this are refused (a scrape's are ~200 bytes).
  static constexpr int kMaxHeaderBytes = 8192;

  // Binds `host_port` ("127.0.0.1:9090", "[::1]:9090", or ":9090" for every
  // IPv4 interface; port 0 picks a free port, see port()) and serves
  // `registry` at /metrics (any other path: 404) until destroyed. A
  // malformed address is InvalidArgument; one that cannot be bound (in use,
  // not local) is Unavailable; both messages name it.
  static absl::StatusOr<std::unique_ptr<MetricsExposer>> Start(
      const std::string& host_port, std::shared_ptr<prometheus::Registry> registry);

  MetricsExposer(const MetricsExposer&) = delete;
  MetricsExposer& operator=(const MetricsExposer&) = delete;
  // Closes the port and every connection, and joins the workers (within
  // milliseconds: see the .cc).
  ~MetricsExposer();

  // The bound port (the chosen one when Start was given port 0).
  int port() const { return port_; }

 private:
  MetricsExposer(std::shared_ptr<prometheus::Registry> registry,
                 std::unique_ptr<prometheus::Exposer> exposer, std::string host, int port);

  // Held here: the exposer keeps only a weak reference.
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::string host_;  // numeric, where the destructor can connect to the port
  int port_;
};

}  // namespace liteformer::metrics

#endif  // LITEFORMER_SERVER_METRICS_METRICS_EXPOSER_H_
