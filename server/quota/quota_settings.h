// QuotaSettings: ServerConfig.quotas resolved — every client's limits, with
// the per-client overrides merged field by field over the defaults and
// checked. What the limits mean is in config.proto (QuotaLimits).
#ifndef LITEFORMER_SERVER_QUOTA_QUOTA_SETTINGS_H_
#define LITEFORMER_SERVER_QUOTA_QUOTA_SETTINGS_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "liteformer/v1/config.pb.h"

namespace liteformer {

struct QuotaLimits {
  int max_in_flight_sentences = 0;  // 0: no limit.
  double sentences_per_second = 0;  // 0: no limit.
  double burst_sentences = 1;       // The token bucket's size (rate-limited only).

  bool limited() const { return max_in_flight_sentences > 0 || sentences_per_second > 0; }
};

struct QuotaSettings {
  QuotaLimits per_client;
  absl::flat_hash_map<std::string, QuotaLimits> overrides;  // By client.

  // Whether any client has a limit (else quotas cost nothing per call).
  bool enabled() const;
  const QuotaLimits& For(const std::string& client) const;
};

// Errors name `source_name` and the offending field or override.
absl::StatusOr<QuotaSettings> ResolveQuotas(const v1::QuotasConfig& config,
                                            const std::string& source_name);

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_QUOTA_QUOTA_SETTINGS_H_
