#include "engine/ops/glu.h"

#include <cmath>

namespace liteformer {

void Glu(const float* in, int rows, int width, float* out) {
  for (int r = 0; r < rows; ++r) {
    const float* a = in + static_cast<long>(r) * 2 * width;
    const float* b = a + width;
    float* o = out + static_cast<long>(r) * width;
#pragma omp simd
    for (int c = 0; c < width; ++c) o[c] = a[c] / (1.0f + std::exp(-b[c]));
  }
}

}  // namespace liteformer
