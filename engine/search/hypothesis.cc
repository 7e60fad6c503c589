#include "engine/search/hypothesis.h"

#include <cmath>

namespace liteformer {

Hypothesis MakeHypothesis(std::vector<int> tokens, const std::vector<float>& cumulative,
                          float length_penalty) {
  Hypothesis hypothesis;
  hypothesis.token_scores.resize(cumulative.size());
  for (std::size_t i = 0; i < cumulative.size(); ++i) {
    hypothesis.token_scores[i] = i == 0 ? cumulative[0] : cumulative[i] - cumulative[i - 1];
  }
  const auto denominator = static_cast<float>(
      std::pow(static_cast<double>(tokens.size()), static_cast<double>(length_penalty)));
  hypothesis.score = cumulative.back() / denominator;
  hypothesis.tokens = std::move(tokens);
  return hypothesis;
}

}  // namespace liteformer
