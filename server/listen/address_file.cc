#include "server/listen/address_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace liteformer {

std::string DialableAddress(absl::string_view listen, int bound_port) {
  if (absl::StartsWith(listen, "unix:") || absl::StartsWith(listen, "unix-abstract:")) {
    return std::string(listen);
  }
  absl::string_view host = listen;
  if (const size_t colon = listen.rfind(':'); colon != absl::string_view::npos) {
    host = listen.substr(0, colon);
  }
  if (host.empty() || host == "0.0.0.0" || host == "*") host = "127.0.0.1";
  if (host == "[::]" || host == "[::0]" || host == "[0:0:0:0:0:0:0:0]") host = "[::1]";
  return absl::StrCat(host, ":", bound_port);
}

absl::StatusOr<std::unique_ptr<AddressFile>> AddressFile::Write(const std::string& path,
                                                                absl::string_view address) {
  const std::string temporary = absl::StrCat(path, ".tmp");
  {
    std::ofstream out(temporary, std::ios::trunc);
    if (out) out << address << "\n";
    out.close();
    if (!out) {
      const int error = errno;
      std::remove(temporary.c_str());
      return absl::FailedPreconditionError(
          absl::StrCat("cannot write the address file ", path, ": ", std::strerror(error)));
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write the address file ", path, ": ", std::strerror(error)));
  }
  return std::unique_ptr<AddressFile>(new AddressFile(path));
}

AddressFile::~AddressFile() { std::remove(path_.c_str()); }

}  // namespace liteformer
