// Job: one sentence of one request, as the scheduler sees it. The front end
// builds it (ids, search, deadline, how to tell it was cancelled, what to do
// with the result) and hands it over with Scheduler::Submit; from then on the
// scheduler owns it and calls `done` exactly once.
#ifndef LITEFORMER_SERVER_SCHEDULER_JOB_H_
#define LITEFORMER_SERVER_SCHEDULER_JOB_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/search/decoding_batch.h"
#include "server/scheduler/priority.h"

namespace liteformer {

// Where a job's time went.
struct JobTimes {
  absl::Duration queued;   // Submit → joining a batch.
  absl::Duration compute;  // Joining a batch → finished.
};

struct Job {
  SentenceJob sentence;  // sentence.id is assigned by the scheduler.
  int length = 0;        // Tokens of its source (or prompt): the batching budget's unit.
  // Decoder steps the front end expects it to take (0: `length`, as a
  // translation about as long as its source): admission's cost estimate.
  int expected_steps = 0;
  absl::Time deadline = absl::InfiniteFuture();
  Priority priority = Priority::kNormal;
  // Whose work it is, for fair queuing within a class: the token's name, or
  // the peer's address without auth. Every job of one Submit is one request.
  std::string client;
  // Polled between steps; empty means never cancelled.
  std::function<bool()> cancelled;
  // Streaming: each token as soon as it is chosen (sentence.stream_tokens).
  std::function<void(int token)> on_token;
  // The result or why there is none (DEADLINE_EXCEEDED, CANCELLED,
  // UNAVAILABLE, INTERNAL). Called on a worker thread, outside any lock.
  absl::AnyInvocable<void(absl::StatusOr<FinishedSentence>, const JobTimes&)> done;

  absl::Time enqueued;  // Set by Submit.
  int rows = 1;         // Set by Submit: decoder rows (beam size), max_batch_rows' unit.
  double work = 0;      // Set by Submit: see JobWork.
  std::uint64_t request = 0;  // Set by Submit: one id per call.
  // Set when it leaves the queue: its client's service in its class,
  // counted in work, once this job is counted (fair_queue.h).
  double client_service = 0;
  absl::Time started;   // Set when it joins a batch.
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SCHEDULER_JOB_H_
