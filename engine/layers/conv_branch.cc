#include "engine/layers/conv_branch.h"

#include <omp.h>

#include <algorithm>
#include <cstring>

#include "engine/layers/attention.h"
#include "engine/ops/glu.h"
#include "engine/ops/softmax_rows.h"
#include "engine/util/status_macros.h"

namespace liteformer {

absl::StatusOr<std::unique_ptr<ConvBranch>> ConvBranch::Load(const WeightReader& weights,
                                                             const std::string& prefix,
                                                             const ConvBranchShape& shape) {
  std::unique_ptr<ConvBranch> branch(new ConvBranch(shape));
  branch->conv_shape_ = ConvShape{shape.channels, shape.heads, shape.kernel};
  const int c = shape.channels;
  ASSIGN_OR_RETURN(branch->linear1_,
                   LoadLinear(weights, prefix + ".linear1", c, shape.glu ? 2 * c : c));
  if (shape.dynamic) {
    ASSIGN_OR_RETURN(branch->weight_linear_, LoadLinear(weights, prefix + ".weight_linear", c,
                                                        shape.heads * shape.kernel, false));
  } else {
    ASSIGN_OR_RETURN(branch->lightweight_kernel_, weights.Read(prefix + ".weight"));
    SoftmaxRows(branch->lightweight_kernel_.data(), shape.heads, shape.kernel, shape.kernel);
  }
  ASSIGN_OR_RETURN(branch->linear2_, LoadLinear(weights, prefix + ".linear2", c, c));
  return branch;
}

int ConvBranch::Prepare(ComputeContext& ctx, const float* x, int rows, float** u,
                        const float** kernels) const {
  const int c = shape_.channels;
  const std::size_t size = static_cast<std::size_t>(rows) * c;
  *u = ctx.Buffer(ComputeContext::kConvInput, size);
  if (shape_.glu) {
    float* hidden = ctx.Buffer(ComputeContext::kConvHidden, 2 * size);
    linear1_->Apply(ctx, x, rows, hidden);
    Glu(hidden, rows, c, *u);
  } else {
    linear1_->Apply(ctx, x, rows, *u);
  }
  if (!shape_.dynamic) {
    *kernels = lightweight_kernel_.data();
    return 0;
  }
  const int per_step = shape_.heads * shape_.kernel;
  float* dynamic =
      ctx.Buffer(ComputeContext::kConvKernels, static_cast<std::size_t>(rows) * per_step);
  weight_linear_->Apply(ctx, *u, rows, dynamic);
  SoftmaxRows(dynamic, rows * shape_.heads, shape_.kernel, shape_.kernel);
  *kernels = dynamic;
  return per_step;
}

void ConvBranch::ForwardSequences(ComputeContext& ctx, const float* x, const SequenceLayout& layout,
                                  bool causal, float* y) const {
  float* u = nullptr;
  const float* kernels = nullptr;
  const int rows = layout.total;
  const int kernel_stride = Prepare(ctx, x, rows, &u, &kernels);
  const int c = shape_.channels;
  float* out = ctx.Buffer(ComputeContext::kConvOut, static_cast<std::size_t>(rows) * c);
  const int padding = causal ? shape_.kernel - 1 : shape_.kernel / 2;
#pragma omp parallel for num_threads(ctx.threads()) schedule(static)
  for (int s = 0; s < layout.size(); ++s) {
    const long offset = layout.offsets[s];
    DynamicConvSequence(u + offset * c, layout.lengths[s], kernels + offset * kernel_stride,
                        kernel_stride, conv_shape_, padding, out + offset * c);
  }
  linear2_->Apply(ctx, out, rows, y, LinearEpilogue::kAccumulate);
}

void ConvBranch::ForwardStep(ComputeContext& ctx, const float* x, int rows,
                             std::span<ConvCache* const> caches, float* y) const {
  float* u = nullptr;
  const float* kernels = nullptr;
  const int kernel_stride = Prepare(ctx, x, rows, &u, &kernels);
  const int c = shape_.channels;
  const int k = shape_.kernel;
  float* out = ctx.Buffer(ComputeContext::kConvOut, static_cast<std::size_t>(rows) * c);
  const int slots = k - 1;
#pragma omp parallel for num_threads(ctx.threads()) schedule(static)
  for (int r = 0; r < rows; ++r) {
    ConvCache& cache = *caches[r];
    const float* current = u + static_cast<long>(r) * c;
    DynamicConvStep(cache.history.data(), cache.oldest, current,
                    kernels + static_cast<long>(r) * kernel_stride, conv_shape_,
                    out + static_cast<long>(r) * c);
    if (slots > 0) {
      // The current input replaces the oldest, which becomes the newest slot.
      std::copy(current, current + c, cache.history.begin() + static_cast<long>(cache.oldest) * c);
      cache.oldest = (cache.oldest + 1) % slots;
    }
  }
  linear2_->Apply(ctx, out, rows, y, LinearEpilogue::kAccumulate);
}

ConvCache ConvBranch::NewCache() const {
  ConvCache cache;
  cache.history.assign(static_cast<std::size_t>(shape_.kernel - 1) * shape_.channels, 0.0f);
  return cache;
}

}  // namespace liteformer
