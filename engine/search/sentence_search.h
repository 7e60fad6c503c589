// SentenceSearch: the search of ONE sentence, advanced one step at a time by
// whatever batch it is running in (DecodingBatch). Keeping each sentence's
// search separate is what lets sentences join and leave a running batch
// between steps (step-level batching) without changing their results.
//
// The rules (tie order, float32 arithmetic, bans, dead beams) are those of
// the reference, tools/liteformer_ref/search/*.py, whose docstrings are the
// specification; parity tests check the outputs are identical.
#ifndef LITEFORMER_ENGINE_SEARCH_SENTENCE_SEARCH_H_
#define LITEFORMER_ENGINE_SEARCH_SENTENCE_SEARCH_H_

#include <memory>
#include <span>
#include <vector>

#include "engine/search/decoding_options.h"
#include "engine/search/hypothesis.h"

namespace liteformer {

// For each decoder row of the next step: which of this sentence's current
// rows it continues, and the token it is fed.
struct RowChoice {
  int parent;
  int token;
};

class SentenceSearch {
 public:
  virtual ~SentenceSearch() = default;

  // Decoder rows this sentence occupies (constant for its lifetime).
  virtual int rows() const = 0;

  // log_probs: rows() × vocab log-probs of the step's outputs (may be
  // modified). `step` is the 0-based index of the token being generated.
  // Returns true when the sentence is finished; otherwise fills `next` with
  // rows() choices.
  virtual bool Advance(std::span<float> log_probs, int vocab, int step,
                       std::vector<RowChoice>& next) = 0;

  // The results, best first (valid once Advance returned true).
  virtual std::vector<Hypothesis> TakeResults() = 0;
};

struct SearchConstants {
  int eos = 2;
  int pad = 1;
};

// Beam search (beam_size > 1), greedy search (beam_size == 1) or sampling,
// as `options` say. `history` is the start </s> (and any prompt);
// `max_len` from MaxLenForSource (or the generation budget).
std::unique_ptr<SentenceSearch> MakeSentenceSearch(const DecodingOptions& options,
                                                   std::vector<int> history, int max_len,
                                                   SearchConstants constants = {});

// Teacher-forced scoring of `targets` (ending with </s>): one row fed the
// targets in turn; the result's token_scores are their log-probs.
std::unique_ptr<SentenceSearch> MakeScoringSearch(std::vector<int> targets);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_SEARCH_SENTENCE_SEARCH_H_
