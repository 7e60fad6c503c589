// Prometheus metrics: counters, gauges and histograms held by a Registry that
// renders them in the text exposition format 0.0.4.
//
// Updates (Increment, Set, Add, Observe) are lock-free atomics, so request and
// batch threads can record freely. The registry's mutex is taken only to look
// up or create a child (a name plus a label set) and to render; callers on a
// hot path should look a child up once and keep the reference, which stays
// valid for the registry's lifetime.
//
// Misuse that can only come from a bug in the caller (an invalid metric or
// label name, one name registered with two types, helps or bucket layouts,
// unsorted histogram bounds) writes a message to stderr and aborts: such a
// mistake would otherwise produce an exposition Prometheus rejects, and it
// shows up the first time the code path runs, in tests.
#ifndef LITEFORMER_SERVER_METRICS_METRICS_REGISTRY_H_
#define LITEFORMER_SERVER_METRICS_METRICS_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace liteformer::metrics {

// Label (name, value) pairs. The registry orders a set by label name, so
// {{"a", "1"}, {"b", "2"}} and {{"b", "2"}, {"a", "1"}} name the same child.
using Labels = std::vector<std::pair<std::string, std::string>>;

// A monotonically increasing total (requests served, tokens generated).
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // `by` must be >= 0 (a counter never goes down); a negative or NaN value is
  // a programming error, asserted in debug builds and ignored otherwise.
  void Increment(double by = 1.0);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// A value that goes up and down (queue depth, loaded models).
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Counts observations into buckets with fixed inclusive upper bounds plus an
// implicit +Inf bucket, and keeps their sum.
class Histogram {
 public:
  // `bounds` must be finite and strictly increasing; a trailing +Inf is
  // dropped (it is always implied). Anything else aborts (programming error).
  explicit Histogram(std::vector<double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // A value equal to a bound counts in that bound's bucket (le = "less than
  // or equal"); NaN counts only in +Inf.
  void Observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // bounds().size() + 1 cumulative counts, the last one for +Inf. Read while
  // other threads observe, it is a consistent-enough snapshot: each count is
  // exact at some instant and the list is non-decreasing.
  std::vector<std::uint64_t> CumulativeCounts() const;
  std::uint64_t count() const { return CumulativeCounts().back(); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  // Per-bucket (not cumulative) counts, so Observe touches one bucket.
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<double> sum_{0.0};
};

// `count` bounds start, start·factor, start·factor², ... (start > 0,
// factor > 1, count >= 1; anything else aborts as a programming error).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

// Owns every metric; renders them for the /metrics endpoint.
class Registry {
 public:
  Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;
  ~Registry();

  // Returns the child of family `name` with `labels`, creating the family
  // and the child on first use. The same name and label set always return
  // the same object. A family's type and help (and, for histograms, bounds)
  // are fixed by its first registration; a later call that differs aborts.
  Counter& GetCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& GetGauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& GetHistogram(std::string_view name, std::string_view help, std::vector<double> bounds,
                          const Labels& labels = {});

  // The text exposition format 0.0.4: families sorted by name, children
  // sorted by their (name-ordered) label sets.
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Child;
  struct Family;

  // Finds or creates the family `name` and its child for `labels`, checking
  // the family's type, help and (for histograms) `bounds` against this call.
  // The child is never moved or destroyed before the registry.
  const Child& GetChild(Type type, std::string_view name, std::string_view help,
                        const std::vector<double>& bounds, const Labels& labels);

  mutable absl::Mutex mutex_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace liteformer::metrics

#endif  // LITEFORMER_SERVER_METRICS_METRICS_REGISTRY_H_
