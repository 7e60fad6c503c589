#include "engine/search/offline_decoding.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/search/decoding_batch.h"
#include "engine/util/status_macros.h"

namespace liteformer {
namespace {

constexpr int kEos = 2;
constexpr int kPad = 1;

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
    results.push_back(DecodeResult{std::move(sentence.hypotheses), sentence.macs});
  }
  return results;
}

}  // namespace

absl::Status CheckIds(const std::vector<int>& ids, int vocab, const std::string& what) {
  for (int id : ids) {
    if (id < 0 || id >= vocab) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": id ", id, " outside the vocabulary [0, ", vocab, ")"));
    }
    if (id == kPad || id == kEos) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": id ", id, " (",
                                                     id == kPad ? "<pad>" : "</s>",
                                                     ") may not appear inside a sentence"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<DecodeResult>> Translate(ComputeContext& ctx, const Model& model,
                                                    const std::vector<std::vector<int>>& sources,
                                                    const DecodingOptions& options) {
  if (!model.is_encoder_decoder()) {
    return absl::InvalidArgumentError("translation needs an encoder-decoder model");
  }
  RETURN_IF_ERROR(options.Validate());
  const ModelConfig& config = model.config();
  std::vector<SentenceJob> jobs;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const std::string label = Label("source", i, sources.size());
    RETURN_IF_ERROR(CheckIds(sources[i], config.vocab.source_size, label));
    SentenceJob job;
    job.id = i;
    job.source = sources[i];
    job.source.push_back(kEos);
    if (static_cast<int>(job.source.size()) > config.max_source_positions) {
      return absl::InvalidArgumentError(absl::StrCat(
          label, ": ", job.source.size(), " tokens with </s> exceed max_source_positions ",
          config.max_source_positions));
    }
    const int max_len =
        MaxLenForSource(static_cast<int>(job.source.size()), options, config.max_target_positions);
    job.history = {kEos};
    job.search = MakeSentenceSearch(options, job.history, max_len);
    jobs.push_back(std::move(job));
  }
  ASSIGN_OR_RETURN(std::vector<FinishedSentence> finished, Run(ctx, model, std::move(jobs)));
  return ToDecodeResults(std::move(finished));
}

absl::StatusOr<std::vector<DecodeResult>> Generate(ComputeContext& ctx, const Model& model,
                                                   const std::vector<std::vector<int>>& prompts,
                                                   const DecodingOptions& options) {
  if (model.is_encoder_decoder()) {
    return absl::InvalidArgumentError("generation needs a language model");
  }
  RETURN_IF_ERROR(options.Validate());
  if (options.max_tokens < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_tokens = ", options.max_tokens, ": must be ≥ 1"));
  }
  const ModelConfig& config = model.config();
  std::vector<SentenceJob> jobs;
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const std::string label = Label("prompt", i, prompts.size());
    RETURN_IF_ERROR(CheckIds(prompts[i], config.vocab.target_size, label));
    // Prompt and generated tokens (with </s>) stay within the positions.
    const int max_len = std::min(
        options.max_tokens, config.max_target_positions - 1 - static_cast<int>(prompts[i].size()));
    if (max_len < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          label, ": ", prompts[i].size(), " tokens leave no room within max_target_positions ",
          config.max_target_positions));
    }
    SentenceJob job;
    job.id = i;
    job.history = {kEos};
    job.history.insert(job.history.end(), prompts[i].begin(), prompts[i].end());
    job.search = MakeSentenceSearch(options, job.history, max_len);
    jobs.push_back(std::move(job));
  }
  ASSIGN_OR_RETURN(std::vector<FinishedSentence> finished, Run(ctx, model, std::move(jobs)));
  return ToDecodeResults(std::move(finished));
}

absl::StatusOr<std::vector<ScoreResult>> Score(
    ComputeContext& ctx, const Model& model,
    const std::vector<std::pair<std::vector<int>, std::vector<int>>>& pairs) {
  const ModelConfig& config = model.config();
  std::vector<SentenceJob> jobs;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const auto& [source, target] = pairs[i];
    const std::string label = Label("pair", i, pairs.size());
    RETURN_IF_ERROR(CheckIds(target, config.vocab.target_size, label + " target"));
    if (target.size() + 1 > static_cast<std::size_t>(config.max_target_positions)) {
      return absl::InvalidArgumentError(absl::StrCat(
          label, " target: ", target.size() + 1, " tokens with </s> exceed max_target_positions ",
          config.max_target_positions));
    }
    SentenceJob job;
    job.id = i;
    if (model.is_encoder_decoder()) {
      if (source.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(label, ": an empty source"));
      }
      RETURN_IF_ERROR(CheckIds(source, config.vocab.source_size, label + " source"));
      if (source.size() + 1 > static_cast<std::size_t>(config.max_source_positions)) {
        return absl::InvalidArgumentError(absl::StrCat(
            label, " source: ", source.size() + 1, " tokens with </s> exceed max_source_positions ",
            config.max_source_positions));
      }
      job.source = source;
      job.source.push_back(kEos);
    } else if (!source.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(label, ": a language model scores a text alone, without a source"));
    }
    job.history = {kEos};
    std::vector<int> targets = target;
    targets.push_back(kEos);
    job.search = MakeScoringSearch(std::move(targets));
    jobs.push_back(std::move(job));
  }
  ASSIGN_OR_RETURN(std::vector<FinishedSentence> finished, Run(ctx, model, std::move(jobs)));
  std::vector<ScoreResult> results;
  for (FinishedSentence& sentence : finished) {
    ScoreResult result;
    result.token_scores = std::move(sentence.hypotheses.front().token_scores);
    result.num_tokens = static_cast<int>(result.token_scores.size());
    for (float value : result.token_scores) result.log_prob += value;
    result.perplexity = std::exp(-result.log_prob / result.num_tokens);
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace liteformer
