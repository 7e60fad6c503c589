// Authenticator: who a call's "authorization: Bearer TOKEN" header names.
// The token's SHA-256 is compared with every entry's digest in constant
// time (CRYPTO_memcmp, no early exit), so neither the timing of a refusal
// nor of an acceptance tells how much of a token was right. The entries can
// be replaced while calls are checked (SIGHUP reload).
#ifndef LITEFORMER_SERVER_SECURITY_AUTHENTICATOR_H_
#define LITEFORMER_SERVER_SECURITY_AUTHENTICATOR_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/security/tokens_file.h"

namespace liteformer::security {

class Authenticator {
 public:
  // Disabled: every call is accepted, as client kAnonymous.
  Authenticator() = default;
  explicit Authenticator(std::vector<TokenEntry> entries);

  static constexpr absl::string_view kAnonymous = "anonymous";

  bool enabled() const { return enabled_; }

  // `authorization`: the header's value, nullopt without one. The client's
  // name, or UNAUTHENTICATED (the message never contains the token).
  absl::StatusOr<std::string> Authenticate(std::optional<absl::string_view> authorization) const;

  // New entries for an enabled authenticator (calls being checked finish
  // with the old ones).
  void Replace(std::vector<TokenEntry> entries);

 private:
  using Entries = std::vector<TokenEntry>;
  std::shared_ptr<const Entries> entries() const;

  bool enabled_ = false;
  mutable std::mutex mu_;
  std::shared_ptr<const Entries> entries_;
};

}  // namespace liteformer::security

#endif  // LITEFORMER_SERVER_SECURITY_AUTHENTICATOR_H_
