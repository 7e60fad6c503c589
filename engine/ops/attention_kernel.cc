#include "engine/ops/attention_kernel.h"

#include <algorithm>

#include "engine/ops/softmax_rows.h"

namespace liteformer {

void AttendHead(HeadView q, int num_queries, HeadView k, HeadView v, int num_keys, int head_dim,
                bool causal, int causal_offset, float* out, int out_stride, float* scratch) {
  for (int i = 0; i < num_queries; ++i) {
    const int keys = causal ? std::min(i + 1 + causal_offset, num_keys) : num_keys;
    const float* query = q.data + static_cast<long>(i) * q.stride;
    for (int j = 0; j < keys; ++j) {
      const float* key = k.data + static_cast<long>(j) * k.stride;
      float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
      for (int c = 0; c < head_dim; ++c) dot += query[c] * key[c];
      scratch[j] = dot;
    }
    SoftmaxRows(scratch, 1, keys, keys);
    float* o = out + static_cast<long>(i) * out_stride;
    std::fill(o, o + head_dim, 0.0f);
    for (int j = 0; j < keys; ++j) {
      const float p = scratch[j];
      const float* value = v.data + static_cast<long>(j) * v.stride;
#pragma omp simd
      for (int c = 0; c < head_dim; ++c) o[c] += p * value[c];
    }
  }
}

void AttendHeadTransposedKeys(const float* query, const float* keys_t, int ld, HeadView v,
                              int num_keys, int head_dim, float* out, float* scratch) {
  std::fill(scratch, scratch + num_keys, 0.0f);
  for (int c = 0; c < head_dim; ++c) {
    const float qc = query[c];
    const float* row = keys_t + static_cast<long>(c) * ld;
#pragma omp simd
    for (int j = 0; j < num_keys; ++j) scratch[j] += qc * row[j];
  }
  SoftmaxRows(scratch, 1, num_keys, num_keys);
  std::fill(out, out + head_dim, 0.0f);
  for (int j = 0; j < num_keys; ++j) {
    const float p = scratch[j];
    const float* value = v.data + static_cast<long>(j) * v.stride;
#pragma omp simd
    for (int c = 0; c < head_dim; ++c) out[c] += p * value[c];
  }
}

}  // namespace liteformer
