// Scheduler: one model's bounded queue and the workers that decode it.
//
// Ownership: Submit takes the jobs; each job's `done` is called exactly once,
// by a worker, with its result or the reason it has none. A worker forms a
// batch from the queue — the oldest job first, then the jobs closest to it in
// length, while (sentences + 1) × longest length ≤ max_batch_tokens and
// sentences ≤ max_batch_size — and decodes it step by step. With step-level
// batching it tops the running batch up from the queue between steps, so a
// short sentence never waits for a long batch to end. While a worker is
// idle, running batches leave the queue to it, and a worker starting a batch
// while others are idle takes only its share: the sentences of one request
// are decoded side by side, not as one batch on one core. A queued sentence
// joins a running batch only after join_delay. Expired and cancelled
// jobs are dropped before they join a batch and between steps.
#ifndef LITEFORMER_SERVER_SCHEDULER_SCHEDULER_H_
#define LITEFORMER_SERVER_SCHEDULER_SCHEDULER_H_

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "engine/models/model.h"
#include "server/metrics/metrics_registry.h"
#include "server/scheduler/job.h"
#include "server/scheduler/scheduler_options.h"
#include "server/scheduler/throughput_estimate.h"

namespace liteformer {

// Where the scheduler reports; any pointer may be null.
struct SchedulerMetrics {
  metrics::Histogram* queue_seconds = nullptr;
  metrics::Histogram* batch_size = nullptr;    // Sentences per step.
  metrics::Histogram* batch_tokens = nullptr;  // Padded tokens of a formed batch.
  metrics::Counter* real_tokens = nullptr;     // Source tokens admitted.
  metrics::Counter* padded_tokens = nullptr;   // What padding to the longest would cost.
  metrics::Gauge* padding_ratio = nullptr;
  metrics::Gauge* queue_depth = nullptr;
  metrics::Gauge* expected_wait = nullptr;  // Seconds of queued work at the measured rate.
  // Requests refused at the door, by reason.
  metrics::Counter* refused_queue_full = nullptr;
  metrics::Counter* refused_queue_wait = nullptr;
  metrics::Counter* refused_deadline = nullptr;
  metrics::Counter* tokens_generated = nullptr;
  metrics::Counter* macs = nullptr;
  metrics::Counter* steps = nullptr;
};

class Scheduler {
 public:
  // `name`: the model's name in messages (empty: its config.json name).
  Scheduler(std::shared_ptr<const Model> model, const SchedulerOptions& options,
            SchedulerMetrics metrics = {}, std::string name = "");
  ~Scheduler();  // Drains with no grace.
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // All or nothing: UNAVAILABLE when the scheduler is draining, when the
  // queue has no room for every job (an empty queue takes any number), or
  // when the work queued ahead would, at the measured throughput, take
  // longer than max_queue_wait or than the jobs' deadline leaves once their
  // own decoding is counted; the jobs' `done` is then not called and they
  // stay in `jobs`.
  absl::Status Submit(std::vector<std::unique_ptr<Job>>& jobs);

  // Stops taking jobs, lets queued and running work finish for up to
  // `grace`, then fails what is left with UNAVAILABLE. Blocks until every
  // worker has stopped. Idempotent.
  void Drain(absl::Duration grace);

  int queue_depth() const;
  // The queued work's expected wait at the measured throughput (zero until
  // a rate is known).
  absl::Duration expected_wait() const;
  // Workers with no batch, waiting for jobs.
  int idle_workers() const;
  const SchedulerOptions& options() const { return options_; }

 private:
  void WorkerLoop();
  // Takes the jobs to add to a batch already holding `running` sentences
  // whose longest length is `running_max_length`, at most `limit` of them
  // (besides max_batch_size and max_batch_tokens), from the `eligible`
  // oldest of the queue. Caller holds mu_.
  std::vector<std::unique_ptr<Job>> SelectLocked(int running, int running_max_length, int limit,
                                                 std::size_t eligible, absl::Time now);
  // How many of the oldest queued jobs may join a running batch at `now`
  // (those queued for at least join_delay). Caller holds mu_.
  std::size_t JoinableLocked(absl::Time now) const;
  // Moves expired and cancelled jobs out of the queue. Caller holds mu_.
  std::vector<std::unique_ptr<Job>> TakeDroppedLocked(absl::Time now);
  // Updates the queue's work and the gauges after the queue changed.
  void UpdateQueueDepthLocked();
  absl::Duration ExpectedWaitLocked() const;
  // Why `jobs` may not join the queue at `now`, or OK. Caller holds mu_.
  absl::Status AdmitLocked(const std::vector<std::unique_ptr<Job>>& jobs, absl::Time now);

  const std::shared_ptr<const Model> model_;
  const SchedulerOptions options_;
  const SchedulerMetrics metrics_;
  const std::string name_;

  mutable std::mutex mu_;
  std::condition_variable work_ready_;
  std::condition_variable worker_stopped_;
  std::deque<std::unique_ptr<Job>> queue_;  // Oldest first.
  double queued_work_ = 0;                  // Σ Job::work over queue_.
  ThroughputEstimate throughput_;
  // Since when the queue has held work without a take that emptied it
  // (InfinitePast: empty). Takes in between measure the drain rate.
  absl::Time backlogged_since_ = absl::InfinitePast();
  std::uint64_t next_id_ = 0;
  bool draining_ = false;  // No new jobs; workers stop once idle.
  bool aborting_ = false;  // Grace is over: fail whatever is left.
  int live_workers_ = 0;
  int idle_workers_ = 0;  // Workers with no batch, waiting for jobs.
  std::vector<std::thread> workers_;
};

// A job's cost estimate for admission, in row-steps: its beam rows × the
// decoder steps it is expected to take, plus its source tokens (the
// encoder, or a prompt or scored text read in one pass).
double JobWork(const Job& job);

// Why a job has no result: DEADLINE_EXCEEDED or CANCELLED, or OK if neither.
absl::Status JobStopReason(const Job& job, absl::Time now);

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SCHEDULER_SCHEDULER_H_
