#include "server/service/log_limiter.h"

#include <algorithm>

namespace liteformer {

LogLimiter::Decision LogLimiter::Allow(absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (tokens_ < 0) {
    tokens_ = burst_;
  } else {
    tokens_ = std::min(burst_, tokens_ + absl::ToDoubleSeconds(now - last_) * per_second_);
  }
  last_ = now;
  if (tokens_ < 1) {
    ++suppressed_;
    return {};
  }
  tokens_ -= 1;
  Decision decision{true, suppressed_};
  suppressed_ = 0;
  return decision;
}

}  // namespace liteformer
