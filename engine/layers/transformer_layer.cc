#include "engine/layers/transformer_layer.h"

#include <algorithm>
#include <vector>

#include "engine/util/status_macros.h"

namespace liteformer {

absl::StatusOr<std::unique_ptr<LayerNorm>> LoadLayerNorm(const WeightReader& weights,
                                                         const std::string& prefix) {
  ASSIGN_OR_RETURN(std::vector<float> weight, weights.Read(prefix + ".weight"));
  ASSIGN_OR_RETURN(std::vector<float> bias, weights.Read(prefix + ".bias"));
  return LayerNorm::Create(weight, bias, prefix);
}

absl::StatusOr<std::unique_ptr<TransformerLayer>> TransformerLayer::Load(
    const WeightReader& weights, const std::string& prefix, const LayerShape& shape) {
  std::unique_ptr<TransformerLayer> layer(new TransformerLayer(shape));
  const int c = shape.width;
  if (shape.conv) {
    const int half = c / 2;
    ASSIGN_OR_RETURN(layer->self_attention_,
                     Attention::Load(weights, prefix + ".self_attn.branches.0", half,
                                     shape.attention_heads, Attention::Kind::kSelf));
    ASSIGN_OR_RETURN(layer->conv_branch_,
                     ConvBranch::Load(weights, prefix + ".self_attn.branches.1", *shape.conv));
  } else {
    ASSIGN_OR_RETURN(layer->self_attention_,
                     Attention::Load(weights, prefix + ".self_attn", c, shape.attention_heads,
                                     Attention::Kind::kSelf));
  }
  ASSIGN_OR_RETURN(layer->self_attention_norm_,
                   LoadLayerNorm(weights, prefix + ".self_attn_layer_norm"));
  if (shape.cross_attention_heads > 0) {
    ASSIGN_OR_RETURN(layer->cross_attention_,
                     Attention::Load(weights, prefix + ".encoder_attn", c,
                                     shape.cross_attention_heads, Attention::Kind::kCross));
    ASSIGN_OR_RETURN(layer->cross_attention_norm_,
                     LoadLayerNorm(weights, prefix + ".encoder_attn_layer_norm"));
  }
  ASSIGN_OR_RETURN(layer->fc1_, LoadLinear(weights, prefix + ".fc1", c, shape.ffn_width));
  ASSIGN_OR_RETURN(layer->fc2_, LoadLinear(weights, prefix + ".fc2", shape.ffn_width, c));
  ASSIGN_OR_RETURN(layer->final_norm_, LoadLayerNorm(weights, prefix + ".final_layer_norm"));
  return layer;
}

template <typename Sublayer>
void TransformerLayer::Residual(ComputeContext& ctx, float* x, int rows, const LayerNorm& norm,
                                Sublayer&& sublayer) const {
  const int c = shape_.width;
  if (shape_.normalize_before) {
    float* normed =
        ctx.Buffer(ComputeContext::kNormalizedInput, static_cast<std::size_t>(rows) * c);
    std::copy(x, x + static_cast<long>(rows) * c, normed);
    norm.Apply(ctx, normed, rows);
    sublayer(static_cast<const float*>(normed));
  } else {
    // Every sub-layer reads its whole input before it accumulates into x.
    sublayer(static_cast<const float*>(x));
    norm.Apply(ctx, x, rows);
  }
}

void TransformerLayer::FeedForward(ComputeContext& ctx, const float* in, int rows, float* x) const {
  float* hidden = ctx.Buffer(ComputeContext::kFeedForwardHidden,
                             static_cast<std::size_t>(rows) * shape_.ffn_width);
  fc1_->Apply(ctx, in, rows, hidden, LinearEpilogue::kRelu);
  fc2_->Apply(ctx, hidden, rows, x, LinearEpilogue::kAccumulate);
}

TransformerLayer::Halves TransformerLayer::SplitHalves(ComputeContext& ctx, const float* in,
                                                       int rows) const {
  const int c = shape_.width;
  const int half = c / 2;
  const std::size_t size = static_cast<std::size_t>(rows) * half;
  float* inputs = ctx.Buffer(ComputeContext::kBranchInput, 2 * size);
  float* outputs = ctx.Buffer(ComputeContext::kBranchOutput, 2 * size);
  const Halves halves{inputs, inputs + size, outputs, outputs + size};
  for (int r = 0; r < rows; ++r) {
    const float* row = in + static_cast<long>(r) * c;
    std::copy(row, row + half, halves.attention_in + static_cast<long>(r) * half);
    std::copy(row + half, row + c, halves.conv_in + static_cast<long>(r) * half);
  }
  std::fill(outputs, outputs + 2 * size, 0.0f);
  return halves;
}

void TransformerLayer::AddHalves(const Halves& halves, int rows, float* x) const {
  const int c = shape_.width;
  const int half = c / 2;
  for (int r = 0; r < rows; ++r) {
    float* row = x + static_cast<long>(r) * c;
    const float* attention = halves.attention_out + static_cast<long>(r) * half;
    const float* conv = halves.conv_out + static_cast<long>(r) * half;
    for (int i = 0; i < half; ++i) row[i] += attention[i];
    for (int i = 0; i < half; ++i) row[half + i] += conv[i];
  }
}

void TransformerLayer::ForwardSequences(ComputeContext& ctx, float* x, const SequenceLayout& layout,
                                        bool causal) const {
  const int rows = layout.total;
  Residual(ctx, x, rows, *self_attention_norm_, [&](const float* in) {
    if (!conv_branch_) {
      self_attention_->SelfAttendSequences(ctx, in, layout, causal, x);
      return;
    }
    const Halves halves = SplitHalves(ctx, in, rows);
    self_attention_->SelfAttendSequences(ctx, halves.attention_in, layout, causal,
                                         halves.attention_out);
    conv_branch_->ForwardSequences(ctx, halves.conv_in, layout, causal, halves.conv_out);
    AddHalves(halves, rows, x);
  });
  Residual(ctx, x, rows, *final_norm_, [&](const float* in) { FeedForward(ctx, in, rows, x); });
}

void TransformerLayer::ForwardStep(ComputeContext& ctx, float* x, int rows,
                                   std::span<LayerCache* const> caches,
                                   std::span<const CrossAttentionMemory* const> memories,
                                   std::span<const int> memory_lengths) const {
  std::vector<SelfAttentionCache*> attention_caches(rows);
  std::vector<ConvCache*> conv_caches(rows);
  for (int r = 0; r < rows; ++r) {
    attention_caches[r] = &caches[r]->attention;
    conv_caches[r] = &caches[r]->conv;
  }
  Residual(ctx, x, rows, *self_attention_norm_, [&](const float* in) {
    if (!conv_branch_) {
      self_attention_->SelfAttendStep(ctx, in, rows, attention_caches, x);
      return;
    }
    const Halves halves = SplitHalves(ctx, in, rows);
    self_attention_->SelfAttendStep(ctx, halves.attention_in, rows, attention_caches,
                                    halves.attention_out);
    conv_branch_->ForwardStep(ctx, halves.conv_in, rows, conv_caches, halves.conv_out);
    AddHalves(halves, rows, x);
  });
  if (cross_attention_) {
    Residual(ctx, x, rows, *cross_attention_norm_, [&](const float* in) {
      cross_attention_->CrossAttendStep(ctx, in, rows, memories, memory_lengths, x);
    });
  }
  Residual(ctx, x, rows, *final_norm_, [&](const float* in) { FeedForward(ctx, in, rows, x); });
}

LayerCache TransformerLayer::NewCache() const {
  LayerCache cache;
  if (conv_branch_) cache.conv = conv_branch_->NewCache();
  return cache;
}

long TransformerLayer::MacsPerToken(int self_keys, int memory_keys) const {
  const long c = shape_.width;
  long macs = 2 * c * shape_.ffn_width;
  if (conv_branch_) {
    const ConvBranchShape& conv = conv_branch_->shape();
    const long half = c / 2;
    macs += 4 * half * half + 2 * self_keys * half;  // attention branch projections, scores, values
    macs += half * (conv.glu ? 2 * half : half) + half * half + half * conv.kernel;
    if (conv.dynamic) macs += half * conv.heads * conv.kernel;
  } else {
    macs += 4 * c * c + 2 * self_keys * c;
  }
  if (cross_attention_) macs += 2 * c * c + 2 * memory_keys * c;  // q and out; k/v once per source
  return macs;
}

}  // namespace liteformer
