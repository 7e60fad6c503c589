// ServerMetrics: the server's Prometheus metric families, named in one place
// (README "Metrics" lists them), in a prometheus-cpp registry that the
// metrics endpoint (metrics/metrics_exposer.h) serves.
#ifndef LITEFORMER_SERVER_SERVER_METRICS_H_
#define LITEFORMER_SERVER_SERVER_METRICS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "prometheus/registry.h"
#include "server/cache/response_cache.h"
#include "server/scheduler/scheduler.h"

namespace liteformer {

class ServerMetrics {
 public:
  ServerMetrics();

  // Shared with the endpoint, which may outlive a scrape in progress.
  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

  // The scheduler's metrics, labelled with the model's name.
  SchedulerMetrics ForModel(const std::string& model);

  // The response cache's gauges (the cache is shared by every model).
  ResponseCacheMetrics ForCache();
  // A sentence looked up in the response cache: found or not.
  void RecordCacheLookup(const std::string& model, bool hit);

  // A request refused by `client`'s quota `limit` (client_quotas.h).
  void RecordQuotaRefusal(const std::string& client, const char* limit);

  // A model version loaded after the start, or refused.
  void RecordModelLoad(const std::string& model, bool ok);
  // Versions replaced but still finishing work (ModelRegistry::retired).
  void SetRetiredVersions(int count);

  // One finished RPC: its count by client and status code, and its latency.
  void RecordRequest(const std::string& model, const std::string& method, const std::string& client,
                     absl::StatusCode code, double seconds);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SERVER_METRICS_H_
