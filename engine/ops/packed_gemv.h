// PackedGemv: y = x·W + b for 1-4 rows, reading W in place in the blocked
// layout oneDNN's matmul chose for PackedLinear (e.g. BA16a64b). At M=1
// oneDNN's brgemm is compute-shaped and streams the weights well below DRAM
// speed; decoding is all M=1..4 calls, so a streaming kernel that keeps every
// output in registers and touches each weight once pays off there.
#ifndef LITEFORMER_ENGINE_OPS_PACKED_GEMV_H_
#define LITEFORMER_ENGINE_OPS_PACKED_GEMV_H_

#include <cstdint>
#include <optional>

#include "dnnl.hpp"

namespace liteformer {

// A [K, N] f32 weights memory laid out as [K-blocks, N-blocks][bk][bn] with
// arbitrary outer strides: the element (k, n) is at
//   (k / bk) * stride_kb + (n / bn) * stride_nb + (k % bk) * bn + (n % bn).
// `k` and `n` are the logical sizes; the memory holds whole blocks (padded
// dims), so a full bn-wide row of any block is readable. The kernel never
// uses padding values: padded K rows are skipped and padded N lanes masked.
struct PackedLayout {
  int k, n, bk, bn;
  long stride_kb, stride_nb;
};

// The PackedLayout of `weights` when the kernel can read it (f32, 2-D,
// blocked, N innermost in blocks of 16, 32, 48 or 64, no extra data),
// std::nullopt otherwise — including plain `ab`/`ba`, which the caller
// leaves to oneDNN.
std::optional<PackedLayout> DescribePackedLayout(const dnnl::memory::desc& weights);

// Mirrors LinearEpilogue: y = xW + b ; y = relu(xW + b) ; y += xW + b.
enum class GemvEpilogue : std::uint8_t { kNone, kRelu, kAccumulate };

inline constexpr int kMaxGemvRows = 4;

// rows in [1, kMaxGemvRows]; x is [rows, layout.k] and y [rows, layout.n],
// both dense row-major; bias has layout.n values. Each output is reduced in
// increasing k order by one thread, so a row's result is bit-identical for
// any `rows` and any `threads`. Runs `threads` OpenMP threads over N-blocks.
void PackedGemv(const PackedLayout& layout, const float* weights, const float* bias, const float* x,
                int rows, float* y, GemvEpilogue epilogue, int threads);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_OPS_PACKED_GEMV_H_
