// LayerNorm over the last dimension (eps 1e-5) on oneDNN's
// layer_normalization primitive, in place, with the learned scale and shift.
#ifndef LITEFORMER_ENGINE_OPS_LAYER_NORM_H_
#define LITEFORMER_ENGINE_OPS_LAYER_NORM_H_

#include <memory>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "dnnl.hpp"
#include "engine/ops/primitive_cache.h"
#include "engine/tensor/compute_context.h"

namespace liteformer {

class LayerNorm {
 public:
  static absl::StatusOr<std::unique_ptr<LayerNorm>> Create(std::span<const float> weight,
                                                           std::span<const float> bias,
                                                           const std::string& name,
                                                           float epsilon = 1e-5f);
  int dim() const { return dim_; }
  // x: [rows, dim] row-major, normalized in place.
  void Apply(ComputeContext& ctx, float* x, int rows) const;

 private:
  struct Primitive {
    dnnl::layer_normalization_forward primitive;
    dnnl::memory::desc data_desc, scratchpad_desc;
  };
  LayerNorm(int dim, float epsilon) : dim_(dim), epsilon_(epsilon) {}
  Primitive MakePrimitive(int rows) const;

  int dim_;
  float epsilon_;
  dnnl::memory scale_;
  dnnl::memory shift_;
  PrimitiveCache<int, Primitive> primitives_;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_OPS_LAYER_NORM_H_
