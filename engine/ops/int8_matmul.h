// Int8Matmul: y = x·Wᵀ + b on int8 weights (int8_quantize.h) with AVX-512
// VNNI (vpdpbusd), for any number of rows. Each 64-output block of weights
// is read from memory once per call (a quarter of the fp32 bytes) and, while
// it sits in L2, every group of 4 rows runs over it with its 16 int32
// accumulators in registers: decoding's 1-4 rows stream the weights once.
// For large batches oneDNN's u8·s8 matmul is faster (bench: 799 vs 539
// GOP/s at M = 512, one thread); its sums are exact too, so it can take
// those rows without changing a result (issue 14, not done yet).
#ifndef LITEFORMER_ENGINE_OPS_INT8_MATMUL_H_
#define LITEFORMER_ENGINE_OPS_INT8_MATMUL_H_

#include <cstdint>

#include "engine/ops/int8_quantize.h"
#include "engine/ops/packed_gemv.h"  // GemvEpilogue

namespace liteformer {

// y[m][n] = fma(float(Σ_k xq·wq), x_inverse_scales[m] · w.inverse_scales[n], bias[n])
// (then relu, or added to y); xq is [rows, w.k_padded] from QuantizeRowsU8.
// Each output is one exact integer sum and the same float operations
// whatever `rows` and `threads`: a row's result never depends on its batch.
void Int8Matmul(const Int8Weights& w, const std::uint8_t* xq, const float* x_inverse_scales,
                const float* bias, int rows, float* y, GemvEpilogue epilogue, int threads);

// Whether this CPU runs Int8Matmul (AVX-512 VNNI).
bool Int8MatmulSupported();

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_OPS_INT8_MATMUL_H_
