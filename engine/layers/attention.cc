#include "engine/layers/attention.h"

#include <omp.h>

#include <cmath>
#include <vector>

#include "engine/ops/attention_kernel.h"
#include "engine/util/status_macros.h"

namespace liteformer {

absl::StatusOr<std::unique_ptr<PackedLinear>> LoadLinear(const WeightReader& weights,
                                                         const std::string& prefix, int in_features,
                                                         int out_features, bool bias, float scale) {
  const std::string weight_name = prefix.ends_with("embed_out") ? prefix : prefix + ".weight";
  ASSIGN_OR_RETURN(std::vector<float> weight, weights.Read(weight_name));
  std::vector<float> bias_values;
  if (bias) {
    ASSIGN_OR_RETURN(bias_values, weights.Read(prefix + ".bias"));
  }
  if (scale != 1.0f) {
    for (float& w : weight) w *= scale;
    for (float& b : bias_values) b *= scale;
  }
  return PackedLinear::Create(weight, bias_values, in_features, out_features, prefix);
}

absl::StatusOr<std::unique_ptr<Attention>> Attention::Load(const WeightReader& weights,
                                                           const std::string& prefix, int width,
                                                           int heads) {
  std::unique_ptr<Attention> attention(new Attention(width, heads));
  const float scaling = 1.0f / std::sqrt(static_cast<float>(width / heads));
  ASSIGN_OR_RETURN(attention->q_proj_, LoadLinear(weights, prefix + ".q_proj", width, width,
                                                  /*bias=*/true, scaling));
  ASSIGN_OR_RETURN(attention->k_proj_, LoadLinear(weights, prefix + ".k_proj", width, width));
  ASSIGN_OR_RETURN(attention->v_proj_, LoadLinear(weights, prefix + ".v_proj", width, width));
  ASSIGN_OR_RETURN(attention->out_proj_, LoadLinear(weights, prefix + ".out_proj", width, width));
  return attention;
}

void Attention::Project(ComputeContext& ctx, const float* x, int rows, float* q, float* k,
                        float* v) const {
  q_proj_->Apply(ctx, x, rows, q);
  if (k != nullptr) k_proj_->Apply(ctx, x, rows, k);
  if (v != nullptr) v_proj_->Apply(ctx, x, rows, v);
}

void Attention::SelfAttendSequences(ComputeContext& ctx, const float* x,
                                    const SequenceLayout& layout, bool causal, float* y) const {
  const int rows = layout.total;
  const std::size_t size = static_cast<std::size_t>(rows) * width_;
  float* q = ctx.Buffer(ComputeContext::kAttentionQuery, size);
  float* k = ctx.Buffer(ComputeContext::kAttentionKey, size);
  float* v = ctx.Buffer(ComputeContext::kAttentionValue, size);
  float* out = ctx.Buffer(ComputeContext::kAttentionOut, size);
  int longest = 1;
  for (int length : layout.lengths) longest = std::max(longest, length);
  float* scores = ctx.Buffer(ComputeContext::kAttentionScores,
                             static_cast<std::size_t>(longest) * ctx.threads());
  Project(ctx, x, rows, q, k, v);
  // Heads of different sequences are independent: one (sequence, head) per
  // iteration, each thread with its own score row.
  const int tasks = layout.size() * heads_;
#pragma omp parallel for num_threads(ctx.threads()) schedule(static)
  for (int task = 0; task < tasks; ++task) {
    const int s = task / heads_;
    const int h = task % heads_;
    const long offset = static_cast<long>(layout.offsets[s]) * width_;
    {
      const int column = h * head_dim_;
      AttendHead({q + offset + column, width_}, layout.lengths[s], {k + offset + column, width_},
                 {v + offset + column, width_}, layout.lengths[s], head_dim_, causal,
                 /*causal_offset=*/0, out + offset + column, width_,
                 scores + static_cast<long>(omp_get_thread_num()) * longest);
    }
  }
  out_proj_->Apply(ctx, out, rows, y, LinearEpilogue::kAccumulate);
}

void Attention::SelfAttendStep(ComputeContext& ctx, const float* x, int rows,
                               std::span<SelfAttentionCache* const> caches, float* y) const {
  const std::size_t size = static_cast<std::size_t>(rows) * width_;
  float* q = ctx.Buffer(ComputeContext::kAttentionQuery, size);
  float* k = ctx.Buffer(ComputeContext::kAttentionKey, size);
  float* v = ctx.Buffer(ComputeContext::kAttentionValue, size);
  float* out = ctx.Buffer(ComputeContext::kAttentionOut, size);
  Project(ctx, x, rows, q, k, v);
  int longest = 1;
  for (int r = 0; r < rows; ++r) {
    SelfAttentionCache& cache = *caches[r];
    const float* k_row = k + static_cast<long>(r) * width_;
    const float* v_row = v + static_cast<long>(r) * width_;
    // Grow by a few steps at a time rather than doubling: with 100+ rows
    // alive, doubling's slack is tens of MB (and beam reorders copy rows at
    // their exact size anyway).
    constexpr std::size_t kGrowSteps = 8;
    if (cache.keys.size() + width_ > cache.keys.capacity()) {
      cache.keys.reserve(cache.keys.size() + kGrowSteps * width_);
      cache.values.reserve(cache.values.size() + kGrowSteps * width_);
    }
    cache.keys.insert(cache.keys.end(), k_row, k_row + width_);
    cache.values.insert(cache.values.end(), v_row, v_row + width_);
    ++cache.length;
    longest = std::max(longest, cache.length);
  }
  AttendRows(ctx, q, rows, longest, out, [&](int r) {
    return KeyValues{caches[r]->keys.data(), caches[r]->values.data(), caches[r]->length};
  });
  out_proj_->Apply(ctx, out, rows, y, LinearEpilogue::kAccumulate);
}

template <typename RowKeyValues>
void Attention::AttendRows(ComputeContext& ctx, const float* q, int rows, int longest, float* out,
                           RowKeyValues&& row_key_values) const {
  float* scores = ctx.Buffer(ComputeContext::kAttentionScores,
                             static_cast<std::size_t>(longest) * ctx.threads());
  // Every (row, head) is independent; each thread has its own score row.
  const int tasks = rows * heads_;
#pragma omp parallel for num_threads(ctx.threads()) schedule(static)
  for (int task = 0; task < tasks; ++task) {
    const int r = task / heads_;
    const int column = (task % heads_) * head_dim_;
    const KeyValues kv = row_key_values(r);
    AttendHead({q + static_cast<long>(r) * width_ + column, width_}, 1, {kv.keys + column, width_},
               {kv.values + column, width_}, kv.length, head_dim_, /*causal=*/false, 0,
               out + static_cast<long>(r) * width_ + column, width_,
               scores + static_cast<long>(omp_get_thread_num()) * longest);
  }
}

CrossAttentionMemory Attention::ProjectMemory(ComputeContext& ctx, const float* encoder_out,
                                              int length) const {
  CrossAttentionMemory memory;
  memory.keys.resize(static_cast<std::size_t>(length) * width_);
  memory.values.resize(static_cast<std::size_t>(length) * width_);
  k_proj_->Apply(ctx, encoder_out, length, memory.keys.data());
  v_proj_->Apply(ctx, encoder_out, length, memory.values.data());
  return memory;
}

void Attention::CrossAttendStep(ComputeContext& ctx, const float* x, int rows,
                                std::span<const CrossAttentionMemory* const> memories,
                                std::span<const int> memory_lengths, float* y) const {
  const std::size_t size = static_cast<std::size_t>(rows) * width_;
  float* q = ctx.Buffer(ComputeContext::kAttentionQuery, size);
  float* out = ctx.Buffer(ComputeContext::kAttentionOut, size);
  Project(ctx, x, rows, q, nullptr, nullptr);
  int longest = 1;
  for (int length : memory_lengths) longest = std::max(longest, length);
  AttendRows(ctx, q, rows, longest, out, [&](int r) {
    return KeyValues{memories[r]->keys.data(), memories[r]->values.data(), memory_lengths[r]};
  });
  out_proj_->Apply(ctx, out, rows, y, LinearEpilogue::kAccumulate);
}

}  // namespace liteformer
