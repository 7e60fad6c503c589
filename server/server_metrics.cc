#include "server/server_metrics.h"

#include <utility>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "server/grpc_status.h"

namespace liteformer {
namespace {

// The child of family `name` with `labels`, creating either on first use.
// prometheus-cpp returns the family already registered under a name, so the
// same name and labels always give the same object.
prometheus::Counter& CounterOf(prometheus::Registry& registry, const std::string& name,
                               const std::string& help, const prometheus::Labels& labels = {}) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add(labels);
}
prometheus::Gauge& GaugeOf(prometheus::Registry& registry, const std::string& name,
                           const std::string& help, const prometheus::Labels& labels = {}) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add(labels);
}
prometheus::Histogram& HistogramOf(prometheus::Registry& registry, const std::string& name,
                                   const std::string& help,
                                   prometheus::Histogram::BucketBoundaries bounds,
                                   const prometheus::Labels& labels = {}) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry).Add(
      labels, std::move(bounds));
}

// `count` bounds start, start·factor, start·factor², ...
prometheus::Histogram::BucketBoundaries ExponentialBuckets(double start, double factor, int count) {
  prometheus::Histogram::BucketBoundaries bounds;
  for (double bound = start; static_cast<int>(bounds.size()) < count; bound *= factor) {
    bounds.push_back(bound);
  }
  return bounds;
}

}  // namespace

ServerMetrics::ServerMetrics() : registry_(std::make_shared<prometheus::Registry>()) {}

SchedulerMetrics ServerMetrics::ForModel(const std::string& model) {
  const prometheus::Labels labels = {{"model", model}};
  SchedulerMetrics m;
  m.queue_seconds = &HistogramOf(*registry_, "liteformer_queue_seconds",
                                 "Time a sentence waited in the queue for a batch.",
                                 ExponentialBuckets(0.0005, 2, 16), labels);
  m.batch_size = &HistogramOf(*registry_, "liteformer_batch_size",
                              "Sentences in the running batch, observed at every decoder step.",
                              {1, 2, 4, 8, 16, 32, 64, 128}, labels);
  m.batch_tokens = &HistogramOf(
      *registry_, "liteformer_batch_padded_tokens",
      "Padded tokens ((sentences + 1) x longest source) of a batch when sentences join it.",
      ExponentialBuckets(16, 2, 12), labels);
  m.real_tokens = &CounterOf(*registry_, "liteformer_batch_real_tokens_total",
                             "Source tokens of the sentences that joined a batch.", labels);
  m.padded_tokens = &CounterOf(
      *registry_, "liteformer_batch_padded_tokens_total",
      "Source tokens those sentences would take padded to the longest of their batch.", labels);
  m.padding_ratio = &GaugeOf(
      *registry_, "liteformer_padding_ratio",
      "1 - real / padded source tokens since start (the engine itself packs without padding).",
      labels);
  m.queue_depth =
      &GaugeOf(*registry_, "liteformer_queue_depth", "Sentences waiting in the queue.", labels);
  for (Priority priority : kPriorities) {
    const prometheus::Labels by_class = {{"model", model},
                                         {"priority", std::string(PriorityName(priority))}};
    m.class_queue_depth[PriorityIndex(priority)] =
        &GaugeOf(*registry_, "liteformer_priority_queue_depth",
                 "Sentences waiting in the queue, by priority class.", by_class);
    m.preemptions[PriorityIndex(priority)] = &CounterOf(
        *registry_, "liteformer_preemptions_total",
        "Batches of a priority class a worker started by setting its running batch aside "
        "(higher-class work, or a client of the same class the running batch left out).",
        by_class);
  }
  m.expected_wait = &GaugeOf(
      *registry_, "liteformer_queue_expected_wait_seconds",
      "The queued work's expected wait at the measured throughput (what admission compares "
      "with max_queue_wait_ms and deadlines).",
      labels);
  const auto refused = [&](const char* reason) {
    return &CounterOf(
        *registry_, "liteformer_admission_refused_total",
        "Requests refused at the door (UNAVAILABLE) by reason: queue_full, queue_wait "
        "(over max_queue_wait_ms), deadline (cannot finish in time).",
        {{"model", model}, {"reason", reason}});
  };
  m.refused_queue_full = refused("queue_full");
  m.refused_queue_wait = refused("queue_wait");
  m.refused_deadline = refused("deadline");
  m.tokens_generated = &CounterOf(*registry_, "liteformer_tokens_generated_total",
                                  "Tokens produced (best hypotheses, </s> included).", labels);
  m.macs = &CounterOf(*registry_, "liteformer_macs_total",
                      "Multiply-adds executed (the paper's convention).", labels);
  m.steps = &CounterOf(*registry_, "liteformer_decoder_steps_total", "Decoder steps run.", labels);
  return m;
}

ResponseCacheMetrics ServerMetrics::ForCache() {
  ResponseCacheMetrics m;
  m.bytes = &GaugeOf(*registry_, "liteformer_cache_bytes",
                     "Bytes the response cache's entries are charged.");
  m.entries = &GaugeOf(*registry_, "liteformer_cache_entries", "Sentences in the response cache.");
  m.evictions = &CounterOf(*registry_, "liteformer_cache_evictions_total",
                           "Entries dropped to keep the cache within its budget.");
  return m;
}

void ServerMetrics::RecordCacheLookup(const std::string& model, bool hit) {
  CounterOf(*registry_, hit ? "liteformer_cache_hits_total" : "liteformer_cache_misses_total",
            hit ? "Sentences answered from the response cache."
                : "Cacheable sentences the response cache did not hold.",
            {{"model", model}})
      .Increment();
}

void ServerMetrics::RecordQuotaRefusal(const std::string& client, const char* limit) {
  CounterOf(*registry_, "liteformer_quota_refused_total",
            "Requests refused RESOURCE_EXHAUSTED by a client's quota, by client (the "
            "token's name; anonymous without auth) and limit.",
            {{"client", client}, {"limit", limit}})
      .Increment();
}

void ServerMetrics::RecordRequest(const std::string& model, const std::string& method,
                                  const std::string& client, absl::StatusCode code,
                                  double seconds) {
  CounterOf(
      *registry_, "liteformer_requests_total",
      "Finished RPCs by model, method, client and status code.",
      {{"model", model}, {"method", method}, {"client", client}, {"code", StatusCodeName(code)}})
      .Increment();
  HistogramOf(*registry_, "liteformer_request_seconds",
              "RPC latency, from arrival to the last byte.", ExponentialBuckets(0.001, 2, 16),
              {{"model", model}, {"method", method}})
      .Observe(seconds);
}

void ServerMetrics::RecordModelLoad(const std::string& model, bool ok) {
  CounterOf(*registry_, "liteformer_model_loads_total",
            "Loads of a model version after the start (SIGHUP, poll, LoadModel), by "
            "result: ok (it serves) or failed (the version before keeps serving).",
            {{"model", model}, {"result", ok ? "ok" : "failed"}})
      .Increment();
}

void ServerMetrics::SetRetiredVersions(int count) {
  GaugeOf(*registry_, "liteformer_model_retired_versions",
          "Replaced or unloaded model versions still finishing requests in flight.")
      .Set(count);
}

}  // namespace liteformer
