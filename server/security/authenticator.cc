#include "server/security/authenticator.h"

#include <openssl/crypto.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace liteformer::security {

Authenticator::Authenticator(std::vector<TokenEntry> entries)
    : enabled_(true), entries_(std::make_shared<const Entries>(std::move(entries))) {}

std::shared_ptr<const Authenticator::Entries> Authenticator::entries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_;
}

void Authenticator::Replace(std::vector<TokenEntry> entries) {
  auto replacement = std::make_shared<const Entries>(std::move(entries));
  std::lock_guard<std::mutex> lock(mu_);
  entries_ = std::move(replacement);
}

absl::StatusOr<std::string> Authenticator::Authenticate(
    std::optional<absl::string_view> authorization) const {
  if (!enabled_) return std::string(kAnonymous);
  if (!authorization.has_value()) {
    return absl::UnauthenticatedError("missing authorization: Bearer TOKEN metadata");
  }
  // RFC 6750: the scheme is case-insensitive.
  constexpr absl::string_view kScheme = "bearer ";
  if (authorization->size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(authorization->substr(0, kScheme.size()), kScheme)) {
    return absl::UnauthenticatedError("authorization metadata is not \"Bearer TOKEN\"");
  }
  const Sha256Digest digest =
      Sha256(absl::StripAsciiWhitespace(authorization->substr(kScheme.size())));
  const std::shared_ptr<const Entries> current = entries();
  const TokenEntry* match = nullptr;
  for (const TokenEntry& entry : *current) {
    // Every entry is compared, a match or not.
    const bool equal = CRYPTO_memcmp(entry.digest.data(), digest.data(), digest.size()) == 0;
    if (equal && match == nullptr) match = &entry;
  }
  if (match == nullptr) return absl::UnauthenticatedError("unknown token");
  return match->client;
}

}  // namespace liteformer::security
