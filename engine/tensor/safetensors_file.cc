#include "engine/tensor/safetensors_file.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "engine/util/status_macros.h"
#include "nlohmann/json.hpp"

namespace liteformer {
namespace {

constexpr std::uint64_t kMaxHeaderBytes = 100u << 20;  // Same bound as the reference format.

absl::StatusOr<StoredDType> ParseDType(absl::string_view name) {
  if (name == "F32") return StoredDType::kF32;
  if (name == "F16") return StoredDType::kF16;
  if (name == "BF16") return StoredDType::kBF16;
  if (name == "I32") return StoredDType::kI32;
  if (name == "I64") return StoredDType::kI64;
  return absl::InvalidArgumentError(absl::StrCat("unsupported dtype '", name, "'"));
}

float HalfToFloat(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  std::uint32_t exponent = (h >> 10) & 0x1fu;
  std::uint32_t mantissa = h & 0x3ffu;
  std::uint32_t bits;
  if (exponent == 0x1f) {  // Inf or NaN.
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {  // Normal.
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {  // Zero.
    bits = sign;
  } else {  // Subnormal: renormalize.
    exponent = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}

std::uint16_t LoadU16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}

}  // namespace

absl::string_view StoredDTypeName(StoredDType dtype) {
  switch (dtype) {
    case StoredDType::kF32:
      return "F32";
    case StoredDType::kF16:
      return "F16";
    case StoredDType::kBF16:
      return "BF16";
    case StoredDType::kI32:
      return "I32";
    case StoredDType::kI64:
      return "I64";
  }
  return "?";
}

std::size_t StoredDTypeSize(StoredDType dtype) {
  switch (dtype) {
    case StoredDType::kF32:
      return 4;
    case StoredDType::kF16:
      return 2;
    case StoredDType::kBF16:
      return 2;
    case StoredDType::kI32:
      return 4;
    case StoredDType::kI64:
      return 8;
  }
  return 0;
}

std::int64_t StoredTensor::num_elements() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

absl::StatusOr<SafetensorsFile> SafetensorsFile::Open(const std::string& path) {
  ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::Open(path));
  SafetensorsFile file(std::move(mapped));
  RETURN_IF_ERROR(file.ParseHeader());
  return file;
}

absl::Status SafetensorsFile::ParseHeader() {
  const std::span<const std::uint8_t> bytes = file_.bytes();
  auto error = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(path(), ": ", what));
  };
  if (bytes.size() < 8) return error("truncated: shorter than the 8-byte header length");
  std::uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[i];
  if (header_len > kMaxHeaderBytes || header_len > bytes.size() - 8) {
    return error(absl::StrCat("header length ", header_len, " exceeds the file size ", bytes.size(),
                              " (truncated or not a safetensors file)"));
  }
  const char* header_begin = reinterpret_cast<const char*>(bytes.data() + 8);
  nlohmann::json header = nlohmann::json::parse(header_begin, header_begin + header_len,
                                                /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) return error("header is not a JSON object");

  const std::span<const std::uint8_t> data = bytes.subspan(8 + header_len);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (const auto& item : header.items()) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one.
    const std::string& name = item.key();
    const auto& entry = item.value();
    if (name == "__metadata__") continue;
    auto tensor_error = [&](absl::string_view what) {
      return error(absl::StrCat("tensor '", name, "': ", what));
    };
    if (!entry.is_object()) return tensor_error("header entry is not an object");
    const auto dtype_it = entry.find("dtype");
    const auto shape_it = entry.find("shape");
    const auto offsets_it = entry.find("data_offsets");
    if (dtype_it == entry.end() || !dtype_it->is_string()) return tensor_error("missing dtype");
    if (shape_it == entry.end() || !shape_it->is_array()) return tensor_error("missing shape");
    if (offsets_it == entry.end() || !offsets_it->is_array() || offsets_it->size() != 2) {
      return tensor_error("missing data_offsets");
    }
    StoredTensor tensor;
    tensor.name = name;
    absl::StatusOr<StoredDType> dtype = ParseDType(dtype_it->get<std::string>());
    if (!dtype.ok()) return tensor_error(dtype.status().message());
    tensor.dtype = *dtype;
    std::uint64_t elements = 1;
    for (const auto& dim : *shape_it) {
      if (!dim.is_number_unsigned()) return tensor_error("shape has a non-integer or negative dim");
      const auto d = dim.get<std::uint64_t>();
      if (d != 0 && elements > (std::numeric_limits<std::uint64_t>::max() >> 4) / d) {
        return tensor_error("shape overflows");
      }
      elements *= d;
      tensor.shape.push_back(static_cast<std::int64_t>(d));
    }
    const auto& begin_json = (*offsets_it)[0];
    const auto& end_json = (*offsets_it)[1];
    if (!begin_json.is_number_unsigned() || !end_json.is_number_unsigned()) {
      return tensor_error("data_offsets are not non-negative integers");
    }
    const auto begin = begin_json.get<std::uint64_t>();
    const auto end = end_json.get<std::uint64_t>();
    if (begin > end || end > data.size()) {
      return tensor_error(absl::StrCat("data_offsets [", begin, ", ", end,
                                       ") lie outside the data section of ", data.size(),
                                       " bytes (truncated file?)"));
    }
    if (end - begin != elements * StoredDTypeSize(tensor.dtype)) {
      return tensor_error(absl::StrCat("data_offsets span ", end - begin, " bytes but shape and ",
                                       "dtype need ", elements * StoredDTypeSize(tensor.dtype)));
    }
    tensor.data = data.subspan(begin, end - begin);
    ranges.emplace_back(begin, end);
    tensors_.push_back(std::move(tensor));
  }
  // The tensors must tile the data section exactly (as the format's reference
  // implementation requires): no overlap, no hole, nothing after the last.
  std::sort(ranges.begin(), ranges.end());
  std::uint64_t covered = 0;
  for (const auto& [begin, end] : ranges) {
    if (begin < covered) return error("tensor data ranges overlap");
    if (begin > covered)
      return error(absl::StrCat("bytes [", covered, ", ", begin,
                                ") of the data section belong to no tensor"));
    covered = end;
  }
  if (covered != data.size()) {
    return error(absl::StrCat(data.size() - covered, " bytes after the last tensor's data"));
  }
  return absl::OkStatus();
}

const StoredTensor* SafetensorsFile::Find(absl::string_view name) const {
  for (const StoredTensor& tensor : tensors_) {
    if (tensor.name == name) return &tensor;
  }
  return nullptr;
}

absl::Status SafetensorsFile::ReadAsFloat32(const StoredTensor& tensor,
                                            std::span<float> out) const {
  if (static_cast<std::int64_t>(out.size()) != tensor.num_elements()) {
    return absl::InternalError(
        absl::StrCat(path(), ": tensor '", tensor.name, "': destination size mismatch"));
  }
  const std::uint8_t* src = tensor.data.data();
  switch (tensor.dtype) {
    case StoredDType::kF32:
      std::memcpy(out.data(), src, out.size() * sizeof(float));  // Little-endian host.
      return absl::OkStatus();
    case StoredDType::kF16:
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = HalfToFloat(LoadU16(src + 2 * i));
      return absl::OkStatus();
    case StoredDType::kBF16:
      for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = std::bit_cast<float>(static_cast<std::uint32_t>(LoadU16(src + 2 * i)) << 16);
      }
      return absl::OkStatus();
    case StoredDType::kI32:
    case StoredDType::kI64:
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat(path(), ": tensor '", tensor.name, "' has dtype ",
                                                 StoredDTypeName(tensor.dtype),
                                                 ", expected a floating-point dtype"));
}

}  // namespace liteformer
