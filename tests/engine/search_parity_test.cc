// The engine's search results equal the reference's on every fixture variant
// and option set (tokens identical, scores within 1e-4, MACs identical), and
// teacher-forced scores match.
#include <cmath>
#include <vector>

#include "engine/search/offline_decoding.h"
#include "engine/tensor/compute_context.h"
#include "gtest/gtest.h"
#include "tests/engine/fixture.h"

namespace liteformer {
namespace {

using testing::Fixture;

DecodingOptions OptionsFromJson(const nlohmann::json& spec) {
  DecodingOptions options;  // The reference's SearchOptions defaults.
  options.beam_size = spec.value("beam_size", 4);
  options.length_penalty = spec.value("length_penalty", 1.0f);
  options.max_len_a = spec.value("max_len_a", 0.0f);
  options.max_len_b = spec.value("max_len_b", 200);
  options.min_len = spec.value("min_len", 1);
  options.no_repeat_ngram_size = spec.value("no_repeat_ngram_size", 0);
  options.nbest = spec.value("nbest", 1);
  options.sampling = spec.value("sampling", false);
  options.top_k = spec.value("top_k", 0);
  options.top_p = spec.value("top_p", 1.0f);
  options.temperature = spec.value("temperature", 1.0f);
  options.seed = spec.value("seed", 0);
  options.max_tokens = spec.value("max_tokens", 50);
  return options;
}

std::vector<std::vector<int>> Ids(const nlohmann::json& list) {
  std::vector<std::vector<int>> ids;
  for (const auto& item : list) ids.push_back(item.get<std::vector<int>>());
  return ids;
}

class SearchParityTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SearchParityTest, EveryOptionSetMatchesReference) {
  auto fixture = Fixture::Load(GetParam());
  ASSERT_NE(fixture, nullptr);
  const Model& model = *fixture->model;
  ComputeContext ctx(1);
  const auto inputs = Ids(fixture->cases[model.is_encoder_decoder() ? "sources" : "prompts"]);
  for (const auto& search : fixture->cases["searches"]) {
    const DecodingOptions options = OptionsFromJson(search["options"]);
    const auto results = model.is_encoder_decoder() ? Translate(ctx, model, inputs, options)
                                                    : Generate(ctx, model, inputs, options);
    ASSERT_TRUE(results.ok()) << results.status();
    ASSERT_EQ(results->size(), inputs.size());
    for (std::size_t s = 0; s < inputs.size(); ++s) {
      const auto& expected = search["results"][s];
      const auto& got = (*results)[s].hypotheses;
      SCOPED_TRACE(::testing::Message()
                   << GetParam() << " options " << search["options"].dump() << " sentence " << s);
      ASSERT_EQ(got.size(), expected.size());
      for (std::size_t h = 0; h < got.size(); ++h) {
        EXPECT_EQ(got[h].tokens, expected[h]["tokens"].get<std::vector<int>>())
            << "hypothesis " << h;
        EXPECT_NEAR(got[h].score, expected[h]["score"].get<double>(), 1e-4) << "hypothesis " << h;
        const auto token_scores = expected[h]["token_scores"].get<std::vector<double>>();
        ASSERT_EQ(got[h].token_scores.size(), token_scores.size());
        for (std::size_t t = 0; t < token_scores.size(); ++t) {
          EXPECT_NEAR(got[h].token_scores[t], token_scores[t], 1e-4) << "token " << t;
        }
      }
      EXPECT_EQ((*results)[s].macs, search["macs"][s].get<long>());
    }
  }
}

TEST_P(SearchParityTest, TeacherForcedScoresMatchReference) {
  auto fixture = Fixture::Load(GetParam());
  ASSERT_NE(fixture, nullptr);
  const Model& model = *fixture->model;
  ComputeContext ctx(1);
  std::vector<std::pair<std::vector<int>, std::vector<int>>> pairs;
  const bool seq2seq = model.is_encoder_decoder();
  const auto targets = Ids(fixture->cases[seq2seq ? "targets" : "texts"]);
  for (std::size_t i = 0; i < targets.size(); ++i) {
    pairs.emplace_back(
        seq2seq ? fixture->cases["sources"][i].get<std::vector<int>>() : std::vector<int>{},
        targets[i]);
  }
  const auto results = Score(ctx, model, pairs);
  ASSERT_TRUE(results.ok()) << results.status();
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const auto& expected = fixture->cases["scores"][i];
    const auto& got = (*results)[i];
    EXPECT_EQ(got.num_tokens, expected["num_tokens"].get<int>());
    EXPECT_NEAR(got.log_prob, expected["log_prob"].get<double>(), 1e-4);
    EXPECT_NEAR(got.perplexity, expected["perplexity"].get<double>(),
                1e-4 * expected["perplexity"].get<double>());
  }
}

TEST_P(SearchParityTest, RefusesBadIdsWithTheirPosition) {
  auto fixture = Fixture::Load(GetParam());
  ASSERT_NE(fixture, nullptr);
  const Model& model = *fixture->model;
  ComputeContext ctx(1);
  const DecodingOptions options = DecodingOptions::FromDefaults(model.config().decoding);
  const int vocab = model.is_encoder_decoder() ? model.config().vocab.source_size
                                               : model.config().vocab.target_size;
  const std::vector<std::vector<int>> bad = {{5, 6}, {5, vocab}};
  auto run = [&](const std::vector<std::vector<int>>& inputs) {
    return model.is_encoder_decoder() ? Translate(ctx, model, inputs, options)
                                      : Generate(ctx, model, inputs, options);
  };
  auto result = run(bad);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(
      std::string(result.status().message()).find("1: id " + std::to_string(vocab) + " outside"),
      std::string::npos)
      << result.status();
  result = run({{7, 2, 7}});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(std::string(result.status().message()).find("(</s>) may not appear"),
            std::string::npos);
  DecodingOptions wrong = options;
  wrong.nbest = wrong.beam_size + 1;
  result = model.is_encoder_decoder() ? Translate(ctx, model, {{5}}, wrong)
                                      : Generate(ctx, model, {{5}}, wrong);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(std::string(result.status().message()).find("nbest"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(AllVariants, SearchParityTest,
                         ::testing::ValuesIn(testing::FixtureVariants()));

}  // namespace
}  // namespace liteformer
