#include "engine/search/offline_decoding.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "engine/search/decoding_batch.h"
#include "engine/search/score_windows.h"
#include "engine/search/sentence_jobs.h"
#include "engine/util/status_macros.h"

namespace liteformer {
namespace {

std::string Label(const char* what, std::size_t index, std::size_t count) {
  return count == 1 ? std::string(what) : absl::StrCat(what, " ", index);
}

absl::StatusOr<std::vector<FinishedSentence>> Run(ComputeContext& ctx, const Model& model,
                                                  std::vector<SentenceJob> jobs) {
  const std::size_t count = jobs.size();
  try {
    DecodingBatch batch(model);
    batch.Add(ctx, std::move(jobs));
    while (!batch.empty()) batch.Step(ctx);
    std::vector<FinishedSentence> finished = batch.TakeFinished();
    std::vector<FinishedSentence> ordered(count);
    for (FinishedSentence& sentence : finished) ordered[sentence.id] = std::move(sentence);
    return ordered;
  } catch (const dnnl::error& e) {
    return absl::InternalError(absl::StrCat("oneDNN failed while decoding: ", e.what()));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("out of memory while decoding");
  }
}

std::vector<DecodeResult> ToDecodeResults(std::vector<FinishedSentence> finished) {
  std::vector<DecodeResult> results;
  for (FinishedSentence& sentence : finished) {
    results.push_back(DecodeResult{std::move(sentence.hypotheses), sentence.macs,
                                   sentence.non_finite, sentence.dropped_prompt_tokens});
  }
  return results;
}

}  // namespace

absl::StatusOr<std::vector<DecodeResult>> Translate(ComputeContext& ctx, const Model& model,
                                                    const std::vector<std::vector<int>>& sources,
                                                    const DecodingOptions& options) {
  RETURN_IF_ERROR(options.Validate());
  std::vector<SentenceJob> jobs;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    ASSIGN_OR_RETURN(SentenceJob job, MakeTranslationJob(model, sources[i], options,
                                                         Label("source", i, sources.size())));
    job.id = i;
    jobs.push_back(std::move(job));
  }
  ASSIGN_OR_RETURN(std::vector<FinishedSentence> finished, Run(ctx, model, std::move(jobs)));
  return ToDecodeResults(std::move(finished));
}

absl::StatusOr<std::vector<DecodeResult>> Generate(ComputeContext& ctx, const Model& model,
                                                   const std::vector<std::vector<int>>& prompts,
                                                   const DecodingOptions& options) {
  RETURN_IF_ERROR(options.Validate());
  std::vector<SentenceJob> jobs;
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    ASSIGN_OR_RETURN(SentenceJob job, MakeGenerationJob(model, prompts[i], options,
                                                        Label("prompt", i, prompts.size())));
    job.id = i;
    jobs.push_back(std::move(job));
  }
  ASSIGN_OR_RETURN(std::vector<FinishedSentence> finished, Run(ctx, model, std::move(jobs)));
  return ToDecodeResults(std::move(finished));
}

absl::StatusOr<std::vector<ScoreResult>> Score(
    ComputeContext& ctx, const Model& model,
    const std::vector<std::pair<std::vector<int>, std::vector<int>>>& pairs,
    std::optional<int> context_window) {
  const int context =
      context_window.value_or(DefaultContextWindow(model.config().max_target_positions));
  std::vector<SentenceJob> jobs;
  std::vector<std::size_t> first_job;  // Per pair: its first job; then the end.
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    first_job.push_back(jobs.size());
    const std::string label = Label("pair", i, pairs.size());
    if (model.is_encoder_decoder()) {
      ASSIGN_OR_RETURN(SentenceJob job,
                       MakeScoringJob(model, pairs[i].first, pairs[i].second, label));
      jobs.push_back(std::move(job));
      continue;
    }
    if (!pairs[i].first.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(label, ": a language model scores a text alone, without a source"));
    }
    ASSIGN_OR_RETURN(std::vector<WindowJob> windows,
                     MakeWindowedScoringJobs(model, pairs[i].second, context, label));
    for (WindowJob& window : windows) jobs.push_back(std::move(window.job));
  }
  first_job.push_back(jobs.size());
  // A long text at a large context window has thousands of windows: a bounded
  // number at a time bounds the decoder cache (results do not depend on it).
  constexpr std::size_t kMaxJobsAtOnce = 64;
  std::vector<FinishedSentence> finished;
  for (std::size_t begin = 0; begin < jobs.size(); begin += kMaxJobsAtOnce) {
    const std::size_t end = std::min(jobs.size(), begin + kMaxJobsAtOnce);
    std::vector<SentenceJob> chunk(std::make_move_iterator(jobs.begin() + begin),
                                   std::make_move_iterator(jobs.begin() + end));
    for (std::size_t j = 0; j < chunk.size(); ++j) chunk[j].id = j;
    ASSIGN_OR_RETURN(std::vector<FinishedSentence> part, Run(ctx, model, std::move(chunk)));
    for (FinishedSentence& sentence : part) finished.push_back(std::move(sentence));
  }
  std::vector<ScoreResult> results;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    std::vector<FinishedSentence> windows(
        std::make_move_iterator(finished.begin() + first_job[i]),
        std::make_move_iterator(finished.begin() + first_job[i + 1]));
    results.push_back(ToScoreResult(windows));
  }
  return results;
}

ScoreResult ToScoreResult(std::vector<FinishedSentence>& windows) {
  ScoreResult result;
  for (FinishedSentence& window : windows) {
    const std::vector<float>& scores = window.hypotheses.front().token_scores;
    result.token_scores.insert(result.token_scores.end(), scores.begin(), scores.end());
  }
  result.num_tokens = static_cast<int>(result.token_scores.size());
  for (float value : result.token_scores) result.log_prob += value;
  result.perplexity = std::exp(-result.log_prob / result.num_tokens);
  return result;
}

}  // namespace liteformer
