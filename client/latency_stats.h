// Latency samples of a load run and their order statistics.
#ifndef LITEFORMER_CLIENT_LATENCY_STATS_H_
#define LITEFORMER_CLIENT_LATENCY_STATS_H_

#include <cstddef>
#include <vector>

namespace liteformer::client {

// Keeps every sample: a run has at most a few million requests, and exact
// percentiles are what a batching comparison needs (a histogram's bucket
// edges would blur a 10% difference at p99).
class LatencyStats {
 public:
  void Add(double milliseconds);
  void Merge(const LatencyStats& other);

  size_t count() const { return samples_.size(); }
  // Nearest-rank percentile: the smallest sample with at least p% of the
  // samples at or below it. p in [0, 100]; 0 samples give 0.
  double Percentile(double p) const;
  double Max() const;
  double Mean() const;

 private:
  void Sort() const;

  mutable std::vector<double> samples_;
  mutable bool sorted_ = true;
};

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_LATENCY_STATS_H_
