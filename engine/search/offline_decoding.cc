#include "engine/search/offline_decoding.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/search/decoding_batch.h"
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
    results.push_back(
        DecodeResult{std::move(sentence.hypotheses), sentence.macs, sentence.non_finite});
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
    const std::vector<std::pair<std::vector<int>, std::vector<int>>>& pairs) {
  std::vector<SentenceJob> jobs;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    ASSIGN_OR_RETURN(SentenceJob job, MakeScoringJob(model, pairs[i].first, pairs[i].second,
                                                     Label("pair", i, pairs.size())));
    job.id = i;
    jobs.push_back(std::move(job));
  }
  ASSIGN_OR_RETURN(std::vector<FinishedSentence> finished, Run(ctx, model, std::move(jobs)));
  std::vector<ScoreResult> results;
  for (FinishedSentence& sentence : finished) results.push_back(ToScoreResult(sentence));
  return results;
}

ScoreResult ToScoreResult(FinishedSentence& sentence) {
  ScoreResult result;
  result.token_scores = std::move(sentence.hypotheses.front().token_scores);
  result.num_tokens = static_cast<int>(result.token_scores.size());
  for (float value : result.token_scores) result.log_prob += value;
  result.perplexity = std::exp(-result.log_prob / result.num_tokens);
  return result;
}

}  // namespace liteformer
