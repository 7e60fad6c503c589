// Multi-head attention with separate q/k/v/out projections (fairseq
// MultiheadAttention): the LSRA attention branch (width C/2), the vanilla
// Transformer's self-attention (width C) and encoder-decoder attention.
// Results are added to the caller's residual stream through out_proj's
// accumulate epilogue.
#ifndef LITEFORMER_ENGINE_LAYERS_ATTENTION_H_
#define LITEFORMER_ENGINE_LAYERS_ATTENTION_H_

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/layers/layer_cache.h"
#include "engine/layers/sequence_layout.h"
#include "engine/ops/packed_linear.h"
#include "engine/tensor/compute_context.h"
#include "engine/tensor/weight_reader.h"

namespace liteformer {

class Attention {
 public:
  // Self-attention projects q, k and v of the same rows with one fused
  // matmul; encoder-decoder attention projects q per step and k, v (fused)
  // once per source.
  enum class Kind { kSelf, kCross };

  static absl::StatusOr<std::unique_ptr<Attention>> Load(const WeightReader& weights,
                                                         const std::string& prefix, int width,
                                                         int heads, Kind kind);

  int width() const { return width_; }
  int heads() const { return heads_; }

  // Self-attention within each sequence of a packed batch: y += attention(x),
  // x and y dense [rows, width]. Causal: position i sees ≤ i.
  void SelfAttendSequences(ComputeContext& ctx, const float* x, const SequenceLayout& layout,
                           bool causal, float* y) const;

  // One decoding step for `rows` independent sequences: appends each row's
  // key and value to its cache, attends over the whole cache; y += result.
  void SelfAttendStep(ComputeContext& ctx, const float* x, int rows,
                      std::span<SelfAttentionCache* const> caches, float* y) const;

  // Keys and values of an encoder output (one source) for later steps.
  CrossAttentionMemory ProjectMemory(ComputeContext& ctx, const float* encoder_out,
                                     int length) const;

  // Encoder-decoder attention for `rows` queries, each over its own memory;
  // y += result.
  void CrossAttendStep(ComputeContext& ctx, const float* x, int rows,
                       std::span<const CrossAttentionMemory* const> memories,
                       std::span<const int> memory_lengths, float* y) const;

 private:
  Attention(int width, int heads) : width_(width), heads_(heads), head_dim_(width / heads) {}
  // [q | k | v] of each row: [rows, 3·width].
  float* ProjectQkv(ComputeContext& ctx, const float* x, int rows) const;

  // Runs attend(row, first channel of the head, thread's score row) for
  // every (row, head), in parallel over the context's threads.
  template <typename Attend>
  void ForEachRowHead(ComputeContext& ctx, int rows, int longest, Attend&& attend) const;

  int width_;
  int heads_;
  int head_dim_;
  std::unique_ptr<PackedLinear> qkv_proj_;  // kSelf: [q·s; k; v], s = head_dim^-0.5.
  std::unique_ptr<PackedLinear> q_proj_;    // kCross: q·s.
  std::unique_ptr<PackedLinear> kv_proj_;   // kCross: [k; v].
  std::unique_ptr<PackedLinear> out_proj_;
};

// Loads "<prefix>.weight" [out, in] and "<prefix>.bias" (when `bias`) as a
// PackedLinear,
absl::StatusOr<std::unique_ptr<PackedLinear>> LoadLinear(const WeightReader& weights,
                                                         const std::string& prefix, int in_features,
                                                         int out_features, bool bias = true);

// Several [width, width] projections with biases stacked into one
// [parts·width, width] PackedLinear; part i is scaled by scales[i].
absl::StatusOr<std::unique_ptr<PackedLinear>> LoadStackedLinear(
    const WeightReader& weights, const std::vector<std::string>& prefixes,
    const std::vector<float>& scales, int width, const std::string& name);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_LAYERS_ATTENTION_H_
