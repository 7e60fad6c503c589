#include "engine/tensor/weight_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/util/status_macros.h"

namespace liteformer {
namespace {

// Index of the first NaN or infinity in `values`, or -1. By the exponent
// bits, in blocks, so the common all-finite case is one vectorized pass (a
// fraction of the time it took to read the bytes).
std::ptrdiff_t FirstNonFinite(const std::vector<float>& values) {
  constexpr std::size_t kBlock = 4096;
  for (std::size_t start = 0; start < values.size(); start += kBlock) {
    const std::size_t end = std::min(values.size(), start + kBlock);
    std::uint32_t any = 0;
    for (std::size_t i = start; i < end; ++i) {
      std::uint32_t bits;
      std::memcpy(&bits, &values[i], sizeof(bits));
      any |= static_cast<std::uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
    }
    if (any == 0) continue;
    for (std::size_t i = start; i < end; ++i) {
      if (!std::isfinite(values[i])) return static_cast<std::ptrdiff_t>(i);
    }
  }
  return -1;
}

}  // namespace

absl::StatusOr<WeightReader> WeightReader::Open(const std::string& path, TensorShapes shapes,
                                                absl::string_view layout_source) {
  ASSIGN_OR_RETURN(SafetensorsFile file, SafetensorsFile::Open(path));
  for (const auto& [name, shape] : shapes) {
    const StoredTensor* tensor = file.Find(name);
    if (tensor == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": missing tensor '", name, "' (", layout_source, " expects it)"));
    }
    if (tensor->shape != shape) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": tensor '", name, "' has shape [", absl::StrJoin(tensor->shape, ", "), "], ",
          layout_source, " implies [", absl::StrJoin(shape, ", "), "]"));
    }
    if (tensor->dtype != StoredDType::kF32 && tensor->dtype != StoredDType::kF16 &&
        tensor->dtype != StoredDType::kBF16) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": tensor '", name, "' has dtype ",
                                                     StoredDTypeName(tensor->dtype),
                                                     ", expected F32, F16 or BF16"));
    }
  }
  for (const StoredTensor& tensor : file.tensors()) {
    if (!shapes.contains(tensor.name)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": unexpected tensor '", tensor.name,
                                                     "' (not part of the architecture in ",
                                                     layout_source, ")"));
    }
  }
  return WeightReader(std::move(file), std::move(shapes));
}

absl::StatusOr<std::vector<float>> WeightReader::Read(absl::string_view name) const {
  const StoredTensor* tensor = file_.Find(name);
  if (tensor == nullptr || !shapes_.contains(std::string(name))) {
    return absl::InternalError(absl::StrCat(file_.path(), ": no tensor '", name, "'"));
  }
  std::vector<float> values(static_cast<std::size_t>(tensor->num_elements()));
  RETURN_IF_ERROR(file_.ReadAsFloat32(*tensor, values));
  file_.Release(*tensor);
  // A NaN or infinity in the weights (flipped bytes, a diverged checkpoint)
  // would load and then answer every request with NaN scores or no candidates.
  if (const std::ptrdiff_t at = FirstNonFinite(values); at >= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_.path(), ": tensor '", name, "' holds ", values[at], " at flat index ",
                     at, " (corrupt or diverged weights: every value must be finite)"));
  }
  return values;
}

}  // namespace liteformer
