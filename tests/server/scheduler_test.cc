// The scheduler over the real engine and a fixture model: results equal to
// offline decoding whatever the batching, the queue bound, deadlines,
// cancellation, draining, and short sentences overtaking a long one.
#include "server/scheduler/scheduler.h"

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "engine/search/offline_decoding.h"
#include "engine/search/sentence_jobs.h"
#include "gtest/gtest.h"
#include "server/scheduler/retry_hint.h"
#include "tests/server/scheduler_test_util.h"

namespace liteformer {
namespace {

struct Outcome {
  absl::StatusOr<FinishedSentence> result = absl::UnknownError("not done");
  JobTimes times;
  int order = -1;  // Completion order.
};

class SchedulerTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::shared_ptr<const Model>> model =
        Model::Load(std::string(LITEFORMER_TEST_DATA_DIR) + "/lsra_dynamic_shared");
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = *model;
    options_.beam_size = 4;
  }

  // A source of `length` ids (deterministic, inside the vocabulary).
  std::vector<int> Source(int length, int salt) const {
    std::vector<int> ids;
    for (int i = 0; i < length; ++i) ids.push_back(4 + (i * 7 + salt * 13) % 36);
    return ids;
  }

  std::unique_ptr<Job> MakeJob(const std::vector<int>& source, int index,
                               const DecodingOptions& options) {
    absl::StatusOr<SentenceJob> sentence = MakeTranslationJob(*model_, source, options, "source");
    EXPECT_TRUE(sentence.ok()) << sentence.status();
    auto job = std::make_unique<Job>();
    job->sentence = *std::move(sentence);
    job->length = static_cast<int>(source.size()) + 1;
    job->done = [this, index](absl::StatusOr<FinishedSentence> result, const JobTimes& times) {
      std::lock_guard<std::mutex> lock(mu_);
      Outcome& outcome = outcomes_[index];
      outcome.result = std::move(result);
      outcome.times = times;
      outcome.order = completed_++;
      if (completed_ == expected_) all_done_.set_value();
    };
    return job;
  }

  void Expect(int count) {
    expected_ = count;
    all_done_ = std::promise<void>();
  }
  void WaitAll() {
    ASSERT_EQ(all_done_.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready);
  }

  SchedulerOptions SchedulerOptionsFor(bool step_level) const {
    SchedulerOptions options;
    options.step_level = step_level;
    options.max_batch_size = 4;
    options.max_batch_tokens = 400;
    options.max_queue_size = 64;
    options.workers = 1;
    options.threads_per_worker = 1;
    return options;
  }

  std::shared_ptr<const Model> model_;
  DecodingOptions options_;
  std::mutex mu_;
  std::map<int, Outcome> outcomes_;
  int completed_ = 0;
  int expected_ = 0;
  std::promise<void> all_done_;
};

TEST_P(SchedulerTest, ResultsEqualOfflineDecodingWhateverTheBatch) {
  Scheduler scheduler(model_, SchedulerOptionsFor(GetParam()));
  std::vector<std::vector<int>> sources;
  for (int i = 0; i < 24; ++i) sources.push_back(Source(2 + (i * 5) % 17, i));
  Expect(static_cast<int>(sources.size()));
  // Submitted in small groups, so batches form and re-form as work arrives;
  // of every class and from two clients, so batches are also set aside for
  // others and resumed.
  for (std::size_t i = 0; i < sources.size(); i += 3) {
    std::vector<std::unique_ptr<Job>> jobs;
    for (std::size_t j = i; j < std::min(i + 3, sources.size()); ++j) {
      jobs.push_back(MakeJob(sources[j], static_cast<int>(j), options_));
      jobs.back()->priority = kPriorities[(i / 3) % kPriorityClasses];
      jobs.back()->client = (i / 3) % 2 == 0 ? "a" : "b";
    }
    ASSERT_TRUE(scheduler.Submit(jobs).ok());
  }
  WaitAll();
  ComputeContext ctx(1);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    absl::StatusOr<std::vector<DecodeResult>> alone =
        Translate(ctx, *model_, {sources[i]}, options_);
    ASSERT_TRUE(alone.ok());
    const Outcome& outcome = outcomes_[static_cast<int>(i)];
    ASSERT_TRUE(outcome.result.ok()) << outcome.result.status();
    const Hypothesis& expected = alone->front().hypotheses.front();
    const Hypothesis& got = outcome.result->hypotheses.front();
    EXPECT_EQ(got.tokens, expected.tokens) << "sentence " << i;
    EXPECT_NEAR(got.score, expected.score, 1e-5) << "sentence " << i;
    EXPECT_EQ(outcome.result->macs, alone->front().macs) << "sentence " << i;
  }
}

TEST_P(SchedulerTest, FullQueueRefusesAllOrNothing) {
  SchedulerOptions options = SchedulerOptionsFor(GetParam());
  options.max_queue_size = 3;
  options.workers = 0;  // Nothing is taken from the queue.
  Scheduler scheduler(model_, options);
  std::vector<std::unique_ptr<Job>> jobs;
  for (int i = 0; i < 2; ++i) jobs.push_back(MakeJob(Source(5, i), i, options_));
  ASSERT_TRUE(scheduler.Submit(jobs).ok());
  for (int i = 2; i < 4; ++i) jobs.push_back(MakeJob(Source(5, i), i, options_));
  const absl::Status full = scheduler.Submit(jobs);
  EXPECT_EQ(full.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(full.message().find("queue"), std::string::npos) << full;
  EXPECT_EQ(jobs.size(), 2u) << "refused jobs stay with the caller";
  EXPECT_EQ(scheduler.queue_depth(), 2);
  Expect(2);
  scheduler.Drain(absl::ZeroDuration());  // No worker: the grace runs out at once.
  WaitAll();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(outcomes_[i].result.status().code(), absl::StatusCode::kUnavailable);
  }
  std::vector<std::unique_ptr<Job>> late;
  late.push_back(MakeJob(Source(5, 9), 9, options_));
  EXPECT_EQ(scheduler.Submit(late).code(), absl::StatusCode::kUnavailable);
}

// Admission by expected wait: once the workers' rate is measured, a request
// is refused when the queued work ahead would take longer than
// max_queue_wait, or than its deadline leaves.
class AdmissionTest : public SchedulerTest {
 protected:
  // `count` jobs of ~40 steps each whose completions are only counted.
  std::vector<std::unique_ptr<Job>> CountedJobs(int count, std::shared_ptr<std::atomic<int>> done) {
    DecodingOptions steady = options_;
    steady.max_len_a = 0;
    steady.max_len_b = 60;
    steady.min_len = 40;
    std::vector<std::unique_ptr<Job>> jobs;
    for (int i = 0; i < count; ++i) {
      jobs.push_back(MakeJob(Source(8, i), 1000 + i, steady));
      jobs.back()->done = [done](absl::StatusOr<FinishedSentence>, const JobTimes&) { ++*done; };
    }
    return jobs;
  }

  // Runs work until the scheduler has measured its rate, and leaves work
  // queued (so expected_wait() > 0). Returns false if it never did.
  bool MeasureRateAndFillQueue(Scheduler& scheduler) {
    auto done = std::make_shared<std::atomic<int>>(0);
    int submitted = 0;
    for (int round = 0; round < 40; ++round) {
      std::vector<std::unique_ptr<Job>> jobs = CountedJobs(24, done);
      // An empty queue takes anything, and the rounds wait for an empty queue.
      if (!scheduler.Submit(jobs).ok()) return false;
      submitted += 24;
      if (scheduler.expected_wait() > absl::ZeroDuration()) return true;
      while (done->load() < submitted) absl::SleepFor(absl::Milliseconds(1));
    }
    return false;
  }
};

TEST_P(AdmissionTest, ARequestOverMaxQueueWaitIsRefused) {
  prometheus::Counter refused_queue_wait;
  prometheus::Gauge expected_wait;
  SchedulerMetrics metrics;
  metrics.refused_queue_wait = &refused_queue_wait;
  metrics.expected_wait = &expected_wait;
  SchedulerOptions options = SchedulerOptionsFor(GetParam());
  options.max_batch_size = 1;  // The rounds' jobs queue behind one another.
  options.max_queue_size = 1024;
  options.max_queue_wait = absl::Microseconds(1);
  Scheduler scheduler(model_, options, metrics);
  ASSERT_TRUE(MeasureRateAndFillQueue(scheduler));
  EXPECT_GT(metrics.expected_wait->Value(), 0);

  auto done = std::make_shared<std::atomic<int>>(0);
  std::vector<std::unique_ptr<Job>> jobs = CountedJobs(1, done);
  const absl::Status refused = scheduler.Submit(jobs);
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(refused.message().find("overloaded"), std::string::npos) << refused;
  EXPECT_NE(refused.message().find("max_queue_wait_ms"), std::string::npos) << refused;
  EXPECT_EQ(jobs.size(), 1u) << "a refused job stays with the caller";
  EXPECT_EQ(metrics.refused_queue_wait->Value(), 1);
  // The client is told when the queue will have drained to the bound.
  ASSERT_TRUE(RetryAfter(refused).has_value());
  EXPECT_GE(*RetryAfter(refused), absl::Milliseconds(50));
}

TEST_P(AdmissionTest, ARequestThatCannotMeetItsDeadlineIsRefused) {
  prometheus::Counter refused_deadline;
  SchedulerMetrics metrics;
  metrics.refused_deadline = &refused_deadline;
  SchedulerOptions options = SchedulerOptionsFor(GetParam());
  options.max_batch_size = 1;
  options.max_queue_size = 1024;
  options.max_queue_wait = absl::Hours(1);  // Only the deadline decides.
  Scheduler scheduler(model_, options, metrics);
  ASSERT_TRUE(MeasureRateAndFillQueue(scheduler));

  auto done = std::make_shared<std::atomic<int>>(0);
  std::vector<std::unique_ptr<Job>> jobs = CountedJobs(2, done);
  jobs[1]->deadline = absl::Now() + absl::Microseconds(10);  // One job's deadline rules.
  const absl::Status refused = scheduler.Submit(jobs);
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(refused.message().find("deadline"), std::string::npos) << refused;
  EXPECT_EQ(jobs.size(), 2u);
  EXPECT_EQ(metrics.refused_deadline->Value(), 1);
  // Retrying cannot help: gRPC's retries keep the call's deadline.
  EXPECT_EQ(RetryAfter(refused), absl::Milliseconds(-1));

  // Without a deadline, or with room in it, the same work is admitted.
  jobs[1]->deadline = absl::Now() + absl::Hours(1);
  EXPECT_TRUE(scheduler.Submit(jobs).ok());
}

TEST(RetryHintTest, RidesOnTheStatus) {
  absl::Status status = absl::UnavailableError("busy");
  EXPECT_FALSE(RetryAfter(status).has_value());
  SetRetryAfter(status, absl::Milliseconds(250));
  EXPECT_EQ(RetryAfter(status), absl::Milliseconds(250));
  EXPECT_EQ(status.message(), "busy");
  SetRetryAfter(status, absl::Seconds(-3));  // Any negative: never.
  EXPECT_EQ(RetryAfter(status), absl::Milliseconds(-1));
}

INSTANTIATE_TEST_SUITE_P(Batching, AdmissionTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "StepLevel" : "RequestLevel";
                         });

TEST(ThroughputEstimateTest, RatesDrainedWorkOverBackloggedTimeOnceAWindowIsFull) {
  ThroughputEstimate estimate;
  EXPECT_FALSE(estimate.known());
  estimate.RecordDrain(absl::Milliseconds(100), 50);  // Window not full yet.
  EXPECT_FALSE(estimate.known());
  estimate.RecordDrain(absl::Milliseconds(150), 0);  // Full: 50 work in 250 ms.
  ASSERT_TRUE(estimate.known());
  EXPECT_DOUBLE_EQ(estimate.work_per_second(), 200);
  // Time without drained work keeps the window open however long.
  estimate.RecordDrain(absl::Seconds(1), 0);
  EXPECT_DOUBLE_EQ(estimate.work_per_second(), 200);
  estimate.RecordDrain(absl::Milliseconds(250), 750);  // 750 / 1.25 s = 600.
  EXPECT_DOUBLE_EQ(estimate.work_per_second(), 200 + 0.3 * (600 - 200));
  // The batch size follows the steps.
  EXPECT_DOUBLE_EQ(estimate.mean_batch_size(), 1);
  for (int i = 0; i < 500; ++i) estimate.RecordBatch(16);
  EXPECT_NEAR(estimate.mean_batch_size(), 16, 0.01);
}

TEST_P(SchedulerTest, ExpiredAndCancelledJobsEndWithTheirStatus) {
  Scheduler scheduler(model_, SchedulerOptionsFor(GetParam()));
  DecodingOptions long_options = options_;
  long_options.max_len_a = 0;
  long_options.max_len_b = 1000;
  long_options.min_len = 900;  // Runs ~900 steps unless stopped.
  std::vector<std::unique_ptr<Job>> jobs;
  jobs.push_back(MakeJob(Source(5, 0), 0, long_options));
  jobs[0]->deadline = absl::Now() + absl::Milliseconds(50);
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  jobs.push_back(MakeJob(Source(6, 1), 1, long_options));
  jobs[1]->cancelled = [cancelled] { return cancelled->load(); };
  jobs.push_back(MakeJob(Source(7, 2), 2, options_));
  jobs[2]->deadline = absl::Now() - absl::Seconds(1);  // Already past.
  Expect(3);
  ASSERT_TRUE(scheduler.Submit(jobs).ok());
  absl::SleepFor(absl::Milliseconds(100));
  cancelled->store(true);
  WaitAll();
  EXPECT_EQ(outcomes_[0].result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(outcomes_[1].result.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(outcomes_[2].result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(outcomes_[2].result.status().message().find("before"), std::string::npos);
}

TEST_P(SchedulerTest, TheQueueGaugeDropsExpiredJobsWhileTheWorkerIsBusy) {
  prometheus::Gauge queue_depth;
  SchedulerMetrics metrics;
  metrics.queue_depth = &queue_depth;
  SchedulerOptions options = SchedulerOptionsFor(GetParam());
  options.max_batch_size = 1;  // The queued job cannot join the running one.
  Scheduler scheduler(model_, options, metrics);
  DecodingOptions long_options = options_;
  long_options.max_len_a = 0;
  long_options.max_len_b = 1000;
  long_options.min_len = 900;
  auto stop = std::make_shared<std::atomic<bool>>(false);
  std::vector<std::unique_ptr<Job>> jobs;
  jobs.push_back(MakeJob(Source(5, 0), 0, long_options));
  jobs[0]->cancelled = [stop] { return stop->load(); };
  Expect(2);
  ASSERT_TRUE(scheduler.Submit(jobs).ok());
  absl::SleepFor(absl::Milliseconds(50));  // The long job is running.
  std::vector<std::unique_ptr<Job>> queued;
  queued.push_back(MakeJob(Source(6, 1), 1, options_));
  queued[0]->deadline = absl::Now() + absl::Milliseconds(30);
  ASSERT_TRUE(scheduler.Submit(queued).ok());
  EXPECT_EQ(metrics.queue_depth->Value(), 1);
  // The worker, between its steps, drops the expired job: the gauge follows
  // at once, not at the next admission.
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (metrics.queue_depth->Value() != 0 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(metrics.queue_depth->Value(), 0);
  stop->store(true);
  WaitAll();
  EXPECT_EQ(outcomes_[1].result.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(JobStopReasonTest, ACancelAtTheDeadlineIsTheDeadline) {
  const absl::Time now = absl::Now();
  Job job;
  job.deadline = now + absl::Seconds(10);
  EXPECT_TRUE(JobStopReason(job, now).ok());
  auto cancelled = std::make_shared<std::atomic<bool>>(true);
  job.cancelled = [cancelled] { return cancelled->load(); };
  EXPECT_EQ(JobStopReason(job, now).code(), absl::StatusCode::kCancelled);
  // gRPC cancels a call at its deadline, the client's timer possibly a moment early.
  job.deadline = now + absl::Milliseconds(5);
  EXPECT_EQ(JobStopReason(job, now).code(), absl::StatusCode::kDeadlineExceeded);
  job.deadline = now - absl::Milliseconds(1);
  EXPECT_EQ(JobStopReason(job, now).code(), absl::StatusCode::kDeadlineExceeded);
  cancelled->store(false);
  EXPECT_EQ(JobStopReason(job, now).code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_P(SchedulerTest, DrainFinishesQueuedWork) {
  Scheduler scheduler(model_, SchedulerOptionsFor(GetParam()));
  std::vector<std::unique_ptr<Job>> jobs;
  for (int i = 0; i < 10; ++i) jobs.push_back(MakeJob(Source(3 + i, i), i, options_));
  Expect(10);
  ASSERT_TRUE(scheduler.Submit(jobs).ok());
  scheduler.Drain(absl::Seconds(60));
  WaitAll();
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(outcomes_[i].result.ok()) << i;
}

TEST_P(SchedulerTest, CallbacksThatThrowDoNotStopTheWorker) {
  Scheduler scheduler(model_, SchedulerOptionsFor(GetParam()));
  DecodingOptions greedy = options_;
  greedy.beam_size = 1;
  std::vector<std::unique_ptr<Job>> jobs;
  // A streaming job whose every token callback throws (a writer gone bad).
  jobs.push_back(MakeJob(Source(5, 0), 0, greedy));
  jobs[0]->sentence.stream_tokens = true;
  auto tokens_seen = std::make_shared<std::atomic<int>>(0);
  jobs[0]->on_token = [tokens_seen](int) {
    ++*tokens_seen;
    throw std::runtime_error("writing a token failed");
  };
  // A job whose answer callback throws after recording its outcome.
  jobs.push_back(MakeJob(Source(6, 1), 1, options_));
  jobs[1]->done = [record = std::move(jobs[1]->done)](absl::StatusOr<FinishedSentence> result,
                                                      const JobTimes& times) mutable {
    record(std::move(result), times);
    throw std::runtime_error("answering failed");
  };
  Expect(2);
  ASSERT_TRUE(scheduler.Submit(jobs).ok());
  WaitAll();
  ASSERT_TRUE(outcomes_[0].result.ok()) << outcomes_[0].result.status();
  // Every token but the final </s> was streamed, each despite the last throw.
  EXPECT_EQ(*tokens_seen,
            static_cast<int>(outcomes_[0].result->hypotheses.front().tokens.size()) - 1);
  EXPECT_TRUE(outcomes_[1].result.ok()) << outcomes_[1].result.status();
  // The worker still serves.
  Expect(3);
  jobs.push_back(MakeJob(Source(4, 2), 2, options_));
  ASSERT_TRUE(scheduler.Submit(jobs).ok());
  WaitAll();
  EXPECT_TRUE(outcomes_[2].result.ok()) << outcomes_[2].result.status();
}

// Step-level batching lets short sentences join and finish while a long one
// runs; request-level batching makes them wait for it.
TEST(SchedulerStepLevelTest, ShortSentencesOvertakeALongOne) {
  for (bool step_level : {true, false}) {
    SCOPED_TRACE(step_level ? "step-level" : "request-level");
    absl::StatusOr<std::shared_ptr<const Model>> model =
        Model::Load(std::string(LITEFORMER_TEST_DATA_DIR) + "/lsra_dynamic_shared");
    ASSERT_TRUE(model.ok());
    SchedulerOptions options;
    options.step_level = step_level;
    options.max_batch_size = 8;
    options.threads_per_worker = 1;
    Scheduler scheduler(*model, options);
    CompletionOrder completions(4);
    std::vector<std::unique_ptr<Job>> jobs;
    jobs.push_back(GreedyJob(**model, 600, 600, completions, 0));
    ASSERT_TRUE(scheduler.Submit(jobs).ok());
    absl::SleepFor(absl::Milliseconds(20));  // The long sentence is running.
    for (int i = 1; i <= 3; ++i) jobs.push_back(GreedyJob(**model, 1, 3, completions, i));
    ASSERT_TRUE(scheduler.Submit(jobs).ok());
    const std::vector<int> order = completions.Wait();
    ASSERT_EQ(order.size(), 4u);
    if (step_level) {
      EXPECT_EQ(order.back(), 0) << "the long sentence finishes last";
    } else {
      EXPECT_EQ(order.front(), 0) << "the short ones wait for the long batch";
    }
  }
}

// Sentences that arrive together while two workers are idle are decoded one
// per worker, not as one batch on one of them; a single worker batches them.
TEST(SchedulerSharingTest, IdleWorkersShareWhatArrivesTogether) {
  absl::StatusOr<std::shared_ptr<const Model>> model =
      Model::Load(std::string(LITEFORMER_TEST_DATA_DIR) + "/lsra_dynamic_shared");
  ASSERT_TRUE(model.ok());
  for (int workers : {2, 1}) {
    SCOPED_TRACE(workers == 2 ? "2 workers" : "1 worker");
    prometheus::Histogram batch_size({1, 2});
    SchedulerOptions options;
    options.max_batch_size = 8;
    options.workers = workers;
    options.threads_per_worker = 1;
    Scheduler scheduler(*model, options, {.batch_size = &batch_size});
    // Every worker waiting (threads may start late on a loaded machine).
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    while (scheduler.idle_workers() < workers && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    ASSERT_EQ(scheduler.idle_workers(), workers);
    CompletionOrder completions(2);
    std::vector<std::unique_ptr<Job>> jobs;
    for (int i = 0; i < 2; ++i) jobs.push_back(GreedyJob(**model, 50, 52, completions, i));
    ASSERT_TRUE(scheduler.Submit(jobs).ok());
    completions.Wait();
    // bucket[0]: the steps that decoded a single sentence.
    const prometheus::ClientMetric::Histogram steps = batch_size.Collect().histogram;
    const std::uint64_t alone = steps.bucket[0].cumulative_count;
    if (workers == 2) {
      EXPECT_EQ(alone, steps.sample_count) << "no step decoded both sentences";
    } else {
      EXPECT_LT(alone, steps.sample_count) << "one worker decodes both in one batch";
    }
  }
}

// A step holds at most max_batch_rows decoder rows (sentences x beam), so
// that a wide beam makes steps no longer than anyone else's; a sentence
// wider than the limit still runs, alone.
TEST(SchedulerRowsTest, ABatchHoldsAtMostMaxBatchRows) {
  absl::StatusOr<std::shared_ptr<const Model>> model =
      Model::Load(std::string(LITEFORMER_TEST_DATA_DIR) + "/lsra_dynamic_shared");
  ASSERT_TRUE(model.ok());
  for (bool step_level : {true, false}) {
    SCOPED_TRACE(step_level ? "step level" : "request level");
    prometheus::Histogram batch_size({1, 2});
    SchedulerOptions options;
    options.step_level = step_level;
    options.max_batch_size = 8;
    options.max_batch_rows = 32;
    options.threads_per_worker = 1;
    Scheduler scheduler(*model, options, {.batch_size = &batch_size});
    CompletionOrder completions(6);
    std::vector<std::unique_ptr<Job>> jobs;
    for (int i = 0; i < 6; ++i) {
      DecodingOptions decoding;
      decoding.beam_size = i < 5 ? 16 : 40;  // The last is wider than the limit.
      decoding.min_len = 20;
      decoding.max_len_b = 22;
      jobs.push_back(std::make_unique<Job>());
      jobs.back()->sentence = *MakeTranslationJob(**model, {4, 5, 6}, decoding, "s");
      jobs.back()->length = 4;
      jobs.back()->done = completions.Record(i);
    }
    ASSERT_TRUE(scheduler.Submit(jobs).ok());
    EXPECT_EQ(completions.Wait().size(), 6u);
    // bucket[1]: the steps of at most 2 sentences (2 x 16 rows).
    const prometheus::ClientMetric::Histogram steps = batch_size.Collect().histogram;
    EXPECT_EQ(steps.bucket[1].cumulative_count, steps.sample_count);
    EXPECT_GT(steps.sample_count - steps.bucket[0].cumulative_count, 0u) << "no step held two";
  }
}

// The oldest sentence is never passed over: when it does not fit the running
// batch's token budget, nothing else joins until it does.
TEST(SchedulerFairnessTest, ALongOldestSentenceIsNotPassedOver) {
  absl::StatusOr<std::shared_ptr<const Model>> model =
      Model::Load(std::string(LITEFORMER_TEST_DATA_DIR) + "/lsra_dynamic_shared");
  ASSERT_TRUE(model.ok());
  SchedulerOptions options;
  options.max_batch_size = 8;
  options.max_batch_tokens = 100;  // A 40-token source fits only alone.
  options.threads_per_worker = 1;
  Scheduler scheduler(*model, options);
  CompletionOrder completions(3);
  auto make = [&](int length, int min_len, int index) {
    DecodingOptions decoding;
    decoding.beam_size = 1;
    decoding.max_len_b = min_len + 2;
    decoding.min_len = min_len;
    std::vector<int> source(length - 1, 5);
    auto job = std::make_unique<Job>();
    job->sentence = *MakeTranslationJob(**model, source, decoding, "s");
    job->length = length;
    job->done = completions.Record(index);
    return job;
  };
  std::vector<std::unique_ptr<Job>> jobs;
  jobs.push_back(make(4, 200, 0));  // Runs a while.
  ASSERT_TRUE(scheduler.Submit(jobs).ok());
  absl::SleepFor(absl::Milliseconds(20));
  jobs.push_back(make(40, 1, 1));  // Does not fit beside job 0.
  jobs.push_back(make(4, 1, 2));   // Would fit, but job 1 is older.
  ASSERT_TRUE(scheduler.Submit(jobs).ok());
  EXPECT_EQ(completions.Wait(), (std::vector<int>{0, 1, 2}));
}

// A queued sentence joins a running batch only once it has waited
// join_delay; with no delay it joins at the next step.
TEST(SchedulerJoinDelayTest, AQueuedSentenceJoinsARunningBatchAfterTheDelay) {
  absl::StatusOr<std::shared_ptr<const Model>> model =
      Model::Load(std::string(LITEFORMER_TEST_DATA_DIR) + "/lsra_dynamic_shared");
  ASSERT_TRUE(model.ok());
  const absl::Duration kDelay = absl::Milliseconds(150);
  for (absl::Duration delay : {kDelay, absl::ZeroDuration()}) {
    SCOPED_TRACE(absl::StrCat("join_delay ", absl::FormatDuration(delay)));
    SchedulerOptions options;
    options.max_batch_size = 8;
    options.threads_per_worker = 1;
    options.join_delay = delay;
    Scheduler scheduler(*model, options);
    // A sentence that decodes until it is cancelled (up to 1000 beam-8 steps).
    DecodingOptions endless;
    endless.beam_size = 8;
    endless.min_len = 1000;
    endless.max_len_b = 1020;
    auto stop = std::make_shared<std::atomic<bool>>(false);
    std::promise<absl::Status> long_status;
    std::vector<std::unique_ptr<Job>> jobs;
    jobs.push_back(std::make_unique<Job>());
    jobs[0]->sentence = *MakeTranslationJob(**model, {4, 5, 6}, endless, "s");
    jobs[0]->length = 4;
    jobs[0]->cancelled = [stop] { return stop->load(); };
    jobs[0]->done = [&long_status](absl::StatusOr<FinishedSentence> result, const JobTimes&) {
      long_status.set_value(result.status());
    };
    ASSERT_TRUE(scheduler.Submit(jobs).ok());
    absl::SleepFor(absl::Milliseconds(20));  // The long sentence is running.
    DecodingOptions short_options;
    short_options.beam_size = 1;
    short_options.max_len_b = 3;
    std::promise<absl::Duration> short_queued;
    jobs.push_back(std::make_unique<Job>());
    jobs[0]->sentence = *MakeTranslationJob(**model, {7, 8}, short_options, "s");
    jobs[0]->length = 3;
    jobs[0]->done = [&short_queued](absl::StatusOr<FinishedSentence> result,
                                    const JobTimes& times) {
      EXPECT_TRUE(result.ok()) << result.status();
      short_queued.set_value(times.queued);
    };
    ASSERT_TRUE(scheduler.Submit(jobs).ok());
    std::future<absl::Duration> queued = short_queued.get_future();
    ASSERT_EQ(queued.wait_for(std::chrono::seconds(60)), std::future_status::ready);
    stop->store(true);
    std::future<absl::Status> status = long_status.get_future();
    ASSERT_EQ(status.wait_for(std::chrono::seconds(60)), std::future_status::ready);
    // Cancelled, not finished: the short sentence joined while it ran.
    EXPECT_EQ(status.get().code(), absl::StatusCode::kCancelled);
    if (delay > absl::ZeroDuration()) {
      EXPECT_GE(queued.get(), delay);
    } else {
      EXPECT_LT(queued.get(), kDelay);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Batching, SchedulerTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "StepLevel" : "RequestLevel";
                         });

}  // namespace
}  // namespace liteformer
