#include "engine/tensor/weight_reader.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/util/status_macros.h"

namespace liteformer {

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
  return values;
}

}  // namespace liteformer
