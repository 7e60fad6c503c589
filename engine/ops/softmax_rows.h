// Numerically stable softmax of short rows in place (attention weights over
// keys, convolution kernels over taps), where a primitive call would cost
// more than the arithmetic.
#ifndef LITEFORMER_ENGINE_OPS_SOFTMAX_ROWS_H_
#define LITEFORMER_ENGINE_OPS_SOFTMAX_ROWS_H_

namespace liteformer {

// x: `rows` rows of `width` values, consecutive rows `stride` apart.
void SoftmaxRows(float* x, int rows, int width, int stride);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_OPS_SOFTMAX_ROWS_H_
