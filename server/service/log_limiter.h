// LogLimiter: how many lines a kind of event may write to the log. Failed
// calls are logged one line each, and under overload every refused call is a
// failed call: 337,053 lines (51 MB) in two minutes at 3x saturation. A token
// bucket lets bursts through and then passes one line in a while, which says
// how many like it were left out; requests_total counts every call anyway.
#ifndef LITEFORMER_SERVER_SERVICE_LOG_LIMITER_H_
#define LITEFORMER_SERVER_SERVICE_LOG_LIMITER_H_

#include <cstdint>
#include <mutex>

#include "absl/time/time.h"

namespace liteformer {

class LogLimiter {
 public:
  // Up to `burst` lines at once, refilled at `per_second`.
  LogLimiter(double per_second, double burst) : per_second_(per_second), burst_(burst) {}

  struct Decision {
    bool log = false;
    std::uint64_t suppressed_before = 0;  // Lines left out since the last one logged.
  };
  Decision Allow(absl::Time now);

 private:
  std::mutex mu_;
  const double per_second_;
  const double burst_;
  double tokens_ = -1;  // Starts full at the first call.
  absl::Time last_;
  std::uint64_t suppressed_ = 0;
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SERVICE_LOG_LIMITER_H_
