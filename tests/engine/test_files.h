// Temporary files for tests: a per-test directory removed at destruction.
#ifndef LITEFORMER_TESTS_ENGINE_TEST_FILES_H_
#define LITEFORMER_TESTS_ENGINE_TEST_FILES_H_

#include <filesystem>
#include <string>
#include <string_view>

namespace liteformer::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `bytes` to `name` inside the directory and returns the full path.
  std::string Write(std::string_view name, std::string_view bytes) const;

 private:
  std::filesystem::path path_;
};

std::string ReadFile(const std::string& path);

}  // namespace liteformer::testing

#endif  // LITEFORMER_TESTS_ENGINE_TEST_FILES_H_
