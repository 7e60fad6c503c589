#include "client/default_target.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace liteformer::client {

absl::StatusOr<std::string> ResolveTarget(const std::string& flag_target,
                                          const char* address_file) {
  if (!flag_target.empty()) return flag_target;
  if (address_file == nullptr || *address_file == '\0') return std::string(kDefaultTarget);
  const std::string named_by = absl::StrCat(" (named by $", kAddressFileEnv, ")");
  std::ifstream in(address_file);
  if (!in) {
    return absl::UnavailableError(absl::StrCat("no server address in ", address_file, named_by,
                                               ": the file cannot be read; is the server up?"));
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string address(absl::StripAsciiWhitespace(text.str()));
  // One address, as the server writes it; 256 bytes is far beyond any host:port.
  if (address.empty() || address.size() > 256 ||
      address.find_first_of(" \t\r\n") != std::string::npos) {
    return absl::UnavailableError(absl::StrCat("no server address in ", address_file, named_by,
                                               ": expected one HOST:PORT line"));
  }
  return address;
}

}  // namespace liteformer::client
