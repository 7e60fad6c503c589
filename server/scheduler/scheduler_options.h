// SchedulerOptions: how one model's scheduler forms batches (config.proto's
// BatchingConfig with every default filled in).
#ifndef LITEFORMER_SERVER_SCHEDULER_SCHEDULER_OPTIONS_H_
#define LITEFORMER_SERVER_SCHEDULER_SCHEDULER_OPTIONS_H_

#include "absl/time/time.h"

namespace liteformer {

struct SchedulerOptions {
  // Step-level: sentences join and leave a running batch between decoder
  // steps. Request-level: a batch is formed once and runs to its end.
  bool step_level = true;
  int max_batch_tokens = 8192;  // (sentences + 1) × longest length ≤ this.
  int max_batch_size = 16;      // Sentences decoded together.
  absl::Duration max_queue_delay = absl::ZeroDuration();
  // Step-level: a queued sentence joins a running batch only once it has
  // waited this long (a worker that frees up takes it sooner). Joining slows
  // every sentence of the batch, and on a CPU a step's cost grows almost in
  // proportion to its sentences, so below saturation a short wait for a
  // free worker beats sharing a busy one.
  absl::Duration join_delay = absl::ZeroDuration();
  int max_queue_size = 1024;  // Sentences waiting; more is refused (UNAVAILABLE).
  // A request is refused (UNAVAILABLE) when the queued work ahead of it
  // would take longer than this, at the measured throughput, or than its
  // deadline leaves: a refusal at the door is better than a call that waits
  // for a deadline it cannot meet, and it keeps the queue short enough to
  // recover at once when a burst ends.
  absl::Duration max_queue_wait = absl::Milliseconds(500);
  int workers = 1;  // Batches running at once.
  int threads_per_worker = 1;
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SCHEDULER_SCHEDULER_OPTIONS_H_
