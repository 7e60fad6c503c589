// The per-worker execution state: a oneDNN stream on the process's single CPU
// engine, the worker's intra-op thread count, and the user scratchpad that
// lets workers share primitives (oneDNN primitives are only safe to execute
// concurrently with scratchpad_mode::user).
#ifndef LITEFORMER_ENGINE_TENSOR_COMPUTE_CONTEXT_H_
#define LITEFORMER_ENGINE_TENSOR_COMPUTE_CONTEXT_H_

#include <cstdint>

#include "dnnl.hpp"
#include "engine/tensor/aligned_buffer.h"

namespace liteformer {

// The process's oneDNN CPU engine, created on first use.
const dnnl::engine& CpuEngine();

class ComputeContext {
 public:
  // `threads` OpenMP threads for this worker's oneDNN primitives and kernels.
  explicit ComputeContext(int threads);
  ComputeContext(const ComputeContext&) = delete;
  ComputeContext& operator=(const ComputeContext&) = delete;

  int threads() const { return threads_; }
  dnnl::stream& stream() { return stream_; }

  // A scratchpad memory of at least `bytes`, owned by this context; valid
  // until the next call.
  dnnl::memory Scratchpad(const dnnl::memory::desc& desc);

  // Makes the calling thread use this context's thread count (call once per
  // worker thread before computing).
  void BindToCurrentThread() const;

  // Named scratch buffers reused across steps: grown when a larger shape
  // arrives, never freed per step. Each user owns distinct slots.
  enum Slot {
    kAttentionQuery,
    kAttentionOut,
    kAttentionScores,
    kConvHidden,
    kConvInput,
    kConvKernels,
    kConvOut,
    kFeedForwardHidden,
    kNormalizedInput,
    kBranchInput,
    kBranchOutput,
    kEmbedding,
    kAdaptiveHidden,
    kQuantizedInput,   // int8 linears: the input rows as bytes
    kQuantizedScales,  // and their scales
    kNumSlots,
  };
  float* Buffer(Slot slot, std::size_t floats) {
    AlignedBuffer<float>& buffer = buffers_[slot];
    buffer.EnsureSize(floats);
    return buffer.data();
  }

 private:
  int threads_;
  dnnl::stream stream_;
  AlignedBuffer<std::uint8_t> scratchpad_;
  AlignedBuffer<float> buffers_[kNumSlots];
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_TENSOR_COMPUTE_CONTEXT_H_
