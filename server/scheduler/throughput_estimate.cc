#include "server/scheduler/throughput_estimate.h"

namespace liteformer {
namespace {

// Each new window weighs this much against the past: the estimate follows a
// change of mix within a few windows (about a second) without jumping on
// one window's lumps.
constexpr double kRateWeight = 0.3;
constexpr double kBatchWeight = 0.05;  // Per step: steps are many.

}  // namespace

void ThroughputEstimate::RecordDrain(absl::Duration elapsed, double work) {
  window_time_ += elapsed;
  window_work_ += work;
  if (window_time_ < kWindow || window_work_ <= 0) return;
  const double sample = window_work_ / absl::ToDoubleSeconds(window_time_);
  rate_ = rate_ > 0 ? rate_ + kRateWeight * (sample - rate_) : sample;
  window_time_ = absl::ZeroDuration();
  window_work_ = 0;
}

void ThroughputEstimate::RecordBatch(int sentences) {
  if (sentences > 0) batch_size_ += kBatchWeight * (sentences - batch_size_);
}

}  // namespace liteformer
