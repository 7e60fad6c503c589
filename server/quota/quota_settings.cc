#include "server/quota/quota_settings.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace liteformer {
namespace {

// Far above what one CPU server decodes; keeps the bucket's arithmetic exact.
constexpr double kMaxSentencesPerSecond = 1e6;
constexpr std::size_t kMaxClientName = 256;

// QuotaLimits as written, unset fields still unset.
struct Written {
  std::optional<std::uint32_t> max_in_flight;
  std::optional<double> rate;
  std::optional<std::uint32_t> burst;
};

absl::StatusOr<Written> Read(const v1::QuotaLimits& limits, const std::string& where) {
  Written written;
  if (limits.has_max_in_flight_sentences()) {
    written.max_in_flight = limits.max_in_flight_sentences();
    if (*written.max_in_flight > 1000000) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ".max_in_flight_sentences = ", *written.max_in_flight, " exceeds 1000000"));
    }
  }
  if (limits.has_sentences_per_second()) {
    written.rate = limits.sentences_per_second();
    if (!std::isfinite(*written.rate) || *written.rate < 0 ||
        *written.rate > kMaxSentencesPerSecond) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".sentences_per_second = ", *written.rate, " is not in [0, ",
                       kMaxSentencesPerSecond, "]"));
    }
  }
  if (limits.has_burst_sentences()) {
    written.burst = limits.burst_sentences();
    if (*written.burst == 0 || *written.burst > 1000000) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".burst_sentences = ", *written.burst, " is not in [1, 1000000]"));
    }
  }
  return written;
}

QuotaLimits Resolve(const Written& base, const Written& over) {
  QuotaLimits limits;
  limits.max_in_flight_sentences =
      static_cast<int>(over.max_in_flight.value_or(base.max_in_flight.value_or(0)));
  limits.sentences_per_second = over.rate.value_or(base.rate.value_or(0.0));
  const std::optional<std::uint32_t> burst = over.burst.has_value() ? over.burst : base.burst;
  limits.burst_sentences =
      burst.has_value() ? *burst : std::max(1.0, std::ceil(limits.sentences_per_second));
  return limits;
}

}  // namespace

bool QuotaSettings::enabled() const {
  if (per_client.limited()) return true;
  return std::any_of(overrides.begin(), overrides.end(),
                     [](const auto& entry) { return entry.second.limited(); });
}

const QuotaLimits& QuotaSettings::For(const std::string& client) const {
  auto it = overrides.find(client);
  return it == overrides.end() ? per_client : it->second;
}

absl::StatusOr<QuotaSettings> ResolveQuotas(const v1::QuotasConfig& config,
                                            const std::string& source_name) {
  const std::string prefix = absl::StrCat(source_name, ": quotas");
  absl::StatusOr<Written> defaults = Read(config.per_client(), prefix + ".per_client");
  if (!defaults.ok()) return defaults.status();
  QuotaSettings settings;
  settings.per_client = Resolve(*defaults, Written{});
  for (int i = 0; i < config.overrides_size(); ++i) {
    const v1::ClientQuotaOverride& entry = config.overrides(i);
    const std::string where = absl::StrCat(prefix, ".overrides[", i, "]");
    if (entry.client().empty() || entry.client().size() > kMaxClientName) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".client must have 1 to ", kMaxClientName, " characters"));
    }
    absl::StatusOr<Written> written = Read(entry.limits(), where + ".limits");
    if (!written.ok()) return written.status();
    if (!settings.overrides.emplace(entry.client(), Resolve(*defaults, *written)).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": client '", absl::CHexEscape(entry.client()), "' has an earlier override"));
    }
  }
  return settings;
}

}  // namespace liteformer
