#include "server/scheduler/retry_hint.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"

namespace liteformer {
namespace {

constexpr char kPayloadUrl[] = "type.liteformer.dev/retry-after-ms";

}  // namespace

void SetRetryAfter(absl::Status& status, absl::Duration after) {
  const long long ms = after < absl::ZeroDuration() ? -1 : absl::ToInt64Milliseconds(after);
  status.SetPayload(kPayloadUrl, absl::Cord(std::to_string(ms)));
}

std::optional<absl::Duration> RetryAfter(const absl::Status& status) {
  const auto payload = status.GetPayload(kPayloadUrl);  // absl::optional in Debian's Abseil
  long long ms = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &ms)) return std::nullopt;
  return absl::Milliseconds(ms);
}

}  // namespace liteformer
