// liteformer-load's engine: sends requests in a closed loop (N always in
// flight) or an open loop (on an arrival schedule, whatever the server's
// pace), and measures what comes back.
#ifndef LITEFORMER_CLIENT_LOAD_GENERATOR_H_
#define LITEFORMER_CLIENT_LOAD_GENERATOR_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "client/length_classes.h"
#include "client/load_calls.h"
#include "client/load_options.h"
#include "client/load_report.h"
#include "grpcpp/channel.h"

namespace liteformer::client {

class LoadGenerator {
 public:
  // `options` must outlive the generator.
  LoadGenerator(const std::shared_ptr<grpc::Channel>& channel, const LoadOptions& options);

  // Runs until the duration or request limit is reached and every request
  // sent has finished (each is bounded by its deadline).
  LoadReport Run();

 private:
  struct Sent {
    size_t first_text;         // Index of the request's first text.
    Clock::time_point origin;  // Latency is measured from here (the scheduled time).
    bool counted;              // Sent after the warm-up.
  };

  // Claims the next request, or returns nothing once the run stops sending.
  std::optional<Sent> ReserveLocked(Clock::time_point origin);
  void Send(const Sent& sent);
  void Finish(const Sent& sent, CallOutcome outcome);
  void RecordLocked(const Sent& sent, const CallOutcome& outcome, Clock::time_point now);
  bool MatchesExpected(const Sent& sent, const CallOutcome& outcome) const;
  double MeanLength(const Sent& sent) const;
  void RunOpenLoop();
  void ShowProgress();
  std::string ProgressLine(Clock::time_point now, double recent_rate) const;

  const LoadOptions& options_;
  LoadCaller caller_;
  const size_t texts_per_request_;
  std::vector<size_t> lengths_;  // Characters per text.
  LengthClasses length_classes_;
  Clock::time_point start_;
  Clock::time_point measure_start_;
  std::optional<Clock::time_point> send_end_;

  mutable std::mutex mutex_;
  std::condition_variable idle_;      // stopped_ && inflight_ == 0
  std::condition_variable progress_;  // progress_done_
  bool stopped_ = false;
  bool progress_done_ = false;
  uint64_t issued_ = 0;  // Warm-up included, as the next three.
  uint64_t finished_ = 0;
  uint64_t failed_ = 0;
  size_t inflight_ = 0;
  Clock::time_point last_completion_;
  LoadReport report_;
};

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_LOAD_GENERATOR_H_
