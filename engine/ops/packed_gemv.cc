#include "engine/ops/packed_gemv.h"

#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <limits>

namespace liteformer {
namespace {

// One N-block of kVecs·16 columns for kRows rows: the kRows × kVecs
// accumulators stay in zmm registers (at most 16 of the 32) while the block's
// weights stream past once, row k after row k. Every output is a single FMA
// chain in increasing k, whatever kRows is, which is what makes a row's
// result independent of how many rows share the call.
template <int kRows, int kVecs>
void GemvBlock(const PackedLayout& layout, const float* weights, const float* bias, const float* x,
               float* y, GemvEpilogue epilogue, int nb) {
  constexpr int kBn = 16 * kVecs;
  __m512 sum[kRows][kVecs];
#pragma GCC unroll 4
  for (int m = 0; m < kRows; ++m) {
#pragma GCC unroll 4
    for (int v = 0; v < kVecs; ++v) sum[m][v] = _mm512_setzero_ps();
  }
  const float* xs[kRows];
#pragma GCC unroll 4
  for (int m = 0; m < kRows; ++m) xs[m] = x + static_cast<long>(m) * layout.k;

  const float* block = weights + nb * layout.stride_nb;
  // Only k < layout.k: x has no padding (0·garbage past x could be NaN), so
  // padded K rows of W are skipped, whatever they hold.
  for (int k0 = 0, kb = 0; k0 < layout.k; k0 += layout.bk, ++kb) {
    const float* w = block + kb * layout.stride_kb;
    const int k_end = std::min(layout.k, k0 + layout.bk);
    for (int k = k0; k < k_end; ++k, w += kBn) {
      __m512 wv[kVecs];
#pragma GCC unroll 4
      for (int v = 0; v < kVecs; ++v) wv[v] = _mm512_loadu_ps(w + 16 * v);
#pragma GCC unroll 4
      for (int m = 0; m < kRows; ++m) {
        const __m512 xb = _mm512_set1_ps(xs[m][k]);
#pragma GCC unroll 4
        for (int v = 0; v < kVecs; ++v) sum[m][v] = _mm512_fmadd_ps(wv[v], xb, sum[m][v]);
      }
    }
  }

  // The last block may extend into N padding: masked loads and stores keep
  // bias, y and the next row of y untouched past layout.n.
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 4
  for (int v = 0; v < kVecs; ++v) {
    const int col = nb * kBn + 16 * v;
    if (col >= layout.n) break;
    const int valid = layout.n - col;
    const __mmask16 mask = valid >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << valid) - 1);
    const __m512 b = _mm512_maskz_loadu_ps(mask, bias + col);
#pragma GCC unroll 4
    for (int m = 0; m < kRows; ++m) {
      float* out = y + static_cast<long>(m) * layout.n + col;
      __m512 r = _mm512_add_ps(sum[m][v], b);
      // maskz_max with a full mask is plain vmaxps; _mm512_max_ps trips GCC 12's
      // -Wmaybe-uninitialized inside avx512fintrin.h.
      if (epilogue == GemvEpilogue::kRelu) r = _mm512_maskz_max_ps(__mmask16(0xFFFF), r, zero);
      if (epilogue == GemvEpilogue::kAccumulate)
        r = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, out), r);
      _mm512_mask_storeu_ps(out, mask, r);
    }
  }
}

using BlockFn = void (*)(const PackedLayout&, const float*, const float*, const float*, float*,
                         GemvEpilogue, int);

template <int kRows>
constexpr BlockFn kRowKernels[4] = {GemvBlock<kRows, 1>, GemvBlock<kRows, 2>, GemvBlock<kRows, 3>,
                                    GemvBlock<kRows, 4>};
// Indexed [rows - 1][bn / 16 - 1].
constexpr const BlockFn* kKernels[kMaxGemvRows] = {kRowKernels<1>, kRowKernels<2>, kRowKernels<3>,
                                                   kRowKernels<4>};

}  // namespace

std::optional<PackedLayout> DescribePackedLayout(const dnnl::memory::desc& weights) {
  // This file is compiled for AVX-512 whatever the build's -march; on a CPU
  // without it the kernel is never used and oneDNN does all matmuls.
  if (!__builtin_cpu_supports("avx512f")) return std::nullopt;
  const dnnl_memory_desc_t& d = weights.data;
  if (d.ndims != 2 || d.data_type != dnnl_f32 || d.format_kind != dnnl_blocked || d.offset0 != 0 ||
      d.extra.flags != dnnl_memory_extra_flag_none) {
    return std::nullopt;
  }
  const dnnl_blocking_desc_t& blocking = d.format_desc.blocking;
  long bk, bn;
  if (blocking.inner_nblks == 2 && blocking.inner_idxs[0] == 0 && blocking.inner_idxs[1] == 1) {
    bk = blocking.inner_blks[0];  // e.g. 16a64b: k outside n within a block.
    bn = blocking.inner_blks[1];
  } else if (blocking.inner_nblks == 1 && blocking.inner_idxs[0] == 1) {
    bk = 1;  // e.g. aB16b / Ba16b: the K "block" is a single row.
    bn = blocking.inner_blks[0];
  } else {
    // Plain layouts (no inner block) would need masked loads of every row
    // tail; n-major blocks (…16b16a) a transposed kernel. Left to oneDNN.
    return std::nullopt;
  }
  // bn is 1-4 zmm registers; the block kernels exist for those widths only.
  if (bn % 16 != 0 || bn > 64) return std::nullopt;
  const long max_int = std::numeric_limits<int>::max();
  if (d.dims[0] <= 0 || d.dims[1] <= 0 || d.dims[0] > max_int || d.dims[1] > max_int ||
      d.padded_dims[0] % bk != 0 || d.padded_dims[1] % bn != 0) {
    return std::nullopt;
  }
  return PackedLayout{.k = static_cast<int>(d.dims[0]),
                      .n = static_cast<int>(d.dims[1]),
                      .bk = static_cast<int>(bk),
                      .bn = static_cast<int>(bn),
                      .stride_kb = static_cast<long>(blocking.strides[0]),
                      .stride_nb = static_cast<long>(blocking.strides[1])};
}

void PackedGemv(const PackedLayout& layout, const float* weights, const float* bias, const float* x,
                int rows, float* y, GemvEpilogue epilogue, int threads) {
  assert(rows >= 1 && rows <= kMaxGemvRows);
  assert(layout.bn % 16 == 0 && layout.bn >= 16 && layout.bn <= 64);
  const BlockFn kernel = kKernels[rows - 1][layout.bn / 16 - 1];
  const int blocks = (layout.n + layout.bn - 1) / layout.bn;
  // N-blocks are independent and each output is owned by one thread, so the
  // split changes nothing in the results; a single block or thread skips the
  // OpenMP fork entirely.
  if (threads <= 1 || blocks == 1) {
    for (int nb = 0; nb < blocks; ++nb) kernel(layout, weights, bias, x, y, epilogue, nb);
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int nb = 0; nb < blocks; ++nb) kernel(layout, weights, bias, x, y, epilogue, nb);
}

}  // namespace liteformer
