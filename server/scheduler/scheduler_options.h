// SchedulerOptions: how one model's scheduler forms batches (config.proto's
// BatchingConfig with every default filled in).
#ifndef LITEFORMER_SERVER_SCHEDULER_SCHEDULER_OPTIONS_H_
#define LITEFORMER_SERVER_SCHEDULER_SCHEDULER_OPTIONS_H_

#include <array>

#include "absl/time/time.h"
#include "server/scheduler/priority.h"

namespace liteformer {

// What differs between priority classes; 0 takes SchedulerOptions' own.
struct PriorityClassOptions {
  int max_batch_size = 0;  // Sentences in one batch of the class.
  int max_queue_size = 0;  // Sentences of the class waiting; more is refused.

  bool operator==(const PriorityClassOptions&) const = default;
};

struct SchedulerOptions {
  // Step-level: sentences join and leave a running batch between decoder
  // steps. Request-level: a batch is formed once and runs to its end.
  bool step_level = true;
  int max_batch_tokens = 8192;  // (sentences + 1) × longest length ≤ this.
  int max_batch_size = 16;      // Sentences decoded together.
  // Decoder rows (sentences × beam) in one step. A step is what a batch of
  // higher priority, or of another client, waits for before it preempts
  // this one, and its cost grows with its rows.
  int max_batch_rows = 64;
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
  // Indexed by PriorityIndex.
  std::array<PriorityClassOptions, kPriorityClasses> classes;
  // Batches one worker may hold: between two steps it sets its running
  // batch aside, caches kept, to run a batch of a higher class or of a
  // client its batch leaves out. 1: no preemption.
  int max_held_batches = 3;
  int threads_per_worker = 1;

  // A reload loads a model again when its options changed.
  bool operator==(const SchedulerOptions&) const = default;

  int MaxBatchSize(Priority priority) const {
    const int own = classes[PriorityIndex(priority)].max_batch_size;
    return own > 0 ? own : max_batch_size;
  }
  int MaxQueueSize(Priority priority) const {
    const int own = classes[PriorityIndex(priority)].max_queue_size;
    return own > 0 ? own : max_queue_size;
  }
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SCHEDULER_SCHEDULER_OPTIONS_H_
