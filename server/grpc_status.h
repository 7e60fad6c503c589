// The one mapping from absl::Status (every module boundary) to grpc::Status.
#ifndef LITEFORMER_SERVER_GRPC_STATUS_H_
#define LITEFORMER_SERVER_GRPC_STATUS_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace liteformer {

// The message is cut to kMaxStatusMessageBytes (at a UTF-8 character
// boundary): gRPC sends it as trailing metadata, and a message past the
// peer's metadata limit reaches the client as RESOURCE_EXHAUSTED instead of
// the real status.
grpc::Status ToGrpcStatus(const absl::Status& status);
inline constexpr std::size_t kMaxStatusMessageBytes = 1024;

// `text` fit for one log line: cut to `max_bytes` (at a character boundary,
// "... (N bytes)" appended), control bytes and backslashes as \xNN, so text
// a client wrote into a status cannot forge or flood log lines.
std::string EscapeForLog(absl::string_view text, std::size_t max_bytes = 512);

// "DEADLINE_EXCEEDED" etc., as Prometheus labels and logs spell codes.
std::string StatusCodeName(absl::StatusCode code);

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_GRPC_STATUS_H_
