#include "engine/ops/dynamic_conv.h"

#include <algorithm>

namespace liteformer {

void DynamicConvSequence(const float* u, int length, const float* kernels, int kernel_time_stride,
                         const ConvShape& shape, int padding_left, float* y) {
  const int channels = shape.channels;
  const int per_head = channels / shape.heads;
  for (int t = 0; t < length; ++t) {
    const float* kernel = kernels + static_cast<long>(t) * kernel_time_stride;
    float* out = y + static_cast<long>(t) * channels;
    std::fill(out, out + channels, 0.0f);
    // Only taps whose input lies inside the sequence contribute.
    const int first = std::max(0, padding_left - t);
    const int last = std::min(shape.kernel, length - t + padding_left);
    for (int j = first; j < last; ++j) {
      const float* in = u + static_cast<long>(t + j - padding_left) * channels;
      for (int h = 0; h < shape.heads; ++h) {
        const float w = kernel[h * shape.kernel + j];
        const int begin = h * per_head;
#pragma omp simd
        for (int c = begin; c < begin + per_head; ++c) out[c] += w * in[c];
      }
    }
  }
}

void DynamicConvStep(const float* window, const float* kernel, const ConvShape& shape, float* y) {
  const int channels = shape.channels;
  const int per_head = channels / shape.heads;
  std::fill(y, y + channels, 0.0f);
  for (int j = 0; j < shape.kernel; ++j) {
    const float* in = window + static_cast<long>(j) * channels;
    for (int h = 0; h < shape.heads; ++h) {
      const float w = kernel[h * shape.kernel + j];
      const int begin = h * per_head;
#pragma omp simd
      for (int c = begin; c < begin + per_head; ++c) y[c] += w * in[c];
    }
  }
}

}  // namespace liteformer
