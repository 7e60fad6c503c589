// ThroughputEstimate: how fast a scheduler's queue drains while it is
// backlogged, measured as the workers run, so that admission can turn the
// queue's work into an expected wait (queue work ÷ throughput).
//
// Work is a job's Job::work, an estimate in row-steps (beam rows × expected
// decoder steps, plus the source's tokens for the encoder). Its unit cancels
// out: the rate is measured in the same unit, from the work that leaves the
// queue for a batch while more is waiting, so a constant error in the
// estimate (translations a little longer than their sources, say) is
// absorbed. Only a backlogged queue measures capacity: an idle worker's
// rate says how much work there was, not how much it could do, and batches
// of one do less per second than full ones.
//
// Not thread-safe: the scheduler holds its mutex around every call.
#ifndef LITEFORMER_SERVER_SCHEDULER_THROUGHPUT_ESTIMATE_H_
#define LITEFORMER_SERVER_SCHEDULER_THROUGHPUT_ESTIMATE_H_

#include "absl/time/time.h"

namespace liteformer {

class ThroughputEstimate {
 public:
  // A rate is taken from at least this much backlogged time: sentences
  // leave the queue in lumps, a batch's worth at a time.
  static constexpr absl::Duration kWindow = absl::Milliseconds(250);

  // `work` left a queue that was never empty during the `elapsed` before.
  void RecordDrain(absl::Duration elapsed, double work);
  // A worker ran a step with `sentences` in its batch.
  void RecordBatch(int sentences);

  // Whether a rate has been measured yet (no admission by wait before).
  bool known() const { return rate_ > 0; }
  // All workers' work per second, at capacity.
  double work_per_second() const { return rate_; }
  // Sentences per batch, averaged over steps: a sentence sharing a batch of
  // B takes about B × its work ÷ one worker's rate to decode.
  double mean_batch_size() const { return batch_size_; }

 private:
  absl::Duration window_time_ = absl::ZeroDuration();
  double window_work_ = 0;
  double rate_ = 0;
  double batch_size_ = 1;
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SCHEDULER_THROUGHPUT_ESTIMATE_H_
