// The one place that turns a sentence's ids into a SentenceJob for each kind
// of work (translate/summarize, generate, score), checking the ids and the
// model's position limits. Offline decoding and the server both build their
// jobs here, so a sentence is decoded the same way whichever path it takes.
#ifndef LITEFORMER_ENGINE_SEARCH_SENTENCE_JOBS_H_
#define LITEFORMER_ENGINE_SEARCH_SENTENCE_JOBS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/models/model.h"
#include "engine/search/decoding_batch.h"
#include "engine/search/decoding_options.h"

namespace liteformer {

// Checks ids of one sentence: inside the vocabulary, no <pad> or </s>.
absl::Status CheckIds(const std::vector<int>& ids, int vocab, const std::string& what);

// `source`: ids WITHOUT the final </s>. `label` names the sentence in errors.
// `options` must be valid (DecodingOptions::Validate).
absl::StatusOr<SentenceJob> MakeTranslationJob(const Model& model, const std::vector<int>& source,
                                               const DecodingOptions& options,
                                               const std::string& label);

// How many of a prompt's first tokens a generation drops: the leading </s>,
// the prompt and the options.max_tokens new tokens must fit the positions, so
// a longer prompt keeps only its last max_target_positions − 1 − max_tokens
// tokens as context (the whole budget stays available). 0 when it fits.
int PromptTokensToDrop(const Model& model, int prompt_tokens, const DecodingOptions& options);

// Continues `prompt` (ids, no </s>) with at most options.max_tokens tokens,
// after dropping its first PromptTokensToDrop tokens (job.dropped_prompt_tokens).
absl::StatusOr<SentenceJob> MakeGenerationJob(const Model& model, const std::vector<int>& prompt,
                                              const DecodingOptions& options,
                                              const std::string& label);

// Teacher-forced scoring of `target` (+ </s>) given `source` (empty for a
// language model); ids without </s>.
absl::StatusOr<SentenceJob> MakeScoringJob(const Model& model, const std::vector<int>& source,
                                           const std::vector<int>& target,
                                           const std::string& label);

// A scoring job of one window of a language model's text, and the positions
// it uses (its batching length).
struct WindowJob {
  SentenceJob job;
  int length = 0;
};

// Teacher-forced scoring of a language model's `text` (ids without </s>;
// </s> is appended and scored) in the windows of score_windows.h: one job per
// window, in order; their token scores, concatenated, score every target
// once. A text that fits the positions is one job, the same as
// MakeScoringJob's. `context_window` must be in [0, max_target_positions).
absl::StatusOr<std::vector<WindowJob>> MakeWindowedScoringJobs(const Model& model,
                                                               const std::vector<int>& text,
                                                               int context_window,
                                                               const std::string& label);

// What a search that ended without any hypothesis answers: its options
// (min_len with no_repeat_ngram_size on a small vocabulary, say) banned every
// continuation. The same for the server and liteformer-run.
absl::Status NoHypothesisError();

// Why a finished sentence has no usable result, or OK. A NaN or infinite
// log-prob (in a step's outputs, which stops the search, or in a result) is
// the model's fault: INTERNAL, naming `model_name`; weights are checked
// finite at load, so this is an overflow inside the model. An empty result
// with finite outputs is NoHypothesisError(), the options' doing.
absl::Status FinishedSentenceStatus(const std::vector<Hypothesis>& hypotheses, bool non_finite,
                                    absl::string_view model_name);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_SEARCH_SENTENCE_JOBS_H_
