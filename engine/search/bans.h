// Token bans applied to a row's log-probs before a search looks at them, in
// this order: NaN → −inf; pad → −inf; at step ≥ max_len only </s> (with its
// own log-prob, whatever the other rules say); step < min_len bans </s>;
// no_repeat_ngram_size bans tokens that would repeat an n-gram of the row's
// sequence (the start </s>, any prompt, then the generated tokens).
#ifndef LITEFORMER_ENGINE_SEARCH_BANS_H_
#define LITEFORMER_ENGINE_SEARCH_BANS_H_

#include <span>
#include <vector>

namespace liteformer {

struct BanRules {
  int step;
  int max_len;
  int min_len;
  int no_repeat_ngram_size;
  int eos;
  int pad;
};

// Applies the rules to `log_probs` (one row of the vocabulary) in place.
// `history` then `generated` form the row's sequence.
void ApplyBans(std::span<float> log_probs, const BanRules& rules, std::span<const int> history,
               std::span<const int> generated);

// Tokens t such that the sequence's last n−1 tokens followed by t already
// occur in it; sorted, unique. Nothing when n ≤ 0 or the sequence is shorter
// than n − 1.
std::vector<int> BannedNgramTokens(std::span<const int> sequence, int n);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_SEARCH_BANS_H_
