#include "engine/ops/attention_kernel.h"

#include <algorithm>

#include "engine/ops/lane_blocks.h"
#include "engine/ops/softmax_rows.h"

namespace liteformer {
namespace {

// out[c] = Σ_j p[j]·rows[j·stride + c] for c < n.
void WeightedSum(const float* p, int count, const float* rows, long stride, int n, float* out) {
  WeightedRowSum(
      p, count, [&](int j) { return rows + j * stride; }, n, out);
}

// Σ_c a[c]·b[c].
float Dot(const float* a, const float* b, int n) {
  if (n < kLanes) {
    float sum = 0.0f;
    for (int c = 0; c < n; ++c) sum += a[c] * b[c];
    return sum;
  }
  Lanes acc = {};
  int c = 0;
  for (; c + kLanes <= n; c += kLanes) acc += LanesAt(a + c) * LanesAt(b + c);
  if (c < n) {
    // The partial last block as a whole block ending at n, with the lanes
    // already counted zeroed.
    const int start = n - kLanes;
    const Lanes lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    const Lanes tail = LanesAt(a + start);
    acc += (lane >= static_cast<float>(c - start) ? tail : Lanes{}) * LanesAt(b + start);
  }
  // Pairwise: 4 dependent additions instead of 15.
  float lanes[kLanes];
  LanesAt(lanes) = acc;
  for (int width = kLanes / 2; width >= 1; width /= 2) {
    for (int l = 0; l < width; ++l) lanes[l] += lanes[l + width];
  }
  return lanes[0];
}

// scores[j] = Σ_c q[c]·keys_t[c·ld + j] for j in the block at `first` (and
// the one at `second` when ≥ 0).
void TransposedScoreBlocks(const float* q, const float* keys_t, long ld, int head_dim, int first,
                           int second, float* scores) {
  Lanes a = {};
  if (second < 0) {
    for (int c = 0; c < head_dim; ++c) a += q[c] * LanesAt(keys_t + c * ld + first);
  } else {
    Lanes b = {};
    for (int c = 0; c < head_dim; ++c) {
      const float* row = keys_t + c * ld;
      a += q[c] * LanesAt(row + first);
      b += q[c] * LanesAt(row + second);
    }
    LanesAt(scores + second) = b;
  }
  LanesAt(scores + first) = a;
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
