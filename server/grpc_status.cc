#include "server/grpc_status.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace liteformer {

namespace {

// The longest prefix of `text` of at most `max_bytes` that ends on a UTF-8
// character boundary.
absl::string_view CutAtCharacter(absl::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  std::string message(CutAtCharacter(status.message(), kMaxStatusMessageBytes));
  if (message.size() < status.message().size()) {
    absl::StrAppend(&message, "... (", status.message().size(), " bytes)");
  }
  // absl and gRPC share the canonical code numbers.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message);
}

std::string EscapeForLog(absl::string_view text, std::size_t max_bytes) {
  const absl::string_view kept = CutAtCharacter(text, max_bytes);
  std::string out;
  out.reserve(kept.size());
  for (const char c : kept) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || c == '\\') {
      absl::StrAppendFormat(&out, "\\x%02x", byte);
    } else {
      out.push_back(c);
    }
  }
  if (kept.size() < text.size()) absl::StrAppend(&out, "... (", text.size(), " bytes)");
  return out;
}

std::string StatusCodeName(absl::StatusCode code) {
  return absl::AsciiStrToUpper(absl::StatusCodeToString(code));
}

}  // namespace liteformer
