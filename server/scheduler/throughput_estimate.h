// ThroughputEstimate: how fast a scheduler's workers get through work,
// measured while they run, so that admission can turn the queue's work into
// an expected wait (queue work ÷ throughput).
//
// Work is a job's Job::work, an estimate in row-steps (beam rows × expected
// decoder steps, plus the source's tokens for the encoder). Its unit cancels
// out: the rate is measured in the same unit from the jobs that finish, so a
// constant error in the estimate (translations a little longer than their
// sources, say) is absorbed; only the mix's changes are not.
//
// Not thread-safe: the scheduler holds its mutex around every call.
#ifndef LITEFORMER_SERVER_SCHEDULER_THROUGHPUT_ESTIMATE_H_
#define LITEFORMER_SERVER_SCHEDULER_THROUGHPUT_ESTIMATE_H_

#include "absl/time/time.h"

namespace liteformer {

class ThroughputEstimate {
 public:
  // A rate is taken from at least this much busy worker time (one step is
  // milliseconds; single completions are too lumpy to rate on their own).
  static constexpr absl::Duration kWindow = absl::Milliseconds(250);

  // A worker spent `busy` decoding, `finished_work` is the work of the jobs
  // that finished in that time, and its batch held `batch_size` sentences.
  void Record(absl::Duration busy, double finished_work, int batch_size);

  // Whether a rate has been measured yet (no admission by wait before).
  bool known() const { return rate_ > 0; }
  // One worker's work per busy second (a batch's sentences together).
  double work_per_second() const { return rate_; }
  // Sentences per batch, averaged over steps: a sentence in a batch of B
  // takes about B × its work ÷ work_per_second() to decode.
  double mean_batch_size() const { return batch_size_; }

 private:
  absl::Duration window_busy_ = absl::ZeroDuration();
  double window_work_ = 0;
  double rate_ = 0;
  double batch_size_ = 1;
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SCHEDULER_THROUGHPUT_ESTIMATE_H_
