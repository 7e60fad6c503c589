#include "server/control/model_files.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace liteformer {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::vector<fs::path>> RegularFiles(const std::string& dir) {
  std::error_code error;
  std::vector<fs::path> files;
  fs::directory_iterator it(dir, error);
  if (error) {
    return absl::NotFoundError(
        absl::StrCat(dir, ": cannot list the model directory: ", error.message()));
  }
  for (const fs::directory_entry& entry : it) {
    if (entry.is_regular_file(error)) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct DigestDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

}  // namespace

absl::StatusOr<std::string> ModelFilesListing(const std::string& dir) {
  absl::StatusOr<std::vector<fs::path>> files = RegularFiles(dir);
  if (!files.ok()) return files.status();
  std::string listing;
  for (const fs::path& file : *files) {
    std::error_code error;
    const std::uintmax_t size = fs::file_size(file, error);
    const auto modified = fs::last_write_time(file, error).time_since_epoch().count();
    if (error) return absl::NotFoundError(absl::StrCat(file.string(), ": ", error.message()));
    absl::StrAppend(&listing, file.filename().string(), "\x1f", size, "\x1f", modified, "\n");
  }
  return listing;
}

absl::StatusOr<std::string> ModelFilesChecksum(const std::string& dir) {
  absl::StatusOr<std::vector<fs::path>> files = RegularFiles(dir);
  if (!files.ok()) return files.status();
  std::unique_ptr<EVP_MD_CTX, DigestDeleter> context(EVP_MD_CTX_new());
  if (context == nullptr || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    return absl::InternalError("cannot start a SHA-256 digest");
  }
  std::vector<char> buffer(std::size_t{1} << 20);
  for (const fs::path& file : *files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat(file.string(), ": cannot open"));
    const std::string name = absl::StrCat(file.filename().string(), "\n");
    EVP_DigestUpdate(context.get(), name.data(), name.size());
    std::uint64_t size = 0;
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
      EVP_DigestUpdate(context.get(), buffer.data(), static_cast<std::size_t>(in.gcount()));
      size += static_cast<std::uint64_t>(in.gcount());
    }
    if (in.bad()) return absl::DataLossError(absl::StrCat(file.string(), ": read failed"));
    const std::string trailer = absl::StrCat("\n", size, "\n");
    EVP_DigestUpdate(context.get(), trailer.data(), trailer.size());
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context.get(), digest.data(), &length) != 1) {
    return absl::InternalError("cannot finish a SHA-256 digest");
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

}  // namespace liteformer
