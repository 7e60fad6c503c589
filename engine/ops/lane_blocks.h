// Register-blocked loops for our own kernels. Accumulators live in
// registers, kLanes floats per block: a loop that adds into memory
// (out[c] += p·v[c] once per key or tap) chains every update through a store
// and a reload, which made those loops several times slower than their
// arithmetic.
#ifndef LITEFORMER_ENGINE_OPS_LANE_BLOCKS_H_
#define LITEFORMER_ENGINE_OPS_LANE_BLOCKS_H_

#include <algorithm>

namespace liteformer {

inline constexpr int kLanes = 16;

// kLanes floats as one value (GCC/Clang vector extension): one AVX-512
// register, or two AVX2 ones. Spelling the blocks out keeps the compiler from
// vectorizing the loop over keys or taps instead (with gathers) as it did with
// `#pragma omp simd` over lanes.
using Lanes = float __attribute__((vector_size(kLanes * sizeof(float))));

// The same lanes at any float's address: aligned to a float and allowed to
// alias it, as GCC's own unaligned intrinsic types are. Loads and stores go
// through a reference, so no function takes or returns a 64-byte vector by
// value: that would tie the code to an ABI that differs with and without
// AVX-512 (GCC's -Wpsabi note in builds for x86-64-v3).
using UnalignedLanes =
    float __attribute__((vector_size(kLanes * sizeof(float)), aligned(alignof(float)), may_alias));

inline const UnalignedLanes& LanesAt(const float* at) {
  return *reinterpret_cast<const UnalignedLanes*>(at);
}
inline UnalignedLanes& LanesAt(float* at) { return *reinterpret_cast<UnalignedLanes*>(at); }

// Calls fn(first, second) over the blocks of kLanes lanes covering [0, n),
// n ≥ kLanes, two at a time (two independent chains; second = -1 when the
// last block is alone). The last block ends exactly at n, overlapping its
// predecessor: an overlapped lane is computed twice with the same operations
// in the same order, so it gets the same value and may be stored twice.
template <typename Fn>
void ForEachBlockPair(int n, Fn&& fn) {
  int next = 0;
  while (next < n) {
    const int first = std::min(next, n - kLanes);
    next = first + kLanes;
    int second = -1;
    if (next < n) {
      second = std::min(next, n - kLanes);
      next = second + kLanes;
    }
    fn(first, second);
  }
}

// out[c] = Σ_{j<count} w[j]·row_at(j)[c] for c < n, summed in j order from
// zero (so the result equals the plain loop's, bit for bit).
template <typename RowAt>
void WeightedRowSum(const float* w, int count, RowAt&& row_at, int n, float* out) {
  if (n < kLanes) {
    std::fill(out, out + n, 0.0f);
    for (int j = 0; j < count; ++j) {
      const float* row = row_at(j);
#pragma omp simd
      for (int c = 0; c < n; ++c) out[c] += w[j] * row[c];
    }
    return;
  }
  ForEachBlockPair(n, [&](int first, int second) {
    Lanes a = {};
    if (second < 0) {
      for (int j = 0; j < count; ++j) a += w[j] * LanesAt(row_at(j) + first);
    } else {
      Lanes b = {};
      for (int j = 0; j < count; ++j) {
        const float* row = row_at(j);
        a += w[j] * LanesAt(row + first);
        b += w[j] * LanesAt(row + second);
      }
      LanesAt(out + second) = b;
    }
    LanesAt(out + first) = a;
  });
}

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_OPS_LANE_BLOCKS_H_
