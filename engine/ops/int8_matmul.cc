#include "engine/ops/int8_matmul.h"

#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <cstring>

namespace liteformer {
namespace {

constexpr int kBlock = Int8Weights::kBlockColumns;

// One block of 64 outputs for kRows rows: kRows × 4 int32 accumulators in
// zmm registers while the block's weights stream past once.
template <int kRows>
void Int8Block(const Int8Weights& w, const std::uint8_t* xq, const float* x_inverse_scales,
               const float* bias, float* y, GemvEpilogue epilogue, int nb) {
  __m512i acc[kRows][4];
#pragma GCC unroll 4
  for (int m = 0; m < kRows; ++m) {
#pragma GCC unroll 4
    for (int v = 0; v < 4; ++v) acc[m][v] = _mm512_setzero_si512();
  }
  const std::int8_t* block = w.packed.data() + nb * w.block_bytes();
  const int groups = w.k_padded / 4;
  for (int g = 0; g < groups; ++g) {
    const std::int8_t* wg = block + g * 256;
    __m512i wv[4];
#pragma GCC unroll 4
    for (int v = 0; v < 4; ++v) wv[v] = _mm512_loadu_si512(wg + 64 * v);
#pragma GCC unroll 4
    for (int m = 0; m < kRows; ++m) {
      std::int32_t four;  // x's 4 bytes of this group, broadcast to every lane
      std::memcpy(&four, xq + static_cast<long>(m) * w.k_padded + 4 * g, sizeof(four));
      const __m512i xb = _mm512_set1_epi32(four);
#pragma GCC unroll 4
      for (int v = 0; v < 4; ++v) acc[m][v] = _mm512_dpbusd_epi32(acc[m][v], xb, wv[v]);
    }
  }

  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 4
  for (int v = 0; v < 4; ++v) {
    const int col = nb * kBlock + 16 * v;
    if (col >= w.n) break;
    const int valid = w.n - col;
    const __mmask16 mask = valid >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << valid) - 1);
    const __m512 w_inverse = _mm512_maskz_loadu_ps(mask, w.inverse_scales.data() + col);
    const __m512i compensation = _mm512_maskz_loadu_epi32(mask, w.compensation.data() + col);
    const __m512 b = _mm512_maskz_loadu_ps(mask, bias + col);
#pragma GCC unroll 4
    for (int m = 0; m < kRows; ++m) {
      float* out = y + static_cast<long>(m) * w.n + col;
      const __m512 sum = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[m][v], compensation));
      const __m512 scale = _mm512_mul_ps(_mm512_set1_ps(x_inverse_scales[m]), w_inverse);
      __m512 r = _mm512_fmadd_ps(sum, scale, b);
      if (epilogue == GemvEpilogue::kRelu) r = _mm512_maskz_max_ps(__mmask16(0xFFFF), r, zero);
      if (epilogue == GemvEpilogue::kAccumulate)
        r = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, out), r);
      _mm512_mask_storeu_ps(out, mask, r);
    }
  }
}

using BlockFn = void (*)(const Int8Weights&, const std::uint8_t*, const float*, const float*,
                         float*, GemvEpilogue, int);
constexpr BlockFn kKernels[kMaxGemvRows] = {Int8Block<1>, Int8Block<2>, Int8Block<3>, Int8Block<4>};

}  // namespace

bool Int8MatmulSupported() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vnni");
}

void Int8Matmul(const Int8Weights& w, const std::uint8_t* xq, const float* x_inverse_scales,
                const float* bias, int rows, float* y, GemvEpilogue epilogue, int threads) {
  assert(rows >= 1);
  const int blocks = w.blocks();
  // Block-major: a block's weights stay in cache across the row groups.
  const auto run_block = [&](int nb) {
    for (int m = 0; m < rows; m += kMaxGemvRows) {
      const int group = std::min(kMaxGemvRows, rows - m);
      kKernels[group - 1](w, xq + static_cast<long>(m) * w.k_padded, x_inverse_scales + m, bias,
                          y + static_cast<long>(m) * w.n, epilogue, nb);
    }
  };
  // Blocks are independent and each output is owned by one thread, so the
  // split changes nothing in the results.
  if (threads <= 1 || blocks == 1) {
    for (int nb = 0; nb < blocks; ++nb) run_block(nb);
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int nb = 0; nb < blocks; ++nb) run_block(nb);
}

}  // namespace liteformer
