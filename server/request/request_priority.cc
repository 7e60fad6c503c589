#include "server/request/request_priority.h"

#include "absl/strings/str_cat.h"

namespace liteformer {

absl::StatusOr<Priority> ToSchedulingPriority(v1::Priority priority) {
  switch (priority) {
    case v1::PRIORITY_UNSPECIFIED:
    case v1::NORMAL:
      return Priority::kNormal;
    case v1::INTERACTIVE:
      return Priority::kInteractive;
    case v1::BULK:
      return Priority::kBulk;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("priority = ", static_cast<int>(priority),
                       " is not a Priority (INTERACTIVE = 1, NORMAL = 2, BULK = 3)"));
  }
}

}  // namespace liteformer
