// The LSRA convolution branch ("conv_linear"): linear1 (+GLU) → per-head
// dynamic or lightweight convolution with softmaxed kernels → linear2, added
// to the caller's residual stream.
#ifndef LITEFORMER_ENGINE_LAYERS_CONV_BRANCH_H_
#define LITEFORMER_ENGINE_LAYERS_CONV_BRANCH_H_

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/layers/layer_cache.h"
#include "engine/layers/sequence_layout.h"
#include "engine/ops/dynamic_conv.h"
#include "engine/ops/packed_linear.h"
#include "engine/tensor/compute_context.h"
#include "engine/tensor/weight_reader.h"

namespace liteformer {

struct ConvBranchShape {
  int channels;  // Cb = C/2
  int heads;
  int kernel;
  bool dynamic;  // false: lightweight (one kernel for all steps)
  bool glu;
};

class ConvBranch {
 public:
  static absl::StatusOr<std::unique_ptr<ConvBranch>> Load(const WeightReader& weights,
                                                          const std::string& prefix,
                                                          const ConvBranchShape& shape);

  const ConvBranchShape& shape() const { return shape_; }

  // Whole sequences, y += branch(x), both dense [rows, channels]; causal:
  // padding K−1 (decoder), else K/2 (encoder).
  void ForwardSequences(ComputeContext& ctx, const float* x, const SequenceLayout& layout,
                        bool causal, float* y) const;

  // One causal step for `rows` sequences, each with its own history.
  void ForwardStep(ComputeContext& ctx, const float* x, int rows,
                   std::span<ConvCache* const> caches, float* y) const;

  // An empty history (K−1 zero inputs) for a new sequence.
  ConvCache NewCache() const;

 private:
  explicit ConvBranch(const ConvBranchShape& shape) : shape_(shape) {}
  // u = GLU(linear1(x)) (or linear1(x)) and each row's softmaxed kernels.
  // Returns the kernels' time stride (heads·K, or 0 for lightweight).
  int Prepare(ComputeContext& ctx, const float* x, int rows, float** u,
              const float** kernels) const;

  ConvBranchShape shape_;
  ConvShape conv_shape_{};
  std::unique_ptr<PackedLinear> linear1_;
  std::unique_ptr<PackedLinear> weight_linear_;  // Dynamic only.
  std::vector<float> lightweight_kernel_;        // [heads, K], softmaxed at load.
  std::unique_ptr<PackedLinear> linear2_;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_LAYERS_CONV_BRANCH_H_
