// Int8 quantization of linear layers, CTranslate2's scheme: weights
// symmetric per output row at load, activations per row at run time, int32
// sums, dequantized by the row's and the column's scales with the bias
// fused. These are the portable parts (no AVX-512): the weights' packed
// layout and both quantizers; int8_matmul.h holds the VNNI kernel.
//
// The kernel multiplies unsigned by signed bytes (vpdpbusd), so activations
// are stored as q + 128 (1..255) and each output subtracts 128·Σ_k w_q[n][k],
// computed at load: the integer sums then equal Σ_k x_q·w_q exactly.
#ifndef LITEFORMER_ENGINE_OPS_INT8_QUANTIZE_H_
#define LITEFORMER_ENGINE_OPS_INT8_QUANTIZE_H_

#include <cstdint>
#include <span>

#include "engine/tensor/aligned_buffer.h"

namespace liteformer {

// W [n, k] row-major quantized per row and packed for the kernel:
//   blocks of kInt8BlockColumns outputs; within a block, for each group of 4
//   k, the block's columns' 4 bytes side by side: (k, n) lives at
//   (n / 64) * block_bytes + (k / 4) * 256 + (n % 64) * 4 + k % 4.
// K is padded to a multiple of 4 and N to one of 64, with zero weights.
struct Int8Weights {
  static constexpr int kBlockColumns = 64;
  int k = 0;
  int n = 0;
  int k_padded = 0;
  AlignedBuffer<std::int8_t> packed;
  // Per output: max|W[n]| / 127 (0 for an all-zero row: its outputs are the bias).
  AlignedBuffer<float> inverse_scales;
  // Per output: 128·Σ_k q[n][k], the offset the unsigned activations add.
  AlignedBuffer<std::int32_t> compensation;

  long block_bytes() const { return static_cast<long>(k_padded) * kBlockColumns; }
  int blocks() const { return (n + kBlockColumns - 1) / kBlockColumns; }
  // The quantized weight (n, k), read back from the packed layout.
  std::int8_t at(int row, int col) const {
    return packed.data()[row / kBlockColumns * block_bytes() + col / 4 * 256 +
                         row % kBlockColumns * 4 + col % 4];
  }
};

// Quantizes w [n, k] row-major: q = round_half_even(w · (127 / max|row|)),
// in float32, clamped to [-127, 127].
Int8Weights QuantizeInt8Weights(std::span<const float> w, int n, int k);

// Quantizes each of `rows` rows of x [rows, k] the same way (per row) into
// xq [rows, k_padded] as q + 128 (padding: 128, i.e. zero), and writes
// max|row| / 127 to inverse_scales[row].
void QuantizeRowsU8(const float* x, int rows, int k, int k_padded, std::uint8_t* xq,
                    float* inverse_scales);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_OPS_INT8_QUANTIZE_H_
