#include "server/scheduler/scheduler.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <optional>

#include "absl/container/flat_hash_map.h"
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
void Add(metrics::Counter* counter, double value) {
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

absl::Status Scheduler::Submit(std::vector<std::unique_ptr<Job>>& jobs) {
  const absl::Time now = absl::Now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (draining_) return absl::UnavailableError("the server is shutting down");
    if (absl::Status admitted = AdmitLocked(jobs, now); !admitted.ok()) return admitted;
    if (queue_.empty()) backlogged_since_ = now;
    for (std::unique_ptr<Job>& job : jobs) {
      job->enqueued = now;
      job->sentence.id = next_id_++;
      job->work = JobWork(*job);
      queue_.push_back(std::move(job));
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

absl::Status Scheduler::AdmitLocked(const std::vector<std::unique_ptr<Job>>& jobs, absl::Time now) {
  // An empty queue takes anything: a request larger than the whole queue
  // would otherwise be refused for good, not "retry later", and with
  // nothing queued there is no wait to predict.
  if (queue_.empty()) return absl::OkStatus();
  if (queue_.size() + jobs.size() > static_cast<std::size_t>(options_.max_queue_size)) {
    Add(metrics_.refused_queue_full, 1);
    absl::Status full = absl::UnavailableError(
        absl::StrCat("the queue of model '", name_, "' is full (", queue_.size(), " of ",
                     options_.max_queue_size, " sentences waiting); retry later"));
    SetRetryAfter(full, std::max(ExpectedWaitLocked(), kMinRetryAfter));
    return full;
  }
  if (!throughput_.known()) return absl::OkStatus();
  const absl::Duration wait = ExpectedWaitLocked();
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

absl::Duration Scheduler::ExpectedWaitLocked() const {
  if (!throughput_.known()) return absl::ZeroDuration();
  return absl::Seconds(queued_work_ / throughput_.work_per_second());
}

absl::Duration Scheduler::expected_wait() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ExpectedWaitLocked();
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
  std::deque<std::unique_ptr<Job>> left = std::move(queue_);
  queue_.clear();
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
  return static_cast<int>(queue_.size());
}

int Scheduler::idle_workers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_workers_;
}

void Scheduler::UpdateQueueDepthLocked() {
  // Summed afresh, not kept by increments, so no path that moves jobs can
  // leave it drifting; the queue is at most max_queue_size long.
  queued_work_ = 0;
  for (const std::unique_ptr<Job>& job : queue_) queued_work_ += job->work;
  if (queue_.empty()) backlogged_since_ = absl::InfinitePast();
  if (metrics_.queue_depth != nullptr)
    metrics_.queue_depth->Set(static_cast<double>(queue_.size()));
  if (metrics_.expected_wait != nullptr)
    metrics_.expected_wait->Set(absl::ToDoubleSeconds(ExpectedWaitLocked()));
}

std::vector<std::unique_ptr<Job>> Scheduler::TakeDroppedLocked(absl::Time now) {
  std::vector<std::unique_ptr<Job>> dropped;
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (!JobStopReason(**it, now).ok() || aborting_) {
      dropped.push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  // Else the gauge keeps counting them until the next admission, which may
  // be long after (a worker busy with a batch, or no new request).
  if (!dropped.empty()) UpdateQueueDepthLocked();
  return dropped;
}

std::size_t Scheduler::JoinableLocked(absl::Time now) const {
  // The queue is oldest first, so the joinable jobs are a prefix of it.
  std::size_t joinable = 0;
  while (joinable < queue_.size() && queue_[joinable]->enqueued + options_.join_delay <= now) {
    ++joinable;
  }
  return joinable;
}

std::vector<std::unique_ptr<Job>> Scheduler::SelectLocked(int running, int running_max_length,
                                                          int limit, std::size_t eligible,
                                                          absl::Time now) {
  std::vector<std::unique_ptr<Job>> selected;
  const int max_sentences = std::min(options_.max_batch_size, running + limit);
  eligible = std::min(eligible, queue_.size());
  if (eligible == 0 || running >= max_sentences) return selected;
  // The oldest job anchors the batch; the rest are taken closest in length
  // first (older first among equal distances), which keeps padding low.
  const int anchor = queue_.front()->length;
  std::vector<std::size_t> order(eligible);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::abs(queue_[a]->length - anchor) < std::abs(queue_[b]->length - anchor);
  });
  int count = running;
  int max_length = running_max_length;
  std::vector<bool> taken(queue_.size(), false);
  for (std::size_t index : order) {
    const int length = std::max(max_length, queue_[index]->length);
    const bool fits = count + 1 <= max_sentences &&
                      static_cast<long>(count + 2) * length <= options_.max_batch_tokens;
    // A sentence alone always runs, however long. When the oldest job does
    // not fit, nothing else joins: the batch drains until it does, so a long
    // sentence cannot be passed over forever.
    if (!fits && count > 0) {
      if (index == 0) break;
      continue;
    }
    taken[index] = true;
    ++count;
    max_length = length;
    if (count >= max_sentences) break;
  }
  std::deque<std::unique_ptr<Job>> rest;
  for (std::size_t i = 0; i < queue_.size(); ++i) {
    if (taken[i]) {
      selected.push_back(std::move(queue_[i]));
    } else {
      rest.push_back(std::move(queue_[i]));
    }
  }
  queue_ = std::move(rest);
  // Work that leaves a queue that stays backlogged measures capacity; a take
  // that empties the queue only says there was no more work.
  if (!selected.empty() && !queue_.empty() && backlogged_since_ != absl::InfinitePast()) {
    double work = 0;
    for (const std::unique_ptr<Job>& job : selected) work += job->work;
    throughput_.RecordDrain(now - backlogged_since_, work);
    backlogged_since_ = now;
  }
  UpdateQueueDepthLocked();
  return selected;
}

void Scheduler::WorkerLoop() {
  ComputeContext ctx(options_.threads_per_worker);
  ctx.BindToCurrentThread();
  // Re-created (not reset) after a failure, so nothing of a failed batch is kept.
  std::optional<DecodingBatch> batch;
  batch.emplace(*model_);
  absl::flat_hash_map<std::uint64_t, std::unique_ptr<Job>> running;
  int running_max_length = 0;

  // Fails every running job with `status` and starts an empty batch.
  auto fail_running = [&](const absl::Status& status) {
    const absl::Time now = absl::Now();
    for (auto& [id, job] : running) Complete(std::move(job), status, now);
    running.clear();
    batch.emplace(*model_);
    running_max_length = 0;
  };

  while (true) {
    std::vector<std::unique_ptr<Job>> admitted;
    std::vector<std::unique_ptr<Job>> dropped;
    bool aborting = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      int share = options_.max_batch_size;
      if (running.empty()) {
        ++idle_workers_;
        work_ready_.wait(lock, [this] { return !queue_.empty() || draining_; });
        if (queue_.empty() && draining_) {
          --idle_workers_;
          break;
        }
        if (options_.max_queue_delay > absl::ZeroDuration() && !draining_) {
          // Give a batch the chance to fill up, but never hold the oldest
          // job longer than max_queue_delay.
          const absl::Time until = queue_.front()->enqueued + options_.max_queue_delay;
          work_ready_.wait_until(lock, absl::ToChronoTime(until), [this] {
            return queue_.size() >= static_cast<std::size_t>(options_.max_batch_size) ||
                   draining_ || queue_.empty();
          });
        }
        // The engine's cost per sentence hardly falls with the batch on a
        // CPU, so sentences spread over the idle workers finish sooner than
        // in one batch; once no worker is idle, batches grow as before.
        const int idle = idle_workers_;
        --idle_workers_;
        share = static_cast<int>((queue_.size() + idle - 1) / idle);
      }
      aborting = aborting_;
      const absl::Time checked = absl::Now();
      dropped = TakeDroppedLocked(checked);
      // While a worker is idle, a running batch leaves the queue to it
      // (which takes its share): otherwise the batch, looking between steps,
      // can win the race to a sentence an idle worker would decode sooner.
      const bool may_admit = running.empty() || (options_.step_level && idle_workers_ == 0);
      if (!aborting && may_admit) {
        const std::size_t eligible = running.empty() ? queue_.size() : JoinableLocked(checked);
        admitted = SelectLocked(static_cast<int>(running.size()), running_max_length, share,
                                eligible, checked);
      }
      // Between two steps, so the mean is over steps, as a sentence sees it.
      const int batch = static_cast<int>(running.size() + admitted.size());
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
      fail_running(absl::UnavailableError("the server shut down before the sentence finished"));
      continue;
    }

    if (!admitted.empty()) {
      std::vector<SentenceJob> sentences;
      int padded_length = running_max_length;
      long real_tokens = 0;
      for (std::unique_ptr<Job>& job : admitted) {
        job->started = now;
        Observe(metrics_.queue_seconds, absl::ToDoubleSeconds(now - job->enqueued));
        padded_length = std::max(padded_length, job->length);
        real_tokens += job->length;
        sentences.push_back(std::move(job->sentence));
      }
      Add(metrics_.real_tokens, static_cast<double>(real_tokens));
      Add(metrics_.padded_tokens, static_cast<double>(padded_length) * admitted.size());
      if (metrics_.padding_ratio != nullptr && metrics_.real_tokens != nullptr &&
          metrics_.padded_tokens != nullptr && metrics_.padded_tokens->value() > 0) {
        metrics_.padding_ratio->Set(1.0 - metrics_.real_tokens->value() /
                                              metrics_.padded_tokens->value());
      }
      Observe(metrics_.batch_tokens,
              static_cast<long>(admitted.size() + running.size() + 1) * padded_length);
      running_max_length = padded_length;
      try {
        batch->Add(ctx, std::move(sentences));
      } catch (const std::exception& e) {
        const absl::Status status =
            absl::InternalError(absl::StrCat("encoding failed: ", e.what()));
        spdlog::error("model {}: {}", name_, std::string(status.message()));
        for (std::unique_ptr<Job>& job : admitted) Complete(std::move(job), status, absl::Now());
        fail_running(status);
        continue;
      }
      for (std::unique_ptr<Job>& job : admitted) {
        const std::uint64_t id = job->sentence.id;
        running[id] = std::move(job);
      }
    }
    if (running.empty()) continue;

    Observe(metrics_.batch_size, running.size());
    try {
      batch->Step(ctx);
    } catch (const std::exception& e) {
      const absl::Status status = absl::InternalError(absl::StrCat("decoding failed: ", e.what()));
      spdlog::error("model {}: {}", name_, std::string(status.message()));
      fail_running(status);
      continue;
    }
    Add(metrics_.steps, 1);
    for (const StreamedToken& streamed : batch->TakeStreamed()) {
      auto it = running.find(streamed.id);
      if (it == running.end() || !it->second->on_token) continue;
      try {
        it->second->on_token(streamed.token);
      } catch (const std::exception& e) {
        spdlog::error("streaming a token failed: {}", e.what());
      }
    }
    const absl::Time stepped = absl::Now();
    for (FinishedSentence& finished : batch->TakeFinished()) {
      auto it = running.find(finished.id);
      if (it == running.end()) continue;
      std::unique_ptr<Job> job = std::move(it->second);
      running.erase(it);
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
    // Cancelled or expired sentences leave before the next step.
    std::vector<std::uint64_t> stopped;
    for (auto& [id, job] : running) {
      if (!JobStopReason(*job, stepped).ok()) stopped.push_back(id);
    }
    if (!stopped.empty()) {
      batch->Remove(stopped);
      for (std::uint64_t id : stopped) {
        std::unique_ptr<Job> job = std::move(running[id]);
        running.erase(id);
        absl::Status reason = JobStopReason(*job, stepped);
        Complete(std::move(job), std::move(reason), stepped);
      }
    }
    // The budget follows the sentences still running, not the longest ever.
    running_max_length = 0;
    for (const auto& [id, job] : running)
      running_max_length = std::max(running_max_length, job->length);
  }

  std::lock_guard<std::mutex> lock(mu_);
  --live_workers_;
  worker_stopped_.notify_all();
}

}  // namespace liteformer
