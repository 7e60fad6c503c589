// WeightReader: the tensors of one model.safetensors, validated against an
// expected layout (every expected tensor present with its exact shape and a
// floating-point dtype, nothing unexpected), read as fp32.
#ifndef LITEFORMER_ENGINE_TENSOR_WEIGHT_READER_H_
#define LITEFORMER_ENGINE_TENSOR_WEIGHT_READER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/ops/compute_type.h"
#include "engine/tensor/safetensors_file.h"

namespace liteformer {

// Tensor name → shape.
using TensorShapes = std::map<std::string, std::vector<std::int64_t>>;

class WeightReader {
 public:
  // Errors name the file and the tensor; `layout_source` says where the
  // expected layout comes from (e.g. "config.json").
  static absl::StatusOr<WeightReader> Open(const std::string& path, TensorShapes expected,
                                           absl::string_view layout_source = "config.json");

  // The tensor widened to fp32. Only names of the expected layout exist.
  absl::StatusOr<std::vector<float>> Read(absl::string_view name) const;
  const TensorShapes& shapes() const { return shapes_; }

  // The arithmetic the linear layers built from these tensors pack them for
  // (Model::Load's option; every layer loader passes it on).
  ComputeType compute_type() const { return compute_type_; }
  void set_compute_type(ComputeType type) { compute_type_ = type; }

 private:
  WeightReader(SafetensorsFile file, TensorShapes shapes)
      : file_(std::move(file)), shapes_(std::move(shapes)) {}

  SafetensorsFile file_;
  TensorShapes shapes_;
  ComputeType compute_type_ = ComputeType::kFloat32;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_TENSOR_WEIGHT_READER_H_
