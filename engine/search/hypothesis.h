// A finished hypothesis and the float32 score arithmetic every search shares
// (fairseq's): rows carry a cumulative float32 score; per-token scores are
// float32 differences of consecutive cumulative scores; the final score is
// float32(cum) / float32(len^lenpen), the power in double, len counting </s>.
#ifndef LITEFORMER_ENGINE_SEARCH_HYPOTHESIS_H_
#define LITEFORMER_ENGINE_SEARCH_HYPOTHESIS_H_

#include <vector>

namespace liteformer {

struct Hypothesis {
  std::vector<int> tokens;          // Generated tokens, the final </s> included.
  float score = 0.0f;               // Length-normalized.
  std::vector<float> token_scores;  // One log-prob per token.
};

// tokens end with </s>; cumulative has one float32 running score per token.
Hypothesis MakeHypothesis(std::vector<int> tokens, const std::vector<float>& cumulative,
                          float length_penalty);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_SEARCH_HYPOTHESIS_H_
