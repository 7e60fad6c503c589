// Where the clients connect when no --target is given: the address the
// server wrote to the file named by $LITEFORMER_ADDRESS_FILE
// (server/listen/address_file.h) when that variable is set, else
// localhost:50051. The image sets the variable for the server and its
// HEALTHCHECK alike, so the probe follows --listen and the config.
#ifndef LITEFORMER_CLIENT_DEFAULT_TARGET_H_
#define LITEFORMER_CLIENT_DEFAULT_TARGET_H_

#include <string>

#include "absl/status/statusor.h"

namespace liteformer::client {

inline constexpr char kDefaultTarget[] = "localhost:50051";
// The same name as the server's kAddressFileEnv (the clients do not link the server).
inline constexpr char kAddressFileEnv[] = "LITEFORMER_ADDRESS_FILE";

// `flag_target` is the --target flag's value, empty when not given.
// `address_file` is the environment variable's value, or null when unset.
// A missing, empty or multi-line file is UNAVAILABLE naming the file: the
// server has not written it yet, or has stopped.
absl::StatusOr<std::string> ResolveTarget(const std::string& flag_target, const char* address_file);

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_DEFAULT_TARGET_H_
