// ComputeType: the arithmetic of a model's linear layers, chosen at load
// (liteformer-run --compute-type, the server config's ModelEntry). Whatever
// dtype the file stores, the weights are widened to fp32 and then packed for
// it.
//   float32: exact, the reference's arithmetic (the default).
//   int8:    CTranslate2's scheme (ops/int8_quantize.h): weights per output
//            row, activations per row at run time, int32 sums. Layer norm,
//            softmax, attention scores and convolutions stay fp32.
#ifndef LITEFORMER_ENGINE_OPS_COMPUTE_TYPE_H_
#define LITEFORMER_ENGINE_OPS_COMPUTE_TYPE_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace liteformer {

enum class ComputeType : std::uint8_t { kFloat32, kInt8 };

// "float32" / "int8".
std::string_view ComputeTypeName(ComputeType type);
// The inverse of ComputeTypeName; anything else is InvalidArgument naming
// the choices.
absl::StatusOr<ComputeType> ParseComputeType(std::string_view name);
// OK when this CPU can run `type` (int8 needs AVX-512 VNNI), otherwise
// FailedPrecondition saying what is missing.
absl::Status CheckComputeTypeSupported(ComputeType type);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_OPS_COMPUTE_TYPE_H_
