#include "client/load_generator.h"

#include <algorithm>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/rpc_status.h"
#include "engine/text/utf8.h"

namespace liteformer::client {
namespace {

Clock::duration Seconds(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

double Milliseconds(Clock::duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

std::string Mode(const LoadOptions& options) {
  if (options.rate <= 0) return absl::StrCat("closed loop, concurrency ", options.concurrency);
  return absl::StrFormat("open loop, %g/s %s", options.rate,
                         options.arrival == Arrival::kPoisson ? "poisson" : "constant");
}

}  // namespace

LoadGenerator::LoadGenerator(const std::shared_ptr<grpc::Channel>& channel,
                             const LoadOptions& options)
    : options_(options),
      caller_(channel, options),
      texts_per_request_(options.method == Method::kGenerate ? 1 : options.texts_per_request),
      length_classes_(options.texts) {
  for (const std::string& text : options.texts) lengths_.push_back(CountUtf8Characters(text));
  report_.target = options.target;
  report_.method = MethodName(options.method);
  report_.model = options.model;
  report_.mode = Mode(options);
  report_.texts_per_request = texts_per_request_;
  report_.warmup_seconds = options.warmup_seconds;
  report_.split_by_length = options.split_by_length;
  report_.median_chars = length_classes_.median();
}

LoadReport LoadGenerator::Run() {
  start_ = Clock::now();
  measure_start_ = start_ + Seconds(options_.warmup_seconds);
  if (options_.duration_seconds > 0)
    send_end_ = measure_start_ + Seconds(options_.duration_seconds);
  std::thread progress;
  if (options_.progress != Progress::kNone) progress = std::thread([this] { ShowProgress(); });

  if (options_.rate > 0) {
    RunOpenLoop();
  } else {
    for (size_t i = 0; i < options_.concurrency; ++i) {
      std::optional<Sent> sent;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        sent = ReserveLocked(Clock::now());
      }
      if (sent) Send(*sent);
    }
  }
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return stopped_ && inflight_ == 0; });
  progress_done_ = true;
  progress_.notify_all();
  lock.unlock();
  if (progress.joinable()) progress.join();

  const Clock::time_point end = report_.completed > 0 ? last_completion_ : Clock::now();
  report_.elapsed_seconds = std::max(0.0, Milliseconds(end - measure_start_) / 1000);
  return report_;
}

std::optional<LoadGenerator::Sent> LoadGenerator::ReserveLocked(Clock::time_point origin) {
  if (stopped_) return std::nullopt;
  const bool counted = origin >= measure_start_;
  if (counted && send_end_ && origin >= *send_end_) {
    stopped_ = true;
    return std::nullopt;
  }
  if (counted && ++report_.sent == options_.requests) stopped_ = true;  // The last one.
  const Sent sent = {(issued_ * texts_per_request_) % options_.texts.size(), origin, counted};
  ++issued_;
  ++inflight_;
  return sent;
}

void LoadGenerator::Send(const Sent& sent) {
  std::vector<const std::string*> texts;
  for (size_t k = 0; k < texts_per_request_; ++k) {
    texts.push_back(&options_.texts[(sent.first_text + k) % options_.texts.size()]);
  }
  caller_.Start(texts, [this, sent](CallOutcome outcome) { Finish(sent, std::move(outcome)); });
}

void LoadGenerator::Finish(const Sent& sent, CallOutcome outcome) {
  const Clock::time_point now = Clock::now();
  std::optional<Sent> next;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    RecordLocked(sent, outcome, now);
    --inflight_;
    // Closed loop: this worker's next request goes out at once.
    if (options_.rate <= 0) next = ReserveLocked(now);
    // Notified under the lock: once Run wakes, no callback touches `this`.
    if (stopped_ && inflight_ == 0) idle_.notify_all();
  }
  if (next) Send(*next);
}

void LoadGenerator::RecordLocked(const Sent& sent, const CallOutcome& outcome,
                                 Clock::time_point now) {
  ++finished_;
  std::string error;
  if (!outcome.status.ok()) {
    error = StatusCodeName(outcome.status.error_code());
  } else if (options_.expected && !MatchesExpected(sent, outcome)) {
    error = "MISMATCH";
  }
  if (!error.empty()) ++failed_;
  if (!sent.counted) return;
  ++report_.completed;
  last_completion_ = now;
  if (!error.empty()) {
    ++report_.errors[error];
    return;
  }
  ++report_.ok;
  report_.input_tokens += outcome.input_tokens;
  report_.output_tokens += outcome.output_tokens;
  const double latency = Milliseconds(now - sent.origin);
  report_.latency.Add(latency);
  if (outcome.first_chunk)
    report_.first_chunk.Add(Milliseconds(*outcome.first_chunk - sent.origin));
  if (outcome.server_queue_seconds) report_.server_queue.Add(1000 * *outcome.server_queue_seconds);
  if (outcome.server_compute_seconds) {
    report_.server_compute.Add(1000 * *outcome.server_compute_seconds);
  }
  if (options_.split_by_length) {
    LatencyStats& stats =
        length_classes_.IsShort(MeanLength(sent)) ? report_.short_latency : report_.long_latency;
    stats.Add(latency);
  }
}

bool LoadGenerator::MatchesExpected(const Sent& sent, const CallOutcome& outcome) const {
  for (size_t k = 0; k < texts_per_request_; ++k) {
    const size_t index = (sent.first_text + k) % options_.texts.size();
    auto expected = options_.expected->find(index);
    if (expected == options_.expected->end()) continue;
    if (k >= outcome.outputs.size() || outcome.outputs[k] != expected->second) return false;
  }
  return true;
}

double LoadGenerator::MeanLength(const Sent& sent) const {
  double total = 0;
  for (size_t k = 0; k < texts_per_request_; ++k) {
    total += lengths_[(sent.first_text + k) % lengths_.size()];
  }
  return total / texts_per_request_;
}

void LoadGenerator::RunOpenLoop() {
  ArrivalSchedule schedule(options_.arrival, options_.rate, options_.seed);
  while (true) {
    const Clock::time_point at = start_ + Seconds(schedule.Next());
    if (send_end_ && at >= *send_end_) break;
    // Behind schedule (a slow Send), this does not sleep: late requests go
    // out at once and their latency still counts from `at`.
    std::this_thread::sleep_until(at);
    std::optional<Sent> sent;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      sent = ReserveLocked(at);
    }
    if (!sent) break;
    Send(*sent);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  stopped_ = true;
}

std::string LoadGenerator::ProgressLine(Clock::time_point now, double recent_rate) const {
  return absl::StrFormat("[%5.0fs%s] sent %d  done %d  failed %d  in flight %d  %.1f req/s",
                         Milliseconds(now - start_) / 1000, now < measure_start_ ? " warm-up" : "",
                         issued_, finished_, failed_, inflight_, recent_rate);
}

void LoadGenerator::ShowProgress() {
  const bool terminal = options_.progress == Progress::kTerminal;
  const auto interval = terminal ? std::chrono::seconds(1) : std::chrono::seconds(5);
  uint64_t last_finished = 0;
  Clock::time_point last_time = start_;
  bool printed = false;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!progress_.wait_for(lock, interval, [this] { return progress_done_; })) {
    const Clock::time_point now = Clock::now();
    const double rate = (finished_ - last_finished) / (Milliseconds(now - last_time) / 1000);
    const std::string line = ProgressLine(now, rate);
    last_finished = finished_;
    last_time = now;
    lock.unlock();
    // "\033[K" clears what a longer previous line left behind.
    std::cerr << (terminal ? "\r" : "") << line << (terminal ? "\033[K" : "\n") << std::flush;
    printed = true;
    lock.lock();
  }
  if (terminal && printed) std::cerr << "\r\033[K" << std::flush;
}

}  // namespace liteformer::client
