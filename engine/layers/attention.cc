#include "engine/layers/attention.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/ops/attention_kernel.h"
#include "engine/util/status_macros.h"

namespace liteformer {

absl::StatusOr<std::unique_ptr<PackedLinear>> LoadLinear(const WeightReader& weights,
                                                         const std::string& prefix, int in_features,
                                                         int out_features, bool bias) {
  const std::string weight_name = prefix.ends_with("embed_out") ? prefix : prefix + ".weight";
  ASSIGN_OR_RETURN(std::vector<float> weight, weights.Read(weight_name));
  std::vector<float> bias_values;
  if (bias) {
    ASSIGN_OR_RETURN(bias_values, weights.Read(prefix + ".bias"));
  }
  return PackedLinear::Create(weight, bias_values, in_features, out_features, prefix,
                              weights.compute_type());
}

absl::StatusOr<std::unique_ptr<PackedLinear>> LoadStackedLinear(
    const WeightReader& weights, const std::vector<std::string>& prefixes,
    const std::vector<float>& scales, int width, const std::string& name) {
  std::vector<float> weight;
  std::vector<float> bias;
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    ASSIGN_OR_RETURN(std::vector<float> part_weight, weights.Read(prefixes[i] + ".weight"));
    ASSIGN_OR_RETURN(std::vector<float> part_bias, weights.Read(prefixes[i] + ".bias"));
    for (float& w : part_weight) w *= scales[i];
    for (float& b : part_bias) b *= scales[i];
    weight.insert(weight.end(), part_weight.begin(), part_weight.end());
    bias.insert(bias.end(), part_bias.begin(), part_bias.end());
  }
  return PackedLinear::Create(weight, bias, width, static_cast<int>(prefixes.size()) * width, name,
                              weights.compute_type());
}

absl::StatusOr<std::unique_ptr<Attention>> Attention::Load(const WeightReader& weights,
                                                           const std::string& prefix, int width,
                                                           int heads, Kind kind) {
  std::unique_ptr<Attention> attention(new Attention(width, heads));
  // fairseq scales q (bias included) after projecting it; folded in here.
  const float scaling = 1.0f / std::sqrt(static_cast<float>(width / heads));
  if (kind == Kind::kSelf) {
    ASSIGN_OR_RETURN(
        attention->qkv_proj_,
        LoadStackedLinear(weights, {prefix + ".q_proj", prefix + ".k_proj", prefix + ".v_proj"},
                          {scaling, 1.0f, 1.0f}, width, prefix + ".qkv"));
  } else {
    ASSIGN_OR_RETURN(attention->q_proj_, LoadStackedLinear(weights, {prefix + ".q_proj"}, {scaling},
                                                           width, prefix + ".q_proj"));
    ASSIGN_OR_RETURN(attention->kv_proj_,
                     LoadStackedLinear(weights, {prefix + ".k_proj", prefix + ".v_proj"},
                                       {1.0f, 1.0f}, width, prefix + ".kv"));
  }
  ASSIGN_OR_RETURN(attention->out_proj_, LoadLinear(weights, prefix + ".out_proj", width, width));
  return attention;
}

float* Attention::ProjectQkv(ComputeContext& ctx, const float* x, int rows) const {
  float* qkv =
      ctx.Buffer(ComputeContext::kAttentionQuery, static_cast<std::size_t>(rows) * 3 * width_);
  qkv_proj_->Apply(ctx, x, rows, qkv);
  return qkv;
}

void Attention::SelfAttendSequences(ComputeContext& ctx, const float* x,
                                    const SequenceLayout& layout, bool causal, float* y) const {
  const int rows = layout.total;
  float* out = ctx.Buffer(ComputeContext::kAttentionOut, static_cast<std::size_t>(rows) * width_);
  int longest = 1;
  for (int length : layout.lengths) longest = std::max(longest, length);
  float* scores = ctx.Buffer(ComputeContext::kAttentionScores,
                             static_cast<std::size_t>(longest) * ctx.threads());
  const float* qkv = ProjectQkv(ctx, x, rows);
  const int stride = 3 * width_;
  // Heads of different sequences are independent: one (sequence, head) per
  // iteration, each thread with its own score row.
  const int tasks = layout.size() * heads_;
#pragma omp parallel for num_threads(ctx.threads()) schedule(static)
  for (int task = 0; task < tasks; ++task) {
    const int s = task / heads_;
    const int h = task % heads_;
    const float* q = qkv + static_cast<long>(layout.offsets[s]) * stride + h * head_dim_;
    AttendHead({q, stride}, layout.lengths[s], {q + width_, stride}, {q + 2 * width_, stride},
               layout.lengths[s], head_dim_, causal, /*causal_offset=*/0,
               out + static_cast<long>(layout.offsets[s]) * width_ + h * head_dim_, width_,
               scores + static_cast<long>(omp_get_thread_num()) * longest);
  }
  out_proj_->Apply(ctx, out, rows, y, LinearEpilogue::kAccumulate);
}

void Attention::SelfAttendStep(ComputeContext& ctx, const float* x, int rows,
                               std::span<SelfAttentionCache* const> caches, float* y) const {
  float* out = ctx.Buffer(ComputeContext::kAttentionOut, static_cast<std::size_t>(rows) * width_);
  const float* qkv = ProjectQkv(ctx, x, rows);
  const int stride = 3 * width_;
  int longest = 1;
  for (int r = 0; r < rows; ++r) {
    SelfAttentionCache& cache = *caches[r];
    const float* k_row = qkv + static_cast<long>(r) * stride + width_;
    const float* v_row = k_row + width_;
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
  ForEachRowHead(ctx, rows, longest, [&](int r, int column, float* scores) {
    const SelfAttentionCache& cache = *caches[r];
    AttendHead({qkv + static_cast<long>(r) * stride + column, stride}, 1,
               {cache.keys.data() + column, width_}, {cache.values.data() + column, width_},
               cache.length, head_dim_, /*causal=*/false, 0,
               out + static_cast<long>(r) * width_ + column, width_, scores);
  });
  out_proj_->Apply(ctx, out, rows, y, LinearEpilogue::kAccumulate);
}

template <typename Attend>
void Attention::ForEachRowHead(ComputeContext& ctx, int rows, int longest, Attend&& attend) const {
  float* scores = ctx.Buffer(ComputeContext::kAttentionScores,
                             static_cast<std::size_t>(longest) * ctx.threads());
  // Every (row, head) is independent; each thread has its own score row.
  const int tasks = rows * heads_;
#pragma omp parallel for num_threads(ctx.threads()) schedule(static)
  for (int task = 0; task < tasks; ++task) {
    attend(task / heads_, (task % heads_) * head_dim_,
           scores + static_cast<long>(omp_get_thread_num()) * longest);
  }
}

CrossAttentionMemory Attention::ProjectMemory(ComputeContext& ctx, const float* encoder_out,
                                              int length) const {
  std::vector<float> kv(static_cast<std::size_t>(length) * 2 * width_);
  kv_proj_->Apply(ctx, encoder_out, length, kv.data());
  CrossAttentionMemory memory;
  memory.keys_transposed.resize(static_cast<std::size_t>(length) * width_);
  memory.values.resize(static_cast<std::size_t>(length) * width_);
  for (int t = 0; t < length; ++t) {
    const float* row = kv.data() + static_cast<long>(t) * 2 * width_;
    for (int c = 0; c < width_; ++c)
      memory.keys_transposed[static_cast<long>(c) * length + t] = row[c];
    std::copy(row + width_, row + 2 * width_,
              memory.values.begin() + static_cast<long>(t) * width_);
  }
  return memory;
}

void Attention::CrossAttendStep(ComputeContext& ctx, const float* x, int rows,
                                std::span<const CrossAttentionMemory* const> memories,
                                std::span<const int> memory_lengths, float* y) const {
  const std::size_t size = static_cast<std::size_t>(rows) * width_;
  float* q = ctx.Buffer(ComputeContext::kAttentionQuery, size);
  float* out = ctx.Buffer(ComputeContext::kAttentionOut, size);
  q_proj_->Apply(ctx, x, rows, q);
  int longest = 1;
  for (int length : memory_lengths) longest = std::max(longest, length);
  ForEachRowHead(ctx, rows, longest, [&](int r, int column, float* scores) {
    const CrossAttentionMemory& memory = *memories[r];
    const int length = memory_lengths[r];
    AttendHeadTransposedKeys(q + static_cast<long>(r) * width_ + column,
                             memory.keys_transposed.data() + static_cast<long>(column) * length,
                             length, {memory.values.data() + column, width_}, length, head_dim_,
                             out + static_cast<long>(r) * width_ + column, scores);
  });
  out_proj_->Apply(ctx, out, rows, y, LinearEpilogue::kAccumulate);
}

}  // namespace liteformer
