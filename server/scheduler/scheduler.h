// Scheduler: one model's queues and the workers that decode them.
//
// Ownership: Submit takes the jobs; each job's `done` is called exactly once,
// by a worker, with its result or the reason it has none.
//
// Queues: one per priority class (priority.h), each in fair order by
// client, then request (fair_queue.h). A worker forms a batch from the
// highest class that has work — the first job in fair order, then the jobs
// closest to it in length among the next few, while (sentences + 1) ×
// longest length ≤ max_batch_tokens and sentences ≤ the class's
// max_batch_size — and decodes it step by step. With step-level batching it
// tops the running batch up from its class between steps, so a short
// sentence never waits for a long batch to end. A queued sentence joins a
// running batch only after join_delay.
//
// Preemption: between two steps a worker may set its running batch aside,
// caches kept, and start another (up to max_held_batches): at once for work
// of a higher class, and, when the batch is full, for a client of the same
// class that the batch leaves out and that has had less service than the
// batch's clients. The newest batch runs until it ends; it takes no client
// of the batch below it, nor any client once it has caught up with them, so
// the batch set aside always resumes. Bulk work thus only runs on what the
// other classes leave, and one large request cannot hold a model for every
// other client.
//
// While a worker is idle, running batches leave the queues to it, and a
// worker starting a batch while others are idle takes only its share: the
// sentences of one request are decoded side by side, not as one batch on
// one core. Expired and cancelled jobs are dropped before they join a batch
// and between steps, in held batches too.
#ifndef LITEFORMER_SERVER_SCHEDULER_SCHEDULER_H_
#define LITEFORMER_SERVER_SCHEDULER_SCHEDULER_H_

#include <array>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "engine/models/model.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "server/scheduler/fair_queue.h"
#include "server/scheduler/job.h"
#include "server/scheduler/scheduler_options.h"
#include "server/scheduler/throughput_estimate.h"

namespace liteformer {

// Where the scheduler reports; any pointer may be null.
struct SchedulerMetrics {
  prometheus::Histogram* queue_seconds = nullptr;
  prometheus::Histogram* batch_size = nullptr;    // Sentences per step.
  prometheus::Histogram* batch_tokens = nullptr;  // Padded tokens of a formed batch.
  prometheus::Counter* real_tokens = nullptr;     // Source tokens admitted.
  prometheus::Counter* padded_tokens = nullptr;   // What padding to the longest would cost.
  prometheus::Gauge* padding_ratio = nullptr;
  prometheus::Gauge* queue_depth = nullptr;
  // Per class (PriorityIndex): sentences waiting, and batches started by
  // setting a running batch aside.
  std::array<prometheus::Gauge*, kPriorityClasses> class_queue_depth{};
  std::array<prometheus::Counter*, kPriorityClasses> preemptions{};
  prometheus::Gauge* expected_wait = nullptr;  // Seconds of queued work at the measured rate.
  // Requests refused at the door, by reason.
  prometheus::Counter* refused_queue_full = nullptr;
  prometheus::Counter* refused_queue_wait = nullptr;
  prometheus::Counter* refused_deadline = nullptr;
  prometheus::Counter* tokens_generated = nullptr;
  prometheus::Counter* macs = nullptr;
  prometheus::Counter* steps = nullptr;
};

class Scheduler {
 public:
  // `name`: the model's name in messages (empty: its config.json name).
  Scheduler(std::shared_ptr<const Model> model, const SchedulerOptions& options,
            SchedulerMetrics metrics = {}, std::string name = "");
  ~Scheduler();  // Drains with no grace.
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // One request's jobs (one priority, one client), all or nothing:
  // UNAVAILABLE when the scheduler is draining, when their class's queue has
  // no room for every job (with nothing queued of its class or above, any
  // number is taken), or when the work queued ahead — of their class and
  // the classes above it — would, at the measured throughput, take longer
  // than max_queue_wait or than the jobs' deadline leaves once their own
  // decoding is counted; the jobs' `done` is then not called and they stay
  // in `jobs`.
  absl::Status Submit(std::vector<std::unique_ptr<Job>>& jobs);

  // Stops taking jobs, lets queued and running work finish for up to
  // `grace`, then fails what is left with UNAVAILABLE. Blocks until every
  // worker has stopped. Idempotent.
  void Drain(absl::Duration grace);

  int queue_depth() const;  // Every class.
  // The expected wait of work of class `priority` (the work queued of that
  // class and above) at the measured throughput; zero until a rate is
  // known. kBulk: everything queued.
  absl::Duration expected_wait(Priority priority = Priority::kBulk) const;
  // Workers with no batch, waiting for jobs.
  int idle_workers() const;
  const SchedulerOptions& options() const { return options_; }

 private:
  struct HeldBatch;
  // What a worker does between two steps, chosen under mu_.
  struct Plan;

  void WorkerLoop();
  // Under mu_: the jobs to add to the running batch (held.back()), or to a
  // new batch the plan says to start.
  Plan PlanLocked(const std::vector<HeldBatch>& held, int share, absl::Time now);
  // Takes the jobs of class `priority` to add to `joining` (nullptr: a new
  // batch), at most `limit` of them (besides the class's max_batch_size,
  // max_batch_tokens and max_batch_rows): the first in fair order enqueued
  // by `enqueued_by` that `filter` allows, then those closest to it in
  // length among the next few. Caller holds mu_.
  std::vector<std::unique_ptr<Job>> SelectLocked(Priority priority, const HeldBatch* joining,
                                                 int limit, absl::Time enqueued_by,
                                                 const FairQueue::ClientFilter& filter,
                                                 absl::Time now);
  // Moves expired and cancelled jobs out of the queues. Caller holds mu_.
  std::vector<std::unique_ptr<Job>> TakeDroppedLocked(absl::Time now);
  std::size_t QueuedLocked() const;  // Sentences waiting, every class.
  // Updates the queues' work and the gauges after a queue changed.
  void UpdateQueueDepthLocked();
  absl::Duration ExpectedWaitLocked(Priority priority) const;
  // Why `jobs` may not join the queue at `now`, or OK. Caller holds mu_.
  absl::Status AdmitLocked(const std::vector<std::unique_ptr<Job>>& jobs, Priority priority,
                           absl::Time now);

  const std::shared_ptr<const Model> model_;
  const SchedulerOptions options_;
  const SchedulerMetrics metrics_;
  const std::string name_;

  mutable std::mutex mu_;
  std::condition_variable work_ready_;
  std::condition_variable worker_stopped_;
  std::array<FairQueue, kPriorityClasses> queues_;  // By PriorityIndex.
  ThroughputEstimate throughput_;
  // Since when the queue has held work without a take that emptied it
  // (InfinitePast: empty). Takes in between measure the drain rate.
  absl::Time backlogged_since_ = absl::InfinitePast();
  std::uint64_t next_id_ = 0;
  std::uint64_t next_request_ = 1;
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
