// What the fuzz targets share: a fuzzer's bytes as an in-memory file, for
// the parsers that read a path (the model loader, the server's config).
#ifndef LITEFORMER_FUZZ_FUZZ_INPUT_H_
#define LITEFORMER_FUZZ_FUZZ_INPUT_H_

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace liteformer::fuzz {

// An anonymous in-memory file holding `data`, named by a /proc path that
// open() accepts; closed when destroyed. No disk is written, so a fuzzer's
// millions of runs leave nothing behind.
class MemoryFile {
 public:
  MemoryFile(const std::uint8_t* data, std::size_t size) : fd_(::memfd_create("fuzz", 0)) {
    if (fd_ < 0) std::abort();
    for (std::size_t written = 0; written < size;) {
      const ssize_t n = ::write(fd_, data + written, size - written);
      if (n <= 0) std::abort();
      written += static_cast<std::size_t>(n);
    }
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

// A property every input must keep; a violation is a crash the fuzzer saves.
inline void Check(bool holds) {
  if (!holds) std::abort();
}

}  // namespace liteformer::fuzz

#endif  // LITEFORMER_FUZZ_FUZZ_INPUT_H_
