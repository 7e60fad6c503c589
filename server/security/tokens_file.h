// The tokens file of --auth_tokens_file: which clients may call the
// liteformer.v1 services, and with what bearer token. One client a line:
//   NAME TOKEN            the token itself
//   NAME sha256:HEX       the SHA-256 of the token, 64 hex digits
// Blank lines and lines starting with '#' are ignored. Names follow the
// model-name rule (model_name.h), since they reach logs and metric labels.
// Only digests are kept in memory.
#ifndef LITEFORMER_SERVER_SECURITY_TOKENS_FILE_H_
#define LITEFORMER_SERVER_SECURITY_TOKENS_FILE_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace liteformer::security {

using Sha256Digest = std::array<std::uint8_t, 32>;

// OpenSSL's SHA-256 of `data`.
Sha256Digest Sha256(absl::string_view data);

struct TokenEntry {
  std::string client;   // NAME.
  Sha256Digest digest;  // SHA-256 of the token.
};

// Parses a tokens file's text. Errors name `file_name`, the line number and
// what is wrong, never the token. Names must be unique; an empty file (no
// entries) is an error, since it would lock every client out.
absl::StatusOr<std::vector<TokenEntry>> ParseTokens(absl::string_view text,
                                                    absl::string_view file_name);

// Reads and parses `path`.
absl::StatusOr<std::vector<TokenEntry>> ReadTokensFile(const std::string& path);

}  // namespace liteformer::security

#endif  // LITEFORMER_SERVER_SECURITY_TOKENS_FILE_H_
