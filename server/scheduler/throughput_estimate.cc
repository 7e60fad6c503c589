#include "server/scheduler/throughput_estimate.h"

namespace liteformer {
namespace {

// Each new window weighs this much against the past: the estimate follows a
// change of mix within a few windows (about a second) without jumping on
// one window's lumps.
constexpr double kRateWeight = 0.3;
constexpr double kBatchWeight = 0.05;  // Per step: steps are many.

}  // namespace

void ThroughputEstimate::Record(absl::Duration busy, double finished_work, int batch_size) {
  if (batch_size > 0) batch_size_ += kBatchWeight * (batch_size - batch_size_);
  window_busy_ += busy;
  window_work_ += finished_work;
  // A window closes only on finished work: a long job's steps alone say
  // nothing of the rate until it ends.
  if (window_busy_ < kWindow || window_work_ <= 0) return;
  const double sample = window_work_ / absl::ToDoubleSeconds(window_busy_);
  rate_ = rate_ > 0 ? rate_ + kRateWeight * (sample - rate_) : sample;
  window_busy_ = absl::ZeroDuration();
  window_work_ = 0;
}

}  // namespace liteformer
