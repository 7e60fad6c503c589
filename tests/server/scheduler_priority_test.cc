// Priority classes and fair queuing in the scheduler, over the real engine:
// interactive work preempts a running batch, bulk work waits for the other
// classes, a big request of one client cannot hold the model for another,
// queue limits per class, and jobs of a batch set aside still end when
// cancelled. That results are the same whatever the class is
// scheduler_test's ResultsEqualOfflineDecodingWhateverTheBatch.
#include <atomic>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "server/scheduler/scheduler.h"
#include "tests/server/scheduler_test_util.h"

namespace liteformer {
namespace {

std::shared_ptr<const Model> FixtureModel() {
  absl::StatusOr<std::shared_ptr<const Model>> model =
      Model::Load(std::string(LITEFORMER_TEST_DATA_DIR) + "/lsra_dynamic_shared");
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? *model : nullptr;
}

SchedulerOptions OneWorker(bool step_level) {
  SchedulerOptions options;
  options.step_level = step_level;
  options.max_batch_size = 8;
  options.workers = 1;
  options.threads_per_worker = 1;
  return options;
}

std::unique_ptr<Job> WithClass(std::unique_ptr<Job> job, Priority priority,
                               const std::string& client = "") {
  job->priority = priority;
  job->client = client;
  return job;
}

// Counts the tokens `job` streams, so a test knows its batch is running.
std::shared_ptr<std::atomic<int>> CountTokens(Job& job) {
  auto tokens = std::make_shared<std::atomic<int>>(0);
  job.sentence.stream_tokens = true;
  job.on_token = [tokens](int) { ++*tokens; };
  return tokens;
}

// Until a few tokens have been counted (a loaded machine may start late).
void WaitForTokens(const std::atomic<int>& tokens) {
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (tokens.load() < 5 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_GE(tokens.load(), 5);
}

void SubmitOne(Scheduler& scheduler, std::unique_ptr<Job> job) {
  std::vector<std::unique_ptr<Job>> jobs;
  jobs.push_back(std::move(job));
  ASSERT_TRUE(scheduler.Submit(jobs).ok());
}

// An interactive sentence does not wait for a bulk batch, in either mode:
// the worker sets the batch aside between two steps. With one batch per
// worker (no preemption) request-level batching makes it wait.
TEST(SchedulerPriorityTest, InteractiveWorkPreemptsARunningBulkBatch) {
  std::shared_ptr<const Model> model = FixtureModel();
  ASSERT_NE(model, nullptr);
  for (bool step_level : {true, false}) {
    for (int held : {3, 1}) {
      SCOPED_TRACE(absl::StrCat(step_level ? "step-level" : "request-level", ", ", held,
                                " batches held"));
      SchedulerOptions options = OneWorker(step_level);
      options.max_held_batches = held;
      prometheus::Counter preempted;
      SchedulerMetrics metrics;
      metrics.preemptions[PriorityIndex(Priority::kInteractive)] = &preempted;
      Scheduler scheduler(model, options, metrics);
      CompletionOrder completions(3);
      std::vector<std::unique_ptr<Job>> bulk;
      for (int i = 0; i < 2; ++i) {
        bulk.push_back(WithClass(GreedyJob(*model, 400, 400, completions, i), Priority::kBulk));
      }
      std::shared_ptr<std::atomic<int>> running = CountTokens(*bulk.front());
      ASSERT_TRUE(scheduler.Submit(bulk).ok());
      WaitForTokens(*running);
      SubmitOne(scheduler,
                WithClass(GreedyJob(*model, 1, 3, completions, 2), Priority::kInteractive));
      const std::vector<int> order = completions.Wait();
      ASSERT_EQ(order.size(), 3u);
      if (held == 1 && !step_level) {
        EXPECT_EQ(order.back(), 2) << "without preemption it waits for the batch";
        EXPECT_EQ(preempted.Value(), 0);
      } else {
        EXPECT_EQ(order.front(), 2) << "the interactive sentence finishes first";
        EXPECT_EQ(preempted.Value(), held > 1 ? 1 : 0);
      }
    }
  }
}

// Bulk work queued before normal work still runs after it.
TEST(SchedulerPriorityTest, BulkWorkRunsOnWhatTheOtherClassesLeave) {
  std::shared_ptr<const Model> model = FixtureModel();
  ASSERT_NE(model, nullptr);
  Scheduler scheduler(model, OneWorker(/*step_level=*/false));
  CompletionOrder completions(3);
  std::unique_ptr<Job> first =
      WithClass(GreedyJob(*model, 200, 200, completions, 0), Priority::kNormal);
  std::shared_ptr<std::atomic<int>> running = CountTokens(*first);
  SubmitOne(scheduler, std::move(first));
  WaitForTokens(*running);
  SubmitOne(scheduler, WithClass(GreedyJob(*model, 1, 3, completions, 1), Priority::kBulk));
  SubmitOne(scheduler, WithClass(GreedyJob(*model, 1, 3, completions, 2), Priority::kNormal));
  EXPECT_EQ(completions.Wait(), (std::vector<int>{0, 2, 1}));
}

// A request that fills the batch with long sentences does not keep another
// client's short sentence waiting for them: the full batch is set aside.
// The same client's next request waits its turn.
TEST(SchedulerPriorityTest, ABigRequestDoesNotHoldTheModelForAnotherClient) {
  std::shared_ptr<const Model> model = FixtureModel();
  ASSERT_NE(model, nullptr);
  SchedulerOptions options = OneWorker(/*step_level=*/true);
  options.max_batch_size = 4;
  options.join_delay = absl::ZeroDuration();
  prometheus::Counter preempted;
  SchedulerMetrics metrics;
  metrics.preemptions[PriorityIndex(Priority::kNormal)] = &preempted;
  Scheduler scheduler(model, options, metrics);
  CompletionOrder completions(10);
  std::vector<std::unique_ptr<Job>> big;
  for (int i = 0; i < 8; ++i) {
    big.push_back(WithClass(GreedyJob(*model, 300, 300, completions, i), Priority::kNormal, "a"));
  }
  std::shared_ptr<std::atomic<int>> running = CountTokens(*big.front());
  ASSERT_TRUE(scheduler.Submit(big).ok());
  WaitForTokens(*running);  // Four of them are running.
  SubmitOne(scheduler,
            WithClass(GreedyJob(*model, 1, 3, completions, 8), Priority::kNormal, "a"));
  SubmitOne(scheduler,
            WithClass(GreedyJob(*model, 1, 3, completions, 9), Priority::kNormal, "b"));
  const std::vector<int> order = completions.Wait();
  ASSERT_EQ(order.size(), 10u);
  EXPECT_EQ(order.front(), 9) << "b's sentence goes first";
  EXPECT_EQ(preempted.Value(), 1);
  // a's own small request is not a reason to set a's batch aside: it joins
  // when one of a's sentences leaves the batch, before a's queued four.
  const auto position = [&](int index) {
    return std::find(order.begin(), order.end(), index) - order.begin();
  };
  EXPECT_GT(position(8), 1);
  for (int i = 4; i < 8; ++i) EXPECT_LT(position(8), position(i));
}

TEST(SchedulerPriorityTest, EachClassHasItsOwnQueueLimit) {
  std::shared_ptr<const Model> model = FixtureModel();
  ASSERT_NE(model, nullptr);
  SchedulerOptions options = OneWorker(/*step_level=*/true);
  options.classes[PriorityIndex(Priority::kBulk)].max_queue_size = 2;
  Scheduler scheduler(model, options);
  CompletionOrder completions(4);
  std::unique_ptr<Job> first =
      WithClass(GreedyJob(*model, 200, 200, completions, 0), Priority::kNormal);
  std::shared_ptr<std::atomic<int>> running = CountTokens(*first);
  SubmitOne(scheduler, std::move(first));
  WaitForTokens(*running);
  std::vector<std::unique_ptr<Job>> bulk;
  for (int i = 1; i <= 2; ++i) {
    bulk.push_back(WithClass(GreedyJob(*model, 1, 3, completions, i), Priority::kBulk));
  }
  ASSERT_TRUE(scheduler.Submit(bulk).ok());
  CompletionOrder never(1);
  std::vector<std::unique_ptr<Job>> more;
  more.push_back(WithClass(GreedyJob(*model, 1, 3, never, 0), Priority::kBulk));
  const absl::Status refused = scheduler.Submit(more);
  EXPECT_TRUE(absl::IsUnavailable(refused)) << refused;
  EXPECT_TRUE(absl::StrContains(refused.message(), "the bulk queue of model")) << refused;
  EXPECT_TRUE(absl::StrContains(refused.message(), "2 of 2 sentences")) << refused;
  SubmitOne(scheduler, WithClass(GreedyJob(*model, 1, 3, completions, 3), Priority::kNormal));
  EXPECT_EQ(completions.Wait().size(), 4u);
}

// A sentence of a batch set aside that is cancelled ends at once, not when
// its batch resumes.
TEST(SchedulerPriorityTest, ACancelledSentenceOfABatchSetAsideEndsAtOnce) {
  std::shared_ptr<const Model> model = FixtureModel();
  ASSERT_NE(model, nullptr);
  Scheduler scheduler(model, OneWorker(/*step_level=*/true));
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  CompletionOrder unused(0);  // Both jobs' `done` are replaced.
  std::promise<absl::Status> bulk_status;
  std::unique_ptr<Job> bulk = WithClass(GreedyJob(*model, 1000, 1000, unused, 0), Priority::kBulk);
  std::shared_ptr<std::atomic<int>> bulk_tokens = CountTokens(*bulk);
  bulk->cancelled = [cancelled] { return cancelled->load(); };
  bulk->done = [&bulk_status](absl::StatusOr<FinishedSentence> result, const JobTimes&) {
    bulk_status.set_value(result.status());
  };
  SubmitOne(scheduler, std::move(bulk));
  WaitForTokens(*bulk_tokens);
  std::atomic<bool> interactive_done = false;
  std::unique_ptr<Job> interactive =
      WithClass(GreedyJob(*model, 1000, 1000, unused, 1), Priority::kInteractive);
  std::shared_ptr<std::atomic<int>> interactive_tokens = CountTokens(*interactive);
  interactive->done = [&interactive_done](absl::StatusOr<FinishedSentence>, const JobTimes&) {
    interactive_done = true;
  };
  SubmitOne(scheduler, std::move(interactive));
  WaitForTokens(*interactive_tokens);  // The bulk batch is set aside.
  const int bulk_tokens_then = bulk_tokens->load();
  cancelled->store(true);
  std::future<absl::Status> status = bulk_status.get_future();
  ASSERT_EQ(status.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_TRUE(absl::IsCancelled(status.get()));
  EXPECT_FALSE(interactive_done.load()) << "the interactive sentence is still running";
  EXPECT_EQ(bulk_tokens->load(), bulk_tokens_then) << "the bulk batch stayed set aside";
  scheduler.Drain(absl::Seconds(60));
}

}  // namespace
}  // namespace liteformer
