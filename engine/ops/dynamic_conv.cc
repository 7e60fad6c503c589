#include "engine/ops/dynamic_conv.h"

#include <algorithm>

#include "engine/ops/lane_blocks.h"

namespace liteformer {

void DynamicConvSequence(const float* u, int length, const float* kernels, int kernel_time_stride,
                         const ConvShape& shape, int padding_left, float* y) {
  const int channels = shape.channels;
  const int per_head = channels / shape.heads;
  for (int t = 0; t < length; ++t) {
    const float* kernel = kernels + static_cast<long>(t) * kernel_time_stride;
    float* out = y + static_cast<long>(t) * channels;
    // Only taps whose input lies inside the sequence contribute.
    const int first = std::max(0, padding_left - t);
    const int last = std::min(shape.kernel, length - t + padding_left);
    for (int h = 0; h < shape.heads; ++h) {
      const int begin = h * per_head;
      const float* in = u + static_cast<long>(t + first - padding_left) * channels + begin;
      WeightedRowSum(
          kernel + h * shape.kernel + first, last - first,
          [&](int j) { return in + static_cast<long>(j) * channels; }, per_head, out + begin);
    }
  }
}

void DynamicConvStep(const float* history, int oldest, const float* current, const float* kernel,
                     const ConvShape& shape, float* y) {
  const int slots = shape.kernel - 1;
  const int per_head = shape.channels / shape.heads;
  // Tap j (oldest first) reads ring row (oldest + j) mod slots; the last tap
  // is the current input.
  auto tap = [&](int j) {
    return j < slots ? history + static_cast<long>((oldest + j) % slots) * shape.channels : current;
  };
  for (int h = 0; h < shape.heads; ++h) {
    const int begin = h * per_head;
    WeightedRowSum(
        kernel + h * shape.kernel, shape.kernel, [&](int j) { return tap(j) + begin; }, per_head,
        y + begin);
  }
}

}  // namespace liteformer
