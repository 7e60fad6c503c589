#include "engine/ops/softmax_rows.h"

#include <cmath>

namespace liteformer {

void SoftmaxRows(float* x, int rows, int width, int stride) {
  for (int r = 0; r < rows; ++r) {
    float* row = x + static_cast<long>(r) * stride;
    float max_value = row[0];
    for (int i = 1; i < width; ++i) max_value = row[i] > max_value ? row[i] : max_value;
    float sum = 0.0f;
    for (int i = 0; i < width; ++i) {
      row[i] = std::exp(row[i] - max_value);
      sum += row[i];
    }
    const float inverse = 1.0f / sum;
    for (int i = 0; i < width; ++i) row[i] *= inverse;
  }
}

}  // namespace liteformer
