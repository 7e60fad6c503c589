// ServiceContext: what every RPC handler shares — the models, the metrics,
// the request limits, who may call (tokens) and how much (quotas), whether
// the server is draining, and its live calls.
#ifndef LITEFORMER_SERVER_SERVICE_SERVICE_CONTEXT_H_
#define LITEFORMER_SERVER_SERVICE_SERVICE_CONTEXT_H_

#include <atomic>

#include "server/cache/response_cache.h"
#include "server/config/server_config.h"
#include "server/model_registry.h"
#include "server/quota/client_quotas.h"
#include "server/security/authenticator.h"
#include "server/server_metrics.h"
#include "server/service/call_tracker.h"

namespace liteformer {

class ModelControl;

struct ServiceContext {
  ModelRegistry& registry;
  ServerMetrics& metrics;
  RequestLimits limits;
  const security::Authenticator& authenticator;
  std::atomic<bool> draining{false};
  CallTracker calls;
  ResponseCache* cache = nullptr;  // Null: no response cache.
  ClientQuotas* quotas = nullptr;  // Null: no quotas.
  ModelControl* control = nullptr;  // LoadModel, UnloadModel.
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SERVICE_SERVICE_CONTEXT_H_
