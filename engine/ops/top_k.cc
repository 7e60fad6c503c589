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
  auto consider = [&](int i) {
    const float v = values[i];
    if (static_cast<int>(out.size()) == k && !(v > threshold)) return;
    const ScoredIndex candidate{v, i};
    auto it = std::upper_bound(out.begin(), out.end(), candidate, Better);
    out.insert(it, candidate);
    if (static_cast<int>(out.size()) > k) out.pop_back();
    if (static_cast<int>(out.size()) == k) threshold = out.back().score;
  };
  int i = 0;
  for (; i < n && static_cast<int>(out.size()) < k; ++i) consider(i);
  // Once the list is full, few values beat its last one: a block of 16 is
  // compared at once and looked at one by one only when one of them does.
  constexpr int kBlock = 16;
  for (; i + kBlock <= n; i += kBlock) {
    int any = 0;
#pragma omp simd reduction(| : any)
    for (int l = 0; l < kBlock; ++l) any |= values[i + l] > threshold ? 1 : 0;
    if (any == 0) continue;
    for (int l = 0; l < kBlock; ++l) consider(i + l);
  }
  for (; i < n; ++i) consider(i);
  // With fewer than k finite values the -inf (or NaN) entries fill the tail.
}

}  // namespace liteformer
