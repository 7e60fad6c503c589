// Whole requests decoded at once on the caller's thread: translate or
// summarize sources, generate continuations of prompts, score targets. Input
// problems come back as INVALID_ARGUMENT naming the sentence and the problem;
// nothing here throws.
#ifndef LITEFORMER_ENGINE_SEARCH_OFFLINE_DECODING_H_
#define LITEFORMER_ENGINE_SEARCH_OFFLINE_DECODING_H_

#include <optional>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/models/model.h"
#include "engine/search/decoding_batch.h"
#include "engine/search/decoding_options.h"
#include "engine/search/hypothesis.h"
#include "engine/search/sentence_jobs.h"
#include "engine/tensor/compute_context.h"

namespace liteformer {

struct DecodeResult {
  std::vector<Hypothesis> hypotheses;  // nbest, best first.
  long macs = 0;
  bool non_finite = false;        // FinishedSentence::non_finite.
  int dropped_prompt_tokens = 0;  // Generate: FinishedSentence::dropped_prompt_tokens.
};

struct ScoreResult {
  std::vector<float> token_scores;  // One per target token, the final </s> included.
  double log_prob = 0.0;            // Their sum.
  int num_tokens = 0;
  double perplexity = 0.0;  // exp(−log_prob / num_tokens)
};

// The score of a text from its finished scoring searches, in order: one
// (MakeScoringJob) or one per window (MakeWindowedScoringJobs).
ScoreResult ToScoreResult(std::vector<FinishedSentence>& windows);

// Sources are ids WITHOUT the final </s>.
absl::StatusOr<std::vector<DecodeResult>> Translate(ComputeContext& ctx, const Model& model,
                                                    const std::vector<std::vector<int>>& sources,
                                                    const DecodingOptions& options);

// Generated tokens only (ending with </s>); options.max_tokens is the budget.
absl::StatusOr<std::vector<DecodeResult>> Generate(ComputeContext& ctx, const Model& model,
                                                   const std::vector<std::vector<int>>& prompts,
                                                   const DecodingOptions& options);

// pairs: (source, target) for an encoder-decoder model, (empty, text) for a
// language model; ids without </s>, which is appended and scored. A language
// model scores a text of any length in windows (score_windows.h) with
// `context_window` context tokens (unset: DefaultContextWindow); an
// encoder-decoder model's targets must fit its positions.
absl::StatusOr<std::vector<ScoreResult>> Score(
    ComputeContext& ctx, const Model& model,
    const std::vector<std::pair<std::vector<int>, std::vector<int>>>& pairs,
    std::optional<int> context_window = std::nullopt);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_SEARCH_OFFLINE_DECODING_H_
