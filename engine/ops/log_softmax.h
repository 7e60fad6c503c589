// Row-wise log-softmax over a fixed width on oneDNN's logsoftmax primitive
// (the output distribution over the vocabulary), in place.
#ifndef LITEFORMER_ENGINE_OPS_LOG_SOFTMAX_H_
#define LITEFORMER_ENGINE_OPS_LOG_SOFTMAX_H_

#include "dnnl.hpp"
#include "engine/ops/primitive_cache.h"
#include "engine/tensor/compute_context.h"

namespace liteformer {

class LogSoftmax {
 public:
  explicit LogSoftmax(int width) : width_(width) {}
  int width() const { return width_; }
  // x: [rows, width] row-major, replaced by its row-wise log-softmax.
  void Apply(ComputeContext& ctx, float* x, int rows) const;

 private:
  struct Primitive {
    dnnl::logsoftmax_forward primitive;
    dnnl::memory::desc data_desc, scratchpad_desc;
  };
  Primitive MakePrimitive(int rows) const;

  int width_;
  PrimitiveCache<int, Primitive> primitives_;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_OPS_LOG_SOFTMAX_H_
