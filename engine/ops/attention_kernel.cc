#include "engine/ops/attention_kernel.h"

#include <algorithm>

#include "engine/ops/softmax_rows.h"

namespace liteformer {
namespace {

// Accumulators live in registers, `kLanes` floats per block: a loop that
// adds into memory (out[c] += p·v[c] once per key) chains every key's
// update through a store and a reload, which made these loops several times
// slower than their arithmetic.
constexpr int kLanes = 16;

// Calls fn(first, second) over the blocks of kLanes lanes covering [0, n),
// n ≥ kLanes, two at a time (second = -1 when the last is alone). The last
// block ends exactly at n, overlapping its predecessor: an overlapped lane is
// computed twice with the same operations in the same order, so it gets the
// same value and may be stored twice.
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

// out[c] = Σ_j p[j]·rows[j·stride + c] for c in [start, start + kLanes) and,
// when `second` ≥ 0, [second, second + kLanes): two independent chains.
void WeightedSumBlocks(const float* p, int count, const float* rows, long stride, int start,
                       int second, float* out) {
  float a[kLanes] = {};
  float b[kLanes] = {};
  if (second < 0) {
    for (int j = 0; j < count; ++j) {
      const float* row = rows + j * stride + start;
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) a[l] += p[j] * row[l];
    }
  } else {
    for (int j = 0; j < count; ++j) {
      const float* row = rows + j * stride;
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) {
        a[l] += p[j] * row[start + l];
        b[l] += p[j] * row[second + l];
      }
    }
    std::copy(b, b + kLanes, out + second);
  }
  std::copy(a, a + kLanes, out + start);
}

// out[c] = Σ_j p[j]·rows[j·stride + c] for c < n.
void WeightedSum(const float* p, int count, const float* rows, long stride, int n, float* out) {
  if (n < kLanes) {
    std::fill(out, out + n, 0.0f);
    for (int j = 0; j < count; ++j) {
      const float* row = rows + j * stride;
      for (int c = 0; c < n; ++c) out[c] += p[j] * row[c];
    }
    return;
  }
  ForEachBlockPair(n, [&](int first, int second) {
    WeightedSumBlocks(p, count, rows, stride, first, second, out);
  });
}

// Σ_c a[c]·b[c].
float Dot(const float* a, const float* b, int n) {
  float acc[kLanes] = {};
  int c = 0;
  for (; c + kLanes <= n; c += kLanes) {
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) acc[l] += a[c + l] * b[c + l];
  }
  if (c < n && n >= kLanes) {
    // The last, partial block as a whole block ending at n, its lanes
    // already counted masked out.
    const int start = n - kLanes;
    const int skip = c - start;
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) acc[l] += l >= skip ? a[start + l] * b[start + l] : 0.0f;
    c = n;
  }
  float sum = 0.0f;
  for (; c < n; ++c) sum += a[c] * b[c];
  for (int width = kLanes / 2; width >= 1; width /= 2) {
    for (int l = 0; l < width; ++l) acc[l] += acc[l + width];
  }
  return sum + acc[0];
}

// scores[j] = Σ_c q[c]·keys_t[c·ld + j] for j in the block(s) at `start`
// (and `second` when ≥ 0).
void TransposedScoreBlocks(const float* q, const float* keys_t, long ld, int head_dim, int start,
                           int second, float* scores) {
  float a[kLanes] = {};
  float b[kLanes] = {};
  if (second < 0) {
    for (int c = 0; c < head_dim; ++c) {
      const float* row = keys_t + c * ld + start;
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) a[l] += q[c] * row[l];
    }
  } else {
    for (int c = 0; c < head_dim; ++c) {
      const float* row = keys_t + c * ld;
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) {
        a[l] += q[c] * row[start + l];
        b[l] += q[c] * row[second + l];
      }
    }
    std::copy(b, b + kLanes, scores + second);
  }
  std::copy(a, a + kLanes, scores + start);
}

}  // namespace

void AttendHead(HeadView q, int num_queries, HeadView k, HeadView v, int num_keys, int head_dim,
                bool causal, int causal_offset, float* out, int out_stride, float* scratch) {
  for (int i = 0; i < num_queries; ++i) {
    const int keys = causal ? std::min(i + 1 + causal_offset, num_keys) : num_keys;
    const float* query = q.data + static_cast<long>(i) * q.stride;
    for (int j = 0; j < keys; ++j) {
      scratch[j] = Dot(query, k.data + static_cast<long>(j) * k.stride, head_dim);
    }
    SoftmaxRows(scratch, 1, keys, keys);
    WeightedSum(scratch, keys, v.data, v.stride, head_dim, out + static_cast<long>(i) * out_stride);
  }
}

void AttendHeadTransposedKeys(const float* query, const float* keys_t, int ld, HeadView v,
                              int num_keys, int head_dim, float* out, float* scratch) {
  if (num_keys < kLanes) {
    std::fill(scratch, scratch + num_keys, 0.0f);
    for (int c = 0; c < head_dim; ++c) {
      const float qc = query[c];
      const float* row = keys_t + static_cast<long>(c) * ld;
      for (int j = 0; j < num_keys; ++j) scratch[j] += qc * row[j];
    }
  } else {
    ForEachBlockPair(num_keys, [&](int first, int second) {
      TransposedScoreBlocks(query, keys_t, ld, head_dim, first, second, scratch);
    });
  }
  SoftmaxRows(scratch, 1, num_keys, num_keys);
  WeightedSum(scratch, num_keys, v.data, v.stride, head_dim, out);
}

}  // namespace liteformer
