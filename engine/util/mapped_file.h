// A read-only memory mapping of a whole file, unmapped on destruction.
#ifndef LITEFORMER_ENGINE_UTIL_MAPPED_FILE_H_
#define LITEFORMER_ENGINE_UTIL_MAPPED_FILE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "absl/status/statusor.h"

namespace liteformer {

class MappedFile {
 public:
  // Maps `path` read-only. An empty file maps to an empty span.
  static absl::StatusOr<MappedFile> Open(const std::string& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }

  // Drops the pages covering `range` from this process's resident set (they
  // are re-read from the file if touched again): loading copies each tensor
  // once, so its mapped pages need not stay resident beside the copy.
  void Release(std::span<const std::uint8_t> range) const;
  const std::string& path() const { return path_; }

 private:
  MappedFile(std::string path, const std::uint8_t* data, std::size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  void Unmap();

  std::string path_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_UTIL_MAPPED_FILE_H_
