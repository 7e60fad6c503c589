#include "engine/ops/top_k.h"

#include <algorithm>

namespace liteformer {
namespace {

// Better = larger score, then smaller index. NaN never wins.
bool Better(const ScoredIndex& a, const ScoredIndex& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.index < b.index;
}

}  // namespace

void TopK(const float* values, int n, int k, std::vector<ScoredIndex>& out) {
  out.clear();
  k = std::min(k, n);
  if (k <= 0) return;
  // A sorted list of the best k so far: for the k ≤ 2·beam of beam search a
  // linear insertion beats a heap, and one pass touches each value once.
  float threshold = -__builtin_inff();
  for (int i = 0; i < n; ++i) {
    const float v = values[i];
    if (static_cast<int>(out.size()) == k && !(v > threshold)) continue;
    const ScoredIndex candidate{v, i};
    auto it = std::upper_bound(out.begin(), out.end(), candidate, Better);
    out.insert(it, candidate);
    if (static_cast<int>(out.size()) > k) out.pop_back();
    if (static_cast<int>(out.size()) == k) threshold = out.back().score;
  }
  // With fewer than k finite values the -inf (or NaN) entries fill the tail.
}

}  // namespace liteformer
