// Scaled dot-product attention of one head over one sequence, for the short
// sequences of translation (tens of keys), where our own loops beat a
// batched-matmul primitive call. The 1/sqrt(d) scale is folded into the query
// projection at load, as fairseq scales q after projecting it.
#ifndef LITEFORMER_ENGINE_OPS_ATTENTION_KERNEL_H_
#define LITEFORMER_ENGINE_OPS_ATTENTION_KERNEL_H_

namespace liteformer {

struct HeadView {
  const float* data;  // First row's first channel of this head.
  int stride;         // Distance between consecutive rows.
};

// out[i] = Σ_j softmax_j(q_i · k_j) v_j over keys j < key_limit(i), where
// key_limit(i) = causal ? min(i + 1 + causal_offset, num_keys) : num_keys.
// `scratch` holds at least num_keys floats.
void AttendHead(HeadView q, int num_queries, HeadView k, HeadView v, int num_keys, int head_dim,
                bool causal, int causal_offset, float* out, int out_stride, float* scratch);

// The same for one query against keys stored transposed: keys_t[c·ld + j]
// is channel c of key j (ld ≥ num_keys). Scores accumulate over channels
// with the keys in the vector lanes.
void AttendHeadTransposedKeys(const float* query, const float* keys_t, int ld, HeadView v,
                              int num_keys, int head_dim, float* out, float* scratch);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_OPS_ATTENTION_KERNEL_H_
