#include "engine/search/bans.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace liteformer {

std::vector<int> BannedNgramTokens(std::span<const int> sequence, int n) {
  std::vector<int> banned;
  const int length = static_cast<int>(sequence.size());
  if (n <= 0 || length < n - 1) return banned;
  const int context = n - 1;
  const std::span<const int> tail = sequence.subspan(length - context);
  for (int start = 0; start + n <= length; ++start) {
    if (std::equal(tail.begin(), tail.end(), sequence.begin() + start)) {
      banned.push_back(sequence[start + context]);
    }
  }
  std::sort(banned.begin(), banned.end());
  banned.erase(std::unique(banned.begin(), banned.end()), banned.end());
  return banned;
}

void ApplyBans(std::span<float> log_probs, const BanRules& rules, std::span<const int> history,
               std::span<const int> generated) {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  for (float& value : log_probs) {
    if (std::isnan(value)) value = kNegInf;
  }
  log_probs[rules.pad] = kNegInf;
  if (rules.step >= rules.max_len) {
    const float eos = log_probs[rules.eos];
    std::fill(log_probs.begin(), log_probs.end(), kNegInf);
    log_probs[rules.eos] = eos;
    return;
  }
  if (rules.step < rules.min_len) log_probs[rules.eos] = kNegInf;
  if (rules.no_repeat_ngram_size > 0) {
    std::vector<int> sequence(history.begin(), history.end());
    sequence.insert(sequence.end(), generated.begin(), generated.end());
    for (int token : BannedNgramTokens(sequence, rules.no_repeat_ngram_size)) {
      log_probs[token] = kNegInf;
    }
  }
}

}  // namespace liteformer
