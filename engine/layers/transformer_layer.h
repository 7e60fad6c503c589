// One encoder or decoder layer: self-attention (LSRA: attention on the first
// half of the channels, convolution on the second, concatenated; or full
// multi-head attention), optional encoder-decoder attention, and the FFN,
// each a residual sub-layer, post-norm (translation) or pre-norm (LM).
// Activations are updated in place.
#ifndef LITEFORMER_ENGINE_LAYERS_TRANSFORMER_LAYER_H_
#define LITEFORMER_ENGINE_LAYERS_TRANSFORMER_LAYER_H_

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "engine/layers/attention.h"
#include "engine/layers/conv_branch.h"
#include "engine/layers/layer_cache.h"
#include "engine/layers/sequence_layout.h"
#include "engine/ops/layer_norm.h"
#include "engine/ops/packed_linear.h"
#include "engine/tensor/compute_context.h"
#include "engine/tensor/weight_reader.h"

namespace liteformer {

struct LayerShape {
  int width = 0;  // C
  int ffn_width = 0;
  bool normalize_before = false;
  int attention_heads = 0;              // Of the attention branch (LSRA) or the full attention.
  std::optional<ConvBranchShape> conv;  // Set for LSRA.
  int cross_attention_heads = 0;        // 0: no encoder-decoder attention.
};

class TransformerLayer {
 public:
  static absl::StatusOr<std::unique_ptr<TransformerLayer>> Load(const WeightReader& weights,
                                                                const std::string& prefix,
                                                                const LayerShape& shape);

  // Whole sequences without encoder-decoder attention (the encoder).
  void ForwardSequences(ComputeContext& ctx, float* x, const SequenceLayout& layout,
                        bool causal) const;

  // One decoding step for `rows` sequences; `memories` and `memory_lengths`
  // give each row's encoder-decoder keys/values (ignored without them).
  void ForwardStep(ComputeContext& ctx, float* x, int rows, std::span<LayerCache* const> caches,
                   std::span<const CrossAttentionMemory* const> memories,
                   std::span<const int> memory_lengths) const;

  LayerCache NewCache() const;
  const Attention* cross_attention() const { return cross_attention_.get(); }
  // Multiply-adds of one token at this layer, given the keys it attends to.
  long MacsPerToken(int self_keys, int memory_keys) const;

 private:
  explicit TransformerLayer(const LayerShape& shape) : shape_(shape) {}

  // x ← x + f(x) then LayerNorm (post-norm), or x ← x + f(LN(x)) (pre-norm);
  // f reads (input, ld) and accumulates into (x, ld).
  template <typename Sublayer>
  void Residual(ComputeContext& ctx, float* x, int rows, const LayerNorm& norm,
                Sublayer&& sublayer) const;
  void FeedForward(ComputeContext& ctx, const float* in, int rows, float* x) const;

  // The LSRA branches read and write dense halves of the channels (oneDNN's
  // fast matmuls need dense rows): `in` is split into the attention and conv
  // inputs, the branches add into zeroed outputs, which are added to x.
  struct Halves {
    float* attention_in;
    float* conv_in;
    float* attention_out;
    float* conv_out;
  };
  Halves SplitHalves(ComputeContext& ctx, const float* in, int rows) const;
  void AddHalves(const Halves& halves, int rows, float* x) const;

  LayerShape shape_;
  std::unique_ptr<Attention> self_attention_;
  std::unique_ptr<ConvBranch> conv_branch_;
  std::unique_ptr<LayerNorm> self_attention_norm_;
  std::unique_ptr<Attention> cross_attention_;
  std::unique_ptr<LayerNorm> cross_attention_norm_;
  std::unique_ptr<PackedLinear> fc1_;
  std::unique_ptr<PackedLinear> fc2_;
  std::unique_ptr<LayerNorm> final_norm_;
};

// Loads "<prefix>.weight" and "<prefix>.bias" as a LayerNorm.
absl::StatusOr<std::unique_ptr<LayerNorm>> LoadLayerNorm(const WeightReader& weights,
                                                         const std::string& prefix);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_LAYERS_TRANSFORMER_LAYER_H_
