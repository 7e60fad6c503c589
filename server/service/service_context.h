// ServiceContext: what every RPC handler shares — the models, the metrics,
// the request limits, and whether the server is draining.
#ifndef LITEFORMER_SERVER_SERVICE_SERVICE_CONTEXT_H_
#define LITEFORMER_SERVER_SERVICE_SERVICE_CONTEXT_H_

#include <atomic>

#include "server/config/server_config.h"
#include "server/model_registry.h"
#include "server/server_metrics.h"

namespace liteformer {

struct ServiceContext {
  ModelRegistry& registry;
  ServerMetrics& metrics;
  RequestLimits limits;
  std::atomic<bool> draining{false};
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SERVICE_SERVICE_CONTEXT_H_
