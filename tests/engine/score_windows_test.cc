// Scoring a language model's text longer than its positions: how the text is
// cut into context windows (score_windows.h), the jobs each window becomes,
// and Score() over them on the fixture LMs. Parity with the reference's
// windows is tested through liteformer-run (tests/cli/).
#include "engine/search/score_windows.h"

#include <cmath>
#include <vector>

#include "engine/search/offline_decoding.h"
#include "engine/search/sentence_jobs.h"
#include "engine/tensor/compute_context.h"
#include "gtest/gtest.h"
#include "tests/engine/fixture.h"

namespace liteformer {
namespace {

using testing::Fixture;

TEST(ScoreWindowsTest, ATextThatFitsIsOneWindow) {
  EXPECT_EQ(ScoreWindows(12, 12, 6), (std::vector<ScoreWindow>{{0, 0, 12}}));
  EXPECT_EQ(ScoreWindows(1, 12, 0), (std::vector<ScoreWindow>{{0, 0, 1}}));
  EXPECT_TRUE(ScoreWindows(0, 12, 6).empty());
}

TEST(ScoreWindowsTest, LaterWindowsFeedTheContextThenNewTargets) {
  EXPECT_EQ(ScoreWindows(30, 12, 4),
            (std::vector<ScoreWindow>{{0, 0, 12}, {8, 12, 20}, {16, 20, 28}, {24, 28, 30}}));
  EXPECT_EQ(ScoreWindows(25, 12, 0),
            (std::vector<ScoreWindow>{{0, 0, 12}, {12, 12, 24}, {24, 24, 25}}));
  EXPECT_EQ(ScoreWindows(14, 12, 11),
            (std::vector<ScoreWindow>{{0, 0, 12}, {1, 12, 13}, {2, 13, 14}}));
}

TEST(ScoreWindowsTest, EveryTargetOnceWithinThePositions) {
  for (int context : {0, 1, 6, 11}) {
    for (int targets : {1, 11, 12, 13, 50, 97}) {
      int next = 0;
      for (const ScoreWindow& w : ScoreWindows(targets, 12, context)) {
        EXPECT_EQ(w.target_begin, next);
        EXPECT_LT(w.target_begin, w.target_end);
        EXPECT_LE(w.length(), 12);
        EXPECT_EQ(w.target_begin - w.input_begin, w.target_begin == 0 ? 0 : context);
        next = w.target_end;
      }
      EXPECT_EQ(next, targets) << "context " << context;
    }
  }
}

TEST(ScoreWindowsTest, ContextWindowRange) {
  EXPECT_EQ(DefaultContextWindow(128), 64);
  EXPECT_TRUE(CheckContextWindow(0, 128, "c").ok());
  EXPECT_TRUE(CheckContextWindow(127, 128, "c").ok());
  for (long bad : {-1L, 128L, 4294967295L}) {
    const absl::Status status = CheckContextWindow(bad, 128, "context_window");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(status.message(), "context_window = " + std::to_string(bad) +
                                    ": must be in [0, 127] (the model has 128 positions)");
  }
}

class WindowedScoringTest : public ::testing::TestWithParam<std::string> {};

std::vector<int> TextOf(int n, int vocab) {
  std::vector<int> ids;
  for (int i = 0; i < n; ++i) ids.push_back(4 + (i * 7) % (vocab - 4));
  return ids;
}

TEST_P(WindowedScoringTest, WindowJobsFeedTheirContextAndScoreTheirTargets) {
  auto fixture = Fixture::Load(GetParam());
  ASSERT_NE(fixture, nullptr);
  const Model& model = *fixture->model;
  const int positions = model.config().max_target_positions;
  const std::vector<int> text = TextOf(positions + 40, model.config().vocab.target_size);
  auto jobs = MakeWindowedScoringJobs(model, text, 30, "text");
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].job.history, std::vector<int>{2});  // </s> starts the text.
  EXPECT_EQ((*jobs)[0].length, positions);
  // The second window: 30 context inputs and the input before its first target.
  const std::vector<int> expected(text.begin() + positions - 1 - 30, text.begin() + positions);
  EXPECT_EQ((*jobs)[1].job.history, expected);
  EXPECT_EQ((*jobs)[1].length, 30 + 41);
}

TEST_P(WindowedScoringTest, ALongTextScoresEveryTokenOnceAndItsBeginningAsAShortText) {
  auto fixture = Fixture::Load(GetParam());
  ASSERT_NE(fixture, nullptr);
  const Model& model = *fixture->model;
  ComputeContext ctx(1);
  const int positions = model.config().max_target_positions;
  const std::vector<int> text = TextOf(positions + 300, model.config().vocab.target_size);
  const std::vector<int> head(text.begin(), text.begin() + positions - 1);
  for (int context : {0, 100, positions - 300}) {
    const auto results = Score(ctx, model, {{{}, text}, {{}, head}}, context);
    ASSERT_TRUE(results.ok()) << results.status();
    const ScoreResult& whole = (*results)[0];
    const ScoreResult& beginning = (*results)[1];
    ASSERT_EQ(whole.num_tokens, static_cast<int>(text.size()) + 1);
    ASSERT_EQ(beginning.num_tokens, positions);
    // The first window is the short text's scoring (its final </s> aside).
    for (int t = 0; t + 1 < positions; ++t) {
      EXPECT_EQ(whole.token_scores[t], beginning.token_scores[t]) << "token " << t;
    }
    double sum = 0.0;
    for (float value : whole.token_scores) {
      ASSERT_TRUE(std::isfinite(value));
      sum += value;
    }
    EXPECT_DOUBLE_EQ(whole.log_prob, sum);
    EXPECT_NEAR(whole.perplexity, std::exp(-sum / whole.num_tokens), 1e-9 * whole.perplexity);
  }
}

TEST_P(WindowedScoringTest, RefusesAContextWindowOutsideThePositions) {
  auto fixture = Fixture::Load(GetParam());
  ASSERT_NE(fixture, nullptr);
  const Model& model = *fixture->model;
  ComputeContext ctx(1);
  const int positions = model.config().max_target_positions;
  for (int bad : {-1, positions}) {
    const auto results = Score(ctx, model, {{{}, {5, 6}}}, bad);
    ASSERT_FALSE(results.ok());
    EXPECT_EQ(results.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(results.status().message()).find("context_window = "), std::string::npos)
        << results.status();
  }
}

INSTANTIATE_TEST_SUITE_P(LanguageModels, WindowedScoringTest,
                         ::testing::Values("lm_adaptive", "lm_tied"));

}  // namespace
}  // namespace liteformer
