// PackedLinear: y = x·Wᵀ + b on oneDNN's matmul, with the weights reordered
// once at load into the blocked layout the primitive prefers and primitives
// cached by row count, so the decoding loop only executes.
//
// Post-ops fuse what follows a linear in a Transformer layer: ReLU (fc1) and
// the residual add (out_proj, fc2, linear2 write `y += x·Wᵀ + b`).
//
// With ComputeType::kInt8 the weights are quantized at load instead
// (ops/int8_quantize.h) and every call runs the int8 kernel; no fp32 copy
// is kept.
#ifndef LITEFORMER_ENGINE_OPS_PACKED_LINEAR_H_
#define LITEFORMER_ENGINE_OPS_PACKED_LINEAR_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "dnnl.hpp"
#include "engine/ops/compute_type.h"
#include "engine/ops/int8_quantize.h"
#include "engine/ops/packed_gemv.h"
#include "engine/ops/primitive_cache.h"
#include "engine/tensor/compute_context.h"

namespace liteformer {

enum class LinearEpilogue : std::uint8_t {
  kNone,        // y = x·Wᵀ + b
  kRelu,        // y = relu(x·Wᵀ + b)
  kAccumulate,  // y = y + x·Wᵀ + b  (residual connection)
};

class PackedLinear {
 public:
  // `weight` is row-major [out_features, in_features] (PyTorch/fairseq
  // layout); `bias` has out_features values or is empty. kInt8 must be
  // supported by the CPU (CheckComputeTypeSupported).
  static absl::StatusOr<std::unique_ptr<PackedLinear>> Create(
      std::span<const float> weight, std::span<const float> bias, int in_features, int out_features,
      const std::string& name, ComputeType compute_type = ComputeType::kFloat32);

  int in_features() const { return in_features_; }
  int out_features() const { return out_features_; }

  // Whether WeightRow can read rows back from the packed weights (so a tied
  // embedding need not keep its own copy).
  bool has_weight_rows() const { return int8_ != nullptr || layout_.has_value(); }
  // Row `out` of W (in_features values) into `row`: exact for float32, the
  // dequantized int8 values (q · max|row| / 127) for int8.
  void WeightRow(int out, float* row) const;
  const std::string& name() const { return name_; }

  // x: [rows, in_features] row-major; y: [rows, out_features] row-major,
  // both dense (oneDNN 2.6 falls back to its reference matmul for strided
  // rows, ~100x slower). Rows may be any count ≥ 1; the first use of a shape
  // creates and caches its primitive (~0.2 ms), later uses only execute.
  void Apply(ComputeContext& ctx, const float* x, int rows, float* y,
             LinearEpilogue epilogue = LinearEpilogue::kNone) const;

 private:
  struct Key {
    int rows;
    LinearEpilogue epilogue;
    bool operator==(const Key&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.rows, k.epilogue);
    }
  };
  struct Primitive {
    dnnl::matmul matmul;
    dnnl::memory::desc src_desc, dst_desc, scratchpad_desc;
  };

  PackedLinear(int in_features, int out_features, std::string name)
      : in_features_(in_features), out_features_(out_features), name_(std::move(name)) {}
  const float* packed_weights() const {
    return static_cast<const float*>(weights_.get_data_handle());
  }
  void ApplyInt8(ComputeContext& ctx, const float* x, int rows, float* y,
                 LinearEpilogue epilogue) const;
  const Primitive& GetPrimitive(const Key& key) const;
  Primitive MakePrimitive(const Key& key) const;

  int in_features_;
  int out_features_;
  std::string name_;
  dnnl::memory::desc weights_desc_;  // The blocked layout chosen at load.
  dnnl::memory weights_;
  // Set when our small-batch kernel can stream the packed weights: up to
  // kMaxGemvRows rows it reads them at DRAM speed (oneDNN's M ≤ 4 kernels
  // reach about half of it), larger batches go to oneDNN's GEMM.
  std::optional<PackedLayout> layout_;
  dnnl::memory bias_;  // Zero bias when the layer has none (keeps one code path).
  PrimitiveCache<Key, Primitive> primitives_;
  // kInt8 only (then weights_ and bias_ are empty).
  std::unique_ptr<const Int8Weights> int8_;
  AlignedBuffer<float> int8_bias_;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_OPS_PACKED_LINEAR_H_
