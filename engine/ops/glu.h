// GLU: out = a ⊙ sigmoid(b) for each row [a | b] of width 2·width.
#ifndef LITEFORMER_ENGINE_OPS_GLU_H_
#define LITEFORMER_ENGINE_OPS_GLU_H_

namespace liteformer {

// in: [rows, 2·width] row-major; out: [rows, width] row-major (may not alias in).
void Glu(const float* in, int rows, int width, float* out);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_OPS_GLU_H_
