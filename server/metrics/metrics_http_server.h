// The Prometheus scrape endpoint: a small HTTP server, on its own port and
// thread, that serves GET /metrics from a Registry.
//
// It is libevent's evhttp on one event loop, not a thread per connection:
// idle or slow connections then cost a file descriptor each, not a serving
// thread, so they cannot hold scrapes back (a thread pool of any size is
// held shut by as many idle connections as it has threads). Every
// connection must make progress: one that sends nothing for kIoTimeout,
// while a request or its response is under way or between requests, is
// closed, and a request's headers are capped in size.
#ifndef LITEFORMER_SERVER_METRICS_METRICS_HTTP_SERVER_H_
#define LITEFORMER_SERVER_METRICS_METRICS_HTTP_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/metrics/metrics_registry.h"

struct event_base;
struct evhttp;

namespace liteformer::metrics {

class MetricsHttpServer {
 public:
  // A connection idle for this long is closed: a scrape sends its request
  // in one go, so only a stalled or hostile client waits this long.
  static constexpr absl::Duration kIoTimeout = absl::Seconds(1);
  // Request headers larger than this are refused (a scrape's are ~200 bytes).
  static constexpr int kMaxHeaderBytes = 8192;

  // Binds `host_port` ("127.0.0.1:9090", "[::1]:9090", or ":9090" for
  // every IPv4 interface; port 0 picks a free port, see port()) and serves
  // on a background thread until destroyed:
  //   GET|HEAD /metrics  the registry, text/plain; version=0.0.4
  //   any other path     404 (the port serves nothing else); other methods 405
  // A malformed address is InvalidArgument; one that cannot be bound (in
  // use, not local, unresolvable) is Unavailable; both messages name it.
  // `registry` must outlive the server.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(const std::string& host_port,
                                                                  const Registry& registry);

  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;
  // Stops the event loop (a scrape in progress is cut off), closes the
  // port and every connection, and joins the thread.
  ~MetricsHttpServer();

  // The bound port (the chosen one when Start was given port 0).
  int port() const { return port_; }

 private:
  MetricsHttpServer(event_base* base, evhttp* http, int port);

  event_base* base_;
  evhttp* http_;
  int port_;
  std::thread thread_;  // Runs the event loop.
};

}  // namespace liteformer::metrics

#endif  // LITEFORMER_SERVER_METRICS_METRICS_HTTP_SERVER_H_
