#include "engine/ops/int8_quantize.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace liteformer {
namespace {

constexpr int kBlock = Int8Weights::kBlockColumns;

// round_half_even(v · scale) clamped to ±127: the one rounding rule of both
// the weights and the activations (and of tools/' PyTorch reference).
std::int8_t QuantizeValue(float v, float scale) {
  const float q = std::nearbyint(v * scale);
  // Inf · 0 (a non-finite row's scale) is NaN, whose cast is undefined.
  if (std::isnan(q)) return 0;
  return static_cast<std::int8_t>(std::clamp(q, -127.0f, 127.0f));
}

// max|v| over a row, and the scale that maps it to 127. A row of zeros gets
// scale 0 (every q is 0). A row holding Inf or NaN also gets every q = 0,
// with inverse scale NaN, so its outputs are NaN as in float32.
struct RowScale {
  float scale;
  float inverse;
};
RowScale ScaleOf(const float* row, int size) {
  float amax = 0.0f;
  bool finite = true;
  for (int i = 0; i < size; ++i) {
    finite = finite && std::isfinite(row[i]);
    amax = std::max(amax, std::fabs(row[i]));
  }
  if (!finite) return {0.0f, std::numeric_limits<float>::quiet_NaN()};
  if (amax == 0.0f) return {0.0f, 0.0f};
  return {127.0f / amax, amax / 127.0f};
}

}  // namespace

Int8Weights QuantizeInt8Weights(std::span<const float> w, int n, int k) {
  assert(static_cast<long>(w.size()) == static_cast<long>(n) * k);
  Int8Weights q;
  q.n = n;
  q.k = k;
  q.k_padded = (k + 3) / 4 * 4;
  q.packed.Resize(static_cast<std::size_t>(q.blocks()) * q.block_bytes());  // zero padding
  q.inverse_scales.Resize(n);
  q.compensation.Resize(n);
  for (int row = 0; row < n; ++row) {
    const float* source = w.data() + static_cast<long>(row) * k;
    const RowScale s = ScaleOf(source, k);
    q.inverse_scales.data()[row] = s.inverse;
    std::int32_t sum = 0;
    std::int8_t* block = q.packed.data() + row / kBlock * q.block_bytes() + row % kBlock * 4;
    for (int col = 0; col < k; ++col) {
      const std::int8_t value = QuantizeValue(source[col], s.scale);
      block[col / 4 * 256 + col % 4] = value;
      sum += value;
    }
    q.compensation.data()[row] = 128 * sum;
  }
  return q;
}

void QuantizeRowsU8(const float* x, int rows, int k, int k_padded, std::uint8_t* xq,
                    float* inverse_scales) {
  for (int m = 0; m < rows; ++m) {
    const float* row = x + static_cast<long>(m) * k;
    std::uint8_t* out = xq + static_cast<long>(m) * k_padded;
    const RowScale s = ScaleOf(row, k);
    inverse_scales[m] = s.inverse;
    for (int col = 0; col < k; ++col) {
      out[col] = static_cast<std::uint8_t>(QuantizeValue(row[col], s.scale) + 128);
    }
    std::fill(out + k, out + k_padded, std::uint8_t{128});
  }
}

}  // namespace liteformer
