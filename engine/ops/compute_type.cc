#include "engine/ops/compute_type.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "engine/ops/int8_matmul.h"

namespace liteformer {

std::string_view ComputeTypeName(ComputeType type) {
  switch (type) {
    case ComputeType::kFloat32:
      return "float32";
    case ComputeType::kInt8:
      return "int8";
  }
  return "float32";
}

absl::StatusOr<ComputeType> ParseComputeType(std::string_view name) {
  for (ComputeType type : {ComputeType::kFloat32, ComputeType::kInt8}) {
    if (name == ComputeTypeName(type)) return type;
  }
  // Bounded: the name may come from a client or a config file.
  const std::string shown(name.substr(0, 64));
  return absl::InvalidArgumentError(absl::StrCat("unknown compute type \"", absl::CEscape(shown),
                                                 "\": expected float32 or int8"));
}

absl::Status CheckComputeTypeSupported(ComputeType type) {
  if (type == ComputeType::kInt8 && !Int8MatmulSupported()) {
    // Without VNNI the int8 kernel cannot run, and oneDNN's int8 kernels
    // saturate 16-bit sums of u8·s8 products (and are slower than fp32 here).
    return absl::FailedPreconditionError(
        "compute type int8 needs a CPU with AVX-512 VNNI (avx512_vnni); this one has none");
  }
  return absl::OkStatus();
}

}  // namespace liteformer
