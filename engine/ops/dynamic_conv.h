// The LSRA convolution branch's depthwise convolution with per-head kernels:
//   y[t, c] = Σ_{j<K} w[t, c div R, j] · u[t + j − P, c],  u outside [0, T) = 0,
// R = channels / heads. Dynamic convolution has a kernel per time step
// (kernel_time_stride = heads·K); lightweight convolution shares one kernel
// over time (kernel_time_stride = 0). Kernels are already softmaxed over K.
#ifndef LITEFORMER_ENGINE_OPS_DYNAMIC_CONV_H_
#define LITEFORMER_ENGINE_OPS_DYNAMIC_CONV_H_

namespace liteformer {

struct ConvShape {
  int channels;  // Cb
  int heads;     // H
  int kernel;    // K
};

// Whole sequence: u [T, channels] and y [T, channels] row-major; `kernels`
// points at time 0's [heads, K] block. padding_left = K/2 (encoder) or K−1
// (causal decoder).
void DynamicConvSequence(const float* u, int length, const float* kernels, int kernel_time_stride,
                         const ConvShape& shape, int padding_left, float* y);

// One causal step: `history` holds the K−1 previous inputs as a ring of
// [K−1, channels] rows whose row `oldest` is the oldest (zero rows before
// the start of the sequence), `current` the current input; `kernel` is
// [heads, K]. Equal, bit for bit, to the sequence's row at the current time.
void DynamicConvStep(const float* history, int oldest, const float* current, const float* kernel,
                     const ConvShape& shape, float* y);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_OPS_DYNAMIC_CONV_H_
