// The address file: where the server says which address a local client
// (the image's HEALTHCHECK, a sidecar, a test) should dial. The server is
// told where to listen by a flag, the config or a default; a probe that
// guesses 127.0.0.1:50051 is wrong whenever that changes. The server writes
// the address it actually bound, and liteformer-client reads it
// (client/default_target.h) when it is given no --target.
#ifndef LITEFORMER_SERVER_LISTEN_ADDRESS_FILE_H_
#define LITEFORMER_SERVER_LISTEN_ADDRESS_FILE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace liteformer {

// The environment variable that names the file for both the server (when
// --address_file is not given) and the clients (when --target is not given).
inline constexpr char kAddressFileEnv[] = "LITEFORMER_ADDRESS_FILE";

// The address a client on the same host dials to reach a server that listens
// on `listen` and was given `bound_port` (which differs from the listen
// address's port when that is 0): a wildcard host becomes loopback
// ("0.0.0.0" → "127.0.0.1", "[::]" → "[::1]"); other hosts and "unix:"
// addresses are kept.
std::string DialableAddress(absl::string_view listen, int bound_port);

// Owns the file: written whole (a temporary file renamed over it, so a
// reader never sees half an address) when created, removed when destroyed,
// so a stopped server leaves no address behind to be probed.
class AddressFile {
 public:
  // Errors name the file and the system's reason.
  static absl::StatusOr<std::unique_ptr<AddressFile>> Write(const std::string& path,
                                                            absl::string_view address);
  ~AddressFile();
  AddressFile(const AddressFile&) = delete;
  AddressFile& operator=(const AddressFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  explicit AddressFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_LISTEN_ADDRESS_FILE_H_
