#include "engine/search/sentence_jobs.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/search/score_windows.h"
#include "engine/search/sentence_search.h"
#include "engine/util/status_macros.h"

namespace liteformer {
namespace {

constexpr int kEos = 2;
constexpr int kPad = 1;

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

absl::StatusOr<SentenceJob> MakeTranslationJob(const Model& model, const std::vector<int>& source,
                                               const DecodingOptions& options,
                                               const std::string& label) {
  if (!model.is_encoder_decoder()) {
    return absl::InvalidArgumentError("translation needs an encoder-decoder model");
  }
  const ModelConfig& config = model.config();
  RETURN_IF_ERROR(CheckIds(source, config.vocab.source_size, label));
  SentenceJob job;
  job.source = source;
  job.source.push_back(kEos);
  if (static_cast<int>(job.source.size()) > config.max_source_positions) {
    return absl::InvalidArgumentError(absl::StrCat(label, ": ", job.source.size(),
                                                   " tokens with </s> exceed max_source_positions ",
                                                   config.max_source_positions));
  }
  const int max_len =
      MaxLenForSource(static_cast<int>(job.source.size()), options, config.max_target_positions);
  job.history = {kEos};
  job.search = MakeSentenceSearch(options, job.history, max_len);
  return job;
}

int PromptTokensToDrop(const Model& model, int prompt_tokens, const DecodingOptions& options) {
  const int room = std::max(0, model.config().max_target_positions - 1 - options.max_tokens);
  return std::max(0, prompt_tokens - room);
}

absl::StatusOr<SentenceJob> MakeGenerationJob(const Model& model, const std::vector<int>& prompt,
                                              const DecodingOptions& options,
                                              const std::string& label) {
  if (model.is_encoder_decoder()) {
    return absl::InvalidArgumentError("generation needs a language model");
  }
  if (options.max_tokens < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_tokens = ", options.max_tokens, ": must be ≥ 1"));
  }
  const ModelConfig& config = model.config();
  RETURN_IF_ERROR(CheckIds(prompt, config.vocab.target_size, label));
  const int dropped = PromptTokensToDrop(model, static_cast<int>(prompt.size()), options);
  const int kept = static_cast<int>(prompt.size()) - dropped;
  // Prompt and generated tokens (with </s>) stay within the positions; a
  // max_tokens beyond them (the server refuses one) is cut to what fits.
  const int max_len = std::min(options.max_tokens, config.max_target_positions - 1 - kept);
  SentenceJob job;
  job.history = {kEos};
  job.history.insert(job.history.end(), prompt.begin() + dropped, prompt.end());
  job.dropped_prompt_tokens = dropped;
  job.search = MakeSentenceSearch(options, job.history, max_len);
  return job;
}

absl::StatusOr<SentenceJob> MakeScoringJob(const Model& model, const std::vector<int>& source,
                                           const std::vector<int>& target,
                                           const std::string& label) {
  const ModelConfig& config = model.config();
  RETURN_IF_ERROR(CheckIds(target, config.vocab.target_size, label + " target"));
  if (target.size() + 1 > static_cast<std::size_t>(config.max_target_positions)) {
    return absl::InvalidArgumentError(absl::StrCat(label, " target: ", target.size() + 1,
                                                   " tokens with </s> exceed max_target_positions ",
                                                   config.max_target_positions));
  }
  SentenceJob job;
  if (model.is_encoder_decoder()) {
    if (source.empty()) return absl::InvalidArgumentError(absl::StrCat(label, ": an empty source"));
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
  return job;
}

absl::StatusOr<std::vector<WindowJob>> MakeWindowedScoringJobs(const Model& model,
                                                               const std::vector<int>& text,
                                                               int context_window,
                                                               const std::string& label) {
  if (model.is_encoder_decoder()) {
    return absl::InvalidArgumentError(
        absl::StrCat(label, ": windowed scoring needs a language model"));
  }
  const ModelConfig& config = model.config();
  RETURN_IF_ERROR(CheckIds(text, config.vocab.target_size, label + " target"));
  RETURN_IF_ERROR(
      CheckContextWindow(context_window, config.max_target_positions, "context_window"));
  // inputs[j] predicts targets[j] (score_windows.h).
  std::vector<int> inputs = {kEos};
  inputs.insert(inputs.end(), text.begin(), text.end());
  std::vector<int> targets = text;
  targets.push_back(kEos);
  std::vector<WindowJob> jobs;
  for (const ScoreWindow& window : ScoreWindows(static_cast<int>(targets.size()),
                                                config.max_target_positions, context_window)) {
    WindowJob& made = jobs.emplace_back();
    // The context and the input that predicts the window's first target are
    // fed before the search's first step, as a prompt is.
    made.job.history.assign(inputs.begin() + window.input_begin,
                            inputs.begin() + window.target_begin + 1);
    made.job.search = MakeScoringSearch(std::vector<int>(targets.begin() + window.target_begin,
                                                         targets.begin() + window.target_end));
    made.length = window.length();
  }
  return jobs;
}

absl::Status FinishedSentenceStatus(const std::vector<Hypothesis>& hypotheses, bool non_finite,
                                    absl::string_view model_name) {
  for (const Hypothesis& h : hypotheses) {
    non_finite = non_finite || !std::isfinite(h.score);
    for (float score : h.token_scores) non_finite = non_finite || !std::isfinite(score);
  }
  if (non_finite) {
    return absl::InternalError(absl::StrCat("model '", model_name,
                                            "' computed a non-finite log-probability; its "
                                            "weights or config are broken"));
  }
  if (hypotheses.empty()) return NoHypothesisError();
  return absl::OkStatus();
}

absl::Status NoHypothesisError() {
  return absl::InvalidArgumentError(
      "no hypothesis: the decoding options (min_length, no_repeat_ngram_size, max_length) "
      "ruled out every continuation");
}

}  // namespace liteformer
