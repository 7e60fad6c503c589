#include "server/service/call_reactors.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "server/scheduler/retry_hint.h"

namespace liteformer {

void AddRetryMetadata(grpc::CallbackServerContext* rpc, const absl::Status& status) {
  if (rpc == nullptr || status.ok()) return;
  const std::optional<absl::Duration> after = RetryAfter(status);
  if (!after.has_value()) return;
  if (*after < absl::ZeroDuration()) {
    rpc->AddTrailingMetadata("grpc-retry-pushback-ms", "-1");
    return;
  }
  const std::string ms = absl::StrCat(absl::ToInt64Milliseconds(*after));
  rpc->AddTrailingMetadata("grpc-retry-pushback-ms", ms);
  rpc->AddTrailingMetadata("retry-after-ms", ms);
}

}  // namespace liteformer
