// Reads a safetensors file (8-byte little-endian header length, JSON header,
// raw little-endian tensor data) through a read-only memory mapping.
#ifndef LITEFORMER_ENGINE_TENSOR_SAFETENSORS_FILE_H_
#define LITEFORMER_ENGINE_TENSOR_SAFETENSORS_FILE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/util/mapped_file.h"

namespace liteformer {

enum class StoredDType { kF32, kF16, kBF16, kI32, kI64 };

absl::string_view StoredDTypeName(StoredDType dtype);
std::size_t StoredDTypeSize(StoredDType dtype);

struct StoredTensor {
  std::string name;
  StoredDType dtype;
  std::vector<std::int64_t> shape;
  std::span<const std::uint8_t> data;  // Points into the mapping; may be unaligned.

  std::int64_t num_elements() const;
};

class SafetensorsFile {
 public:
  // Maps and validates the whole header: every tensor's dtype, shape and
  // offsets must be consistent and inside the file, and tensors may not
  // overlap. Errors name the file (and the tensor when there is one).
  static absl::StatusOr<SafetensorsFile> Open(const std::string& path);

  const std::string& path() const { return file_.path(); }
  const std::vector<StoredTensor>& tensors() const { return tensors_; }
  // nullptr when absent.
  const StoredTensor* Find(absl::string_view name) const;

  // Copies `tensor` into `out` as fp32, widening F16 and BF16. `out` must
  // hold exactly tensor.num_elements() values; integer tensors are refused.
  absl::Status ReadAsFloat32(const StoredTensor& tensor, std::span<float> out) const;

  // Lets the tensor's mapped pages leave the resident set (see MappedFile::Release).
  void Release(const StoredTensor& tensor) const { file_.Release(tensor.data); }

 private:
  explicit SafetensorsFile(MappedFile file) : file_(std::move(file)) {}
  absl::Status ParseHeader();

  MappedFile file_;
  std::vector<StoredTensor> tensors_;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_TENSOR_SAFETENSORS_FILE_H_
