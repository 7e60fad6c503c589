// What the scheduler's tests share: completion order of jobs, and greedy
// jobs of a chosen length on the fixture model.
#ifndef LITEFORMER_TESTS_SERVER_SCHEDULER_TEST_UTIL_H_
#define LITEFORMER_TESTS_SERVER_SCHEDULER_TEST_UTIL_H_

#include <future>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/search/sentence_jobs.h"
#include "gtest/gtest.h"
#include "server/scheduler/job.h"

namespace liteformer {

// Records the order in which jobs complete (each expected to succeed) and
// signals when `expected` of them have.
class CompletionOrder {
 public:
  explicit CompletionOrder(std::size_t expected) : expected_(expected) {}

  absl::AnyInvocable<void(absl::StatusOr<FinishedSentence>, const JobTimes&)> Record(int index) {
    return [this, index](absl::StatusOr<FinishedSentence> result, const JobTimes&) {
      EXPECT_TRUE(result.ok()) << result.status();
      std::lock_guard<std::mutex> lock(mu_);
      order_.push_back(index);
      if (order_.size() == expected_) done_.set_value();
    };
  }

  // The completion order, once every expected job is done.
  std::vector<int> Wait() {
    EXPECT_EQ(done_.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready);
    std::lock_guard<std::mutex> lock(mu_);
    return order_;
  }

 private:
  const std::size_t expected_;
  std::mutex mu_;
  std::vector<int> order_;
  std::promise<void> done_;
};

// A greedy job on a 3-token source that decodes between `min_len` and
// `max_len_b` tokens, its completion recorded as `index`.
inline std::unique_ptr<Job> GreedyJob(const Model& model, int min_len, int max_len_b,
                               CompletionOrder& completions, int index) {
  DecodingOptions decoding;
  decoding.beam_size = 1;
  decoding.min_len = min_len;
  decoding.max_len_b = max_len_b;
  auto job = std::make_unique<Job>();
  job->sentence = *MakeTranslationJob(model, {4, 5, 6}, decoding, "s");
  job->length = 4;
  job->done = completions.Record(index);
  return job;
}

}  // namespace liteformer

#endif  // LITEFORMER_TESTS_SERVER_SCHEDULER_TEST_UTIL_H_
