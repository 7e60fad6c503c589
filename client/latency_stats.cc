#include "client/latency_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace liteformer::client {

void LatencyStats::Add(double milliseconds) {
  if (!samples_.empty() && milliseconds < samples_.back()) sorted_ = false;
  samples_.push_back(milliseconds);
}

void LatencyStats::Merge(const LatencyStats& other) {
  for (double sample : other.samples_) Add(sample);
}

void LatencyStats::Sort() const {
  if (sorted_) return;
  std::sort(samples_.begin(), samples_.end());
  sorted_ = true;
}

double LatencyStats::Percentile(double p) const {
  if (samples_.empty()) return 0;
  Sort();
  const double n = static_cast<double>(samples_.size());
  // The epsilon keeps p = 99, n = 100 at rank 99 despite 0.99 not being exact.
  const double rank = std::ceil(std::clamp(p, 0.0, 100.0) * n / 100.0 - 1e-9);
  const size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return samples_[std::min(index, samples_.size() - 1)];
}

double LatencyStats::Max() const {
  return samples_.empty() ? 0 : *std::max_element(samples_.begin(), samples_.end());
}

double LatencyStats::Mean() const {
  if (samples_.empty()) return 0;
  return std::accumulate(samples_.begin(), samples_.end(), 0.0) / samples_.size();
}

}  // namespace liteformer::client
