// The server's configuration: a text-format ServerConfig (config.proto),
// validated, with every default filled in.
#ifndef LITEFORMER_SERVER_CONFIG_SERVER_CONFIG_H_
#define LITEFORMER_SERVER_CONFIG_SERVER_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/ops/compute_type.h"
#include "liteformer/v1/config.pb.h"
#include "server/quota/quota_settings.h"
#include "server/scheduler/scheduler_options.h"

namespace liteformer {

struct ServedModelConfig {
  std::string name;
  std::string path;
  bool is_default = false;
  SchedulerOptions scheduler;
  // ModelEntry.context_window; unset: half the positions (checked at load,
  // where the positions are known).
  std::optional<long> context_window;
  ComputeType compute_type = ComputeType::kFloat32;

  bool operator==(const ServedModelConfig&) const = default;
};

struct RequestLimits {
  int max_texts_per_request = 64;
  int max_chars_per_text = 10000;
  int max_tokens_per_sentence = 0;  // 0: the model's positions decide.
  int max_beam_size = 16;
  int max_length = 0;  // 0: the model's positions decide.
  int max_sentences_per_request = 256;
};

// ConnectionsConfig with its defaults filled in.
struct ConnectionSettings {
  absl::Duration max_idle = absl::Seconds(300);
  absl::Duration max_age = absl::Seconds(1800);
  absl::Duration max_age_grace = absl::Seconds(30);
  absl::Duration keepalive_time = absl::Seconds(60);
  absl::Duration keepalive_timeout = absl::Seconds(20);
};

struct ResolvedServerConfig {
  std::string listen = "0.0.0.0:50051";
  std::string metrics_listen = "0.0.0.0:9090";  // "none": no metrics endpoint.
  std::vector<ServedModelConfig> models;
  RequestLimits limits;
  absl::Duration drain_grace = absl::Seconds(30);
  ConnectionSettings connections;
  std::size_t cache_bytes = std::size_t{64} << 20;  // 0: no response cache.
  QuotaSettings quotas;                             // Per client (ServerConfig.quotas).
  // ServerConfig.batching alone: for a model LoadModel names by path.
  SchedulerOptions default_scheduler;
};

// The name a model directory is served under when none is given: its own.
std::string ModelNameForPath(const std::string& path);

// Parses `path` (empty: no file, all defaults). Errors name the file and
// what is wrong with it.
absl::StatusOr<v1::ServerConfig> ReadServerConfig(const std::string& path);

// Fills in defaults and finds the models: the config's list, or every
// directory with a config.json under models_dir. `cores` divides threads.
absl::StatusOr<ResolvedServerConfig> ResolveServerConfig(const v1::ServerConfig& config,
                                                         const std::string& source_name, int cores);

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_CONFIG_SERVER_CONFIG_H_
