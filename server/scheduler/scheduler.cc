#include "server/scheduler/scheduler.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/search/sentence_jobs.h"
#include "engine/tensor/compute_context.h"
#include "server/scheduler/retry_hint.h"
#include "spdlog/spdlog.h"

namespace liteformer {
namespace {

template <typename Metric, typename Value>
void Observe(Metric* metric, Value value) {
  if (metric != nullptr) metric->Observe(static_cast<double>(value));
}
void Add(prometheus::Counter* counter, double value) {
  if (counter != nullptr) counter->Increment(value);
}

void Complete(std::unique_ptr<Job> job, absl::StatusOr<FinishedSentence> result, absl::Time now) {
  JobTimes times;
  const bool started = job->started != absl::Time();
  times.queued = (started ? job->started : now) - job->enqueued;
  times.compute = started ? now - job->started : absl::ZeroDuration();
  // A callback that throws (e.g. out of memory while answering) must not
  // take the worker down with it.
  try {
    job->done(std::move(result), times);
  } catch (const std::exception& e) {
    spdlog::error("answering a sentence failed: {}", e.what());
  }
}

}  // namespace

absl::Status JobStopReason(const Job& job, absl::Time now) {
  // gRPC cancels a call when its deadline passes, and the client's own
  // deadline timer can cancel it a moment before the server's: a cancel
  // within kDeadlineSlack of the deadline is the deadline's doing, and is
  // counted as DEADLINE_EXCEEDED, not CANCELLED.
  constexpr absl::Duration kDeadlineSlack = absl::Milliseconds(20);
  const bool cancelled = job.cancelled && job.cancelled();
  if (now >= job.deadline || (cancelled && now + kDeadlineSlack >= job.deadline)) {
    return absl::DeadlineExceededError(job.started == absl::Time()
                                           ? "deadline exceeded before the sentence reached a batch"
                                           : "deadline exceeded while decoding");
  }
  if (cancelled) return absl::CancelledError("the call was cancelled");
  return absl::OkStatus();
}

double JobWork(const Job& job) {
  const int rows = job.sentence.search != nullptr ? job.sentence.search->rows() : 1;
  const int steps = job.expected_steps > 0 ? job.expected_steps : job.length;
  return static_cast<double>(rows) * std::max(steps, 1) + job.length;
}

Scheduler::Scheduler(std::shared_ptr<const Model> model, const SchedulerOptions& options,
                     SchedulerMetrics metrics, std::string name)
    : model_(std::move(model)),
      options_(options),
      metrics_(metrics),
      name_(name.empty() ? model_->config().name : std::move(name)) {
  live_workers_ = options_.workers;
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

Scheduler::~Scheduler() { Drain(absl::ZeroDuration()); }

// A batch a worker holds: running, or set aside for one started after it.
struct Scheduler::HeldBatch {
  Priority priority = Priority::kNormal;
  std::unique_ptr<DecodingBatch> batch;
  absl::flat_hash_map<std::uint64_t, std::unique_ptr<Job>> running;
  int max_length = 0;  // Longest source running: the token budget's.

  int rows() const {
    int rows = 0;
    for (const auto& [id, job] : running) rows += job->rows;
    return rows;
  }

  // Who it serves, and how much service they had had: a batch started on
  // top of it takes only clients it leaves out, and only until they catch up.
  FairQueue::ClientFilter LeftOut() const {
    absl::flat_hash_set<std::string> clients;
    double service = 0;
    for (const auto& [id, job] : running) {
      clients.insert(job->client);
      service = std::max(service, job->client_service);
    }
    return [clients = std::move(clients), service](const std::string& client, double had) {
      return had < service && !clients.contains(client);
    };
  }
};

struct Scheduler::Plan {
  std::vector<std::unique_ptr<Job>> admitted;
  // Start a batch of this class for `admitted`, over the running one.
  std::optional<Priority> start;
};

absl::Status Scheduler::Submit(std::vector<std::unique_ptr<Job>>& jobs) {
  const absl::Time now = absl::Now();
  if (jobs.empty()) return absl::OkStatus();
  const Priority priority = jobs.front()->priority;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (draining_) return absl::UnavailableError("the server is shutting down");
    if (absl::Status admitted = AdmitLocked(jobs, priority, now); !admitted.ok()) return admitted;
    if (QueuedLocked() == 0) backlogged_since_ = now;
    const std::uint64_t request = next_request_++;
    for (std::unique_ptr<Job>& job : jobs) {
      job->enqueued = now;
      job->sentence.id = next_id_++;
      job->rows = job->sentence.search != nullptr ? job->sentence.search->rows() : 1;
      job->work = JobWork(*job);
      job->priority = priority;
      job->request = request;
      queues_[PriorityIndex(priority)].Push(std::move(job));
    }
    UpdateQueueDepthLocked();
  }
  jobs.clear();
  work_ready_.notify_all();
  return absl::OkStatus();
}

// The least a refused client is told to wait: a retry sooner than a few
// steps would meet the same queue.
constexpr absl::Duration kMinRetryAfter = absl::Milliseconds(50);

absl::Status Scheduler::AdmitLocked(const std::vector<std::unique_ptr<Job>>& jobs,
                                    Priority priority, absl::Time now) {
  // With nothing queued ahead a request is taken whatever its size: one
  // larger than the whole queue would otherwise be refused for good, not
  // "retry later", and there is no wait to predict.
  bool ahead = false;
  for (int p = 0; p <= PriorityIndex(priority); ++p) ahead = ahead || !queues_[p].empty();
  if (!ahead) return absl::OkStatus();
  const FairQueue& queue = queues_[PriorityIndex(priority)];
  const int max_queue_size = options_.MaxQueueSize(priority);
  if (queue.size() + jobs.size() > static_cast<std::size_t>(max_queue_size)) {
    Add(metrics_.refused_queue_full, 1);
    absl::Status full = absl::UnavailableError(absl::StrCat(
        "the ", priority == Priority::kNormal ? "" : absl::StrCat(std::string(PriorityName(priority)), " "),
        "queue of model '", name_, "' is full (", queue.size(), " of ", max_queue_size,
        " sentences waiting); retry later"));
    SetRetryAfter(full, std::max(ExpectedWaitLocked(priority), kMinRetryAfter));
    return full;
  }
  if (!throughput_.known()) return absl::OkStatus();
  const absl::Duration wait = ExpectedWaitLocked(priority);
  if (wait > options_.max_queue_wait) {
    Add(metrics_.refused_queue_wait, 1);
    absl::Status overloaded = absl::UnavailableError(absl::StrCat(
        "model '", name_, "' is overloaded: its queue holds about ",
        absl::FormatDuration(absl::Milliseconds(absl::ToInt64Milliseconds(wait))),
        " of work, over max_queue_wait_ms = ", absl::ToInt64Milliseconds(options_.max_queue_wait),
        "; retry later"));
    // When the queue would have drained to the bound, at the measured rate:
    // a client retrying sooner would only be refused again.
    SetRetryAfter(overloaded, std::max(wait - options_.max_queue_wait, kMinRetryAfter));
    return overloaded;
  }
  // The request's own decoding: its largest sentence, sharing a batch of
  // the usual size, at one worker's rate.
  absl::Time deadline = absl::InfiniteFuture();
  double largest = 0;
  for (const std::unique_ptr<Job>& job : jobs) {
    deadline = std::min(deadline, job->deadline);
    largest = std::max(largest, JobWork(*job));
  }
  if (deadline == absl::InfiniteFuture()) return absl::OkStatus();
  const absl::Duration own =
      absl::Seconds(largest * throughput_.mean_batch_size() * std::max(options_.workers, 1) /
                    throughput_.work_per_second());
  if (now + wait + own > deadline) {
    Add(metrics_.refused_deadline, 1);
    const auto ms = [](absl::Duration d) {
      return absl::FormatDuration(absl::Milliseconds(absl::ToInt64Milliseconds(d)));
    };
    absl::Status late = absl::UnavailableError(
        absl::StrCat("model '", name_, "' cannot finish the request within its deadline: about ",
                     ms(wait), " of queued work and ", ms(own), " to decode it, with ",
                     ms(std::max(deadline - now, absl::ZeroDuration())),
                     " left; retry later or with a longer deadline"));
    // gRPC's retries keep the call's deadline: retrying it cannot help.
    SetRetryAfter(late, absl::Milliseconds(-1));
    return late;
  }
  return absl::OkStatus();
}

absl::Duration Scheduler::ExpectedWaitLocked(Priority priority) const {
  if (!throughput_.known()) return absl::ZeroDuration();
  double work = 0;
  for (int p = 0; p <= PriorityIndex(priority); ++p) work += queues_[p].work();
  return absl::Seconds(work / throughput_.work_per_second());
}

absl::Duration Scheduler::expected_wait(Priority priority) const {
  std::lock_guard<std::mutex> lock(mu_);
  return ExpectedWaitLocked(priority);
}

void Scheduler::Drain(absl::Duration grace) {
  std::unique_lock<std::mutex> lock(mu_);
  draining_ = true;
  work_ready_.notify_all();
  const auto deadline = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(grace);
  if (!worker_stopped_.wait_until(lock, deadline, [this] { return live_workers_ == 0; })) {
    aborting_ = true;
    work_ready_.notify_all();
    worker_stopped_.wait(lock, [this] { return live_workers_ == 0; });
  }
  // Whatever no worker took (none may be running) ends here, never lost.
  std::vector<std::unique_ptr<Job>> left;
  for (FairQueue& queue : queues_) {
    for (std::unique_ptr<Job>& job : queue.TakeAll()) left.push_back(std::move(job));
  }
  UpdateQueueDepthLocked();
  lock.unlock();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  const absl::Time now = absl::Now();
  for (std::unique_ptr<Job>& job : left) {
    Complete(std::move(job), absl::UnavailableError("the server shut down before the sentence ran"),
             now);
  }
}

int Scheduler::queue_depth() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(QueuedLocked());
}

int Scheduler::idle_workers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_workers_;
}

std::size_t Scheduler::QueuedLocked() const {
  std::size_t queued = 0;
  for (const FairQueue& queue : queues_) queued += queue.size();
  return queued;
}

void Scheduler::UpdateQueueDepthLocked() {
  if (QueuedLocked() == 0) backlogged_since_ = absl::InfinitePast();
  if (metrics_.queue_depth != nullptr)
    metrics_.queue_depth->Set(static_cast<double>(QueuedLocked()));
  for (Priority priority : kPriorities) {
    prometheus::Gauge* depth = metrics_.class_queue_depth[PriorityIndex(priority)];
    if (depth != nullptr) depth->Set(static_cast<double>(queues_[PriorityIndex(priority)].size()));
  }
  if (metrics_.expected_wait != nullptr)
    metrics_.expected_wait->Set(absl::ToDoubleSeconds(ExpectedWaitLocked(Priority::kBulk)));
}

std::vector<std::unique_ptr<Job>> Scheduler::TakeDroppedLocked(absl::Time now) {
  std::vector<std::unique_ptr<Job>> dropped;
  for (FairQueue& queue : queues_) {
    for (std::unique_ptr<Job>& job : queue.TakeIf([&](const Job& job) {
           return aborting_ || !JobStopReason(job, now).ok();
         })) {
      dropped.push_back(std::move(job));
    }
  }
  // Else the gauge keeps counting them until the next admission, which may
  // be long after (a worker busy with a batch, or no new request).
  if (!dropped.empty()) UpdateQueueDepthLocked();
  return dropped;
}

std::vector<std::unique_ptr<Job>> Scheduler::SelectLocked(Priority priority,
                                                          const HeldBatch* joining, int limit,
                                                          absl::Time enqueued_by,
                                                          const FairQueue::ClientFilter& filter,
                                                          absl::Time now) {
  std::vector<std::unique_ptr<Job>> selected;
  const int running = joining != nullptr ? static_cast<int>(joining->running.size()) : 0;
  const int max_sentences = std::min(options_.MaxBatchSize(priority), running + limit);
  if (running >= max_sentences) return selected;
  FairQueue& queue = queues_[PriorityIndex(priority)];
  // The first job in fair order anchors the batch; the rest are taken
  // closest in length first (earlier in fair order among equal distances),
  // from a window a few batches deep: low padding, and no client or request
  // far behind in fair order gets ahead of one waiting for its turn.
  std::vector<const Job*> order =
      queue.Peek(static_cast<std::size_t>(4 * max_sentences), enqueued_by, filter);
  if (order.empty()) return selected;
  const Job* const first = order.front();
  const int anchor = first->length;
  std::stable_sort(order.begin(), order.end(), [&](const Job* a, const Job* b) {
    return std::abs(a->length - anchor) < std::abs(b->length - anchor);
  });
  int count = running;
  int max_length = joining != nullptr ? joining->max_length : 0;
  int rows = joining != nullptr ? joining->rows() : 0;
  std::vector<const Job*> taken;
  for (const Job* job : order) {
    const int length = std::max(max_length, job->length);
    const bool fits = count + 1 <= max_sentences &&
                      static_cast<long>(count + 2) * length <= options_.max_batch_tokens &&
                      rows + job->rows <= options_.max_batch_rows;
    // A sentence alone always runs, however long. When the first job does
    // not fit, nothing else joins: the batch drains until it does, so a long
    // sentence cannot be passed over forever.
    if (!fits && count > 0) {
      if (job == first) break;
      continue;
    }
    taken.push_back(job);
    ++count;
    max_length = length;
    rows += job->rows;
    if (count >= max_sentences) break;
  }
  selected = queue.Take(taken);
  // Work that leaves a queue that stays backlogged measures capacity; a take
  // that empties the queue only says there was no more work.
  if (!selected.empty() && QueuedLocked() > 0 && backlogged_since_ != absl::InfinitePast()) {
    double work = 0;
    for (const std::unique_ptr<Job>& job : selected) work += job->work;
    throughput_.RecordDrain(now - backlogged_since_, work);
    backlogged_since_ = now;
  }
  UpdateQueueDepthLocked();
  return selected;
}

Scheduler::Plan Scheduler::PlanLocked(const std::vector<HeldBatch>& held, int share,
                                      absl::Time now) {
  Plan plan;
  // The highest class with work queued.
  std::optional<Priority> highest;
  for (Priority priority : kPriorities) {
    if (!queues_[PriorityIndex(priority)].empty()) {
      highest = priority;
      break;
    }
  }
  if (!highest.has_value()) return plan;
  const absl::Time any = absl::InfiniteFuture();
  if (held.empty()) {
    plan.admitted = SelectLocked(*highest, nullptr, share, any, {}, now);
    plan.start = *highest;
    return plan;
  }
  // While a worker is idle, a running batch leaves the queues to it (which
  // takes its share): otherwise the batch, looking between steps, can win
  // the race to a sentence an idle worker would decode sooner.
  if (idle_workers_ > 0) return plan;
  const HeldBatch& top = held.back();
  const int running = static_cast<int>(top.running.size());
  const bool may_hold_more = static_cast<int>(held.size()) < options_.max_held_batches;
  // Higher-class work preempts at once: it is what a user waits for.
  if (PriorityIndex(*highest) < PriorityIndex(top.priority) && may_hold_more) {
    plan.admitted = SelectLocked(*highest, nullptr, options_.MaxBatchSize(*highest), any, {}, now);
    plan.start = *highest;
    return plan;
  }
  const absl::Time joinable_by = now - options_.join_delay;
  // A batch started over one of its class takes none of the clients that
  // batch serves, and no client once it has caught up with them.
  FairQueue::ClientFilter guard;
  if (held.size() >= 2 && held[held.size() - 2].priority == top.priority) {
    guard = held[held.size() - 2].LeftOut();
  }
  if (options_.step_level) {
    // Higher-class work that cannot have a batch of its own joins this one.
    for (Priority priority : kPriorities) {
      if (PriorityIndex(priority) > PriorityIndex(top.priority)) break;
      plan.admitted =
          SelectLocked(priority, &top, options_.MaxBatchSize(top.priority), joinable_by,
                       priority == top.priority ? guard : FairQueue::ClientFilter{}, now);
      if (!plan.admitted.empty()) return plan;
    }
  }
  // A batch that cannot take a client of its class that it leaves out, and
  // that has had less service than its own clients (full, in sentences or
  // rows), does not keep that client waiting. It cuts in at once: join_delay
  // waits for a free worker rather than slow a running batch down, but a
  // batch of its own runs at full speed while this one pauses.
  if (may_hold_more) {
    FairQueue::ClientFilter left_out = top.LeftOut();
    const std::vector<const Job*> next =
        queues_[PriorityIndex(top.priority)].Peek(1, any, left_out);
    if (!next.empty() && (running >= options_.MaxBatchSize(top.priority) ||
                          top.rows() + next.front()->rows > options_.max_batch_rows)) {
      plan.admitted = SelectLocked(top.priority, nullptr, options_.MaxBatchSize(top.priority), any,
                                   left_out, now);
      if (!plan.admitted.empty()) plan.start = top.priority;
    }
  }
  return plan;
}

void Scheduler::WorkerLoop() {
  ComputeContext ctx(options_.threads_per_worker);
  ctx.BindToCurrentThread();
  // held.back() runs; the others wait for it to end, caches kept.
  std::vector<HeldBatch> held;
  // Batches that ended, kept for reuse (their buffers stay allocated).
  std::vector<std::unique_ptr<DecodingBatch>> spare;

  // Ends the running batch; a failed one is not kept for reuse.
  auto pop = [&](bool failed) {
    if (!failed) spare.push_back(std::move(held.back().batch));
    held.pop_back();
  };
  // Fails every job of the running batch with `status` and ends it.
  auto fail_top = [&](const absl::Status& status) {
    const absl::Time now = absl::Now();
    for (auto& [id, job] : held.back().running) Complete(std::move(job), status, now);
    pop(/*failed=*/true);
  };

  while (true) {
    Plan plan;
    std::vector<std::unique_ptr<Job>> dropped;
    bool aborting = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      int share = 0;
      if (held.empty()) {
        ++idle_workers_;
        work_ready_.wait(lock, [this] { return QueuedLocked() > 0 || draining_; });
        if (QueuedLocked() == 0 && draining_) {
          --idle_workers_;
          break;
        }
        if (options_.max_queue_delay > absl::ZeroDuration() && !draining_) {
          // Give a batch the chance to fill up, but never hold the oldest
          // job longer than max_queue_delay.
          absl::Time oldest = absl::InfiniteFuture();
          for (const FairQueue& queue : queues_) oldest = std::min(oldest, queue.oldest_enqueued());
          work_ready_.wait_until(lock, absl::ToChronoTime(oldest + options_.max_queue_delay), [this] {
            return QueuedLocked() >= static_cast<std::size_t>(options_.max_batch_size) ||
                   draining_ || QueuedLocked() == 0;
          });
        }
        // The engine's cost per sentence hardly falls with the batch on a
        // CPU, so sentences spread over the idle workers finish sooner than
        // in one batch; once no worker is idle, batches grow as before.
        const int idle = idle_workers_;
        --idle_workers_;
        share = static_cast<int>((QueuedLocked() + idle - 1) / idle);
      }
      aborting = aborting_;
      const absl::Time checked = absl::Now();
      dropped = TakeDroppedLocked(checked);
      if (!aborting) plan = PlanLocked(held, share, checked);
      if (plan.start.has_value() && !plan.admitted.empty() && !held.empty()) {
        Add(metrics_.preemptions[PriorityIndex(*plan.start)], 1);
      }
      // Between two steps, so the mean is over steps, as a sentence sees it.
      int batch = static_cast<int>(plan.admitted.size());
      if (!plan.start.has_value() && !held.empty()) batch += held.back().running.size();
      if (batch > 0) throughput_.RecordBatch(batch);
    }
    const absl::Time now = absl::Now();
    for (std::unique_ptr<Job>& job : dropped) {
      absl::Status reason = JobStopReason(*job, now);
      if (reason.ok()) {
        reason = absl::UnavailableError("the server shut down before the sentence ran");
      }
      Complete(std::move(job), reason, now);
    }
    if (aborting) {
      while (!held.empty()) {
        fail_top(absl::UnavailableError("the server shut down before the sentence finished"));
      }
      continue;
    }

    if (!plan.admitted.empty()) {
      if (plan.start.has_value()) {
        HeldBatch& started = held.emplace_back();
        started.priority = *plan.start;
        if (spare.empty()) {
          started.batch = std::make_unique<DecodingBatch>(*model_);
        } else {
          started.batch = std::move(spare.back());
          spare.pop_back();
        }
      }
      HeldBatch& top = held.back();
      std::vector<SentenceJob> sentences;
      int padded_length = top.max_length;
      long real_tokens = 0;
      for (std::unique_ptr<Job>& job : plan.admitted) {
        job->started = now;
        Observe(metrics_.queue_seconds, absl::ToDoubleSeconds(now - job->enqueued));
        padded_length = std::max(padded_length, job->length);
        real_tokens += job->length;
        sentences.push_back(std::move(job->sentence));
      }
      Add(metrics_.real_tokens, static_cast<double>(real_tokens));
      Add(metrics_.padded_tokens, static_cast<double>(padded_length) * plan.admitted.size());
      if (metrics_.padding_ratio != nullptr && metrics_.real_tokens != nullptr &&
          metrics_.padded_tokens != nullptr && metrics_.padded_tokens->Value() > 0) {
        metrics_.padding_ratio->Set(1.0 - metrics_.real_tokens->Value() /
                                              metrics_.padded_tokens->Value());
      }
      Observe(metrics_.batch_tokens,
              static_cast<long>(plan.admitted.size() + top.running.size() + 1) * padded_length);
      top.max_length = padded_length;
      try {
        top.batch->Add(ctx, std::move(sentences));
      } catch (const std::exception& e) {
        const absl::Status status =
            absl::InternalError(absl::StrCat("encoding failed: ", e.what()));
        spdlog::error("model {}: {}", name_, std::string(status.message()));
        for (std::unique_ptr<Job>& job : plan.admitted) Complete(std::move(job), status, absl::Now());
        fail_top(status);
        continue;
      }
      for (std::unique_ptr<Job>& job : plan.admitted) {
        const std::uint64_t id = job->sentence.id;
        top.running[id] = std::move(job);
      }
    }
    if (held.empty()) continue;
    if (held.back().running.empty()) {
      pop(/*failed=*/false);
      continue;
    }

    HeldBatch& top = held.back();
    Observe(metrics_.batch_size, top.running.size());
    try {
      top.batch->Step(ctx);
    } catch (const std::exception& e) {
      const absl::Status status = absl::InternalError(absl::StrCat("decoding failed: ", e.what()));
      spdlog::error("model {}: {}", name_, std::string(status.message()));
      fail_top(status);
      continue;
    }
    Add(metrics_.steps, 1);
    for (const StreamedToken& streamed : top.batch->TakeStreamed()) {
      auto it = top.running.find(streamed.id);
      if (it == top.running.end() || !it->second->on_token) continue;
      try {
        it->second->on_token(streamed.token);
      } catch (const std::exception& e) {
        spdlog::error("streaming a token failed: {}", e.what());
      }
    }
    const absl::Time stepped = absl::Now();
    for (FinishedSentence& finished : top.batch->TakeFinished()) {
      auto it = top.running.find(finished.id);
      if (it == top.running.end()) continue;
      std::unique_ptr<Job> job = std::move(it->second);
      top.running.erase(it);
      Add(metrics_.macs, static_cast<double>(finished.macs));
      if (!finished.hypotheses.empty()) {
        Add(metrics_.tokens_generated,
            static_cast<double>(finished.hypotheses.front().tokens.size()));
      }
      if (absl::Status status =
              FinishedSentenceStatus(finished.hypotheses, finished.non_finite, name_);
          !status.ok()) {
        if (absl::IsInternal(status))
          spdlog::error("model {}: {}", name_, std::string(status.message()));
        Complete(std::move(job), status, stepped);
        continue;
      }
      Complete(std::move(job), std::move(finished), stepped);
    }
    // Cancelled or expired sentences leave before the next step, from the
    // batches set aside too.
    for (HeldBatch& batch : held) {
      std::vector<std::uint64_t> stopped;
      for (auto& [id, job] : batch.running) {
        if (!JobStopReason(*job, stepped).ok()) stopped.push_back(id);
      }
      if (!stopped.empty()) {
        batch.batch->Remove(stopped);
        for (std::uint64_t id : stopped) {
          std::unique_ptr<Job> job = std::move(batch.running[id]);
          batch.running.erase(id);
          absl::Status reason = JobStopReason(*job, stepped);
          Complete(std::move(job), std::move(reason), stepped);
        }
      }
      // The budget follows the sentences still running, not the longest ever.
      batch.max_length = 0;
      for (const auto& [id, job] : batch.running)
        batch.max_length = std::max(batch.max_length, job->length);
    }
    // An emptied batch ends; the one set aside below it resumes.
    while (!held.empty() && held.back().running.empty()) pop(/*failed=*/false);
  }

  std::lock_guard<std::mutex> lock(mu_);
  --live_workers_;
  worker_stopped_.notify_all();
}

}  // namespace liteformer
