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

// Continues `prompt` (ids, no </s>) with at most options.max_tokens tokens.
absl::StatusOr<SentenceJob> MakeGenerationJob(const Model& model, const std::vector<int>& prompt,
                                              const DecodingOptions& options,
                                              const std::string& label);

// Teacher-forced scoring of `target` (+ </s>) given `source` (empty for a
// language model); ids without </s>.
absl::StatusOr<SentenceJob> MakeScoringJob(const Model& model, const std::vector<int>& source,
                                           const std::vector<int>& target,
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
