// Priority: the scheduling classes of liteformer.proto's Priority, in the
// order a worker serves them (a lower value preempts a higher one).
#ifndef LITEFORMER_SERVER_SCHEDULER_PRIORITY_H_
#define LITEFORMER_SERVER_SCHEDULER_PRIORITY_H_

#include <array>
#include <string_view>

namespace liteformer {

enum class Priority { kInteractive = 0, kNormal = 1, kBulk = 2 };

inline constexpr int kPriorityClasses = 3;
inline constexpr std::array<Priority, kPriorityClasses> kPriorities = {
    Priority::kInteractive, Priority::kNormal, Priority::kBulk};

inline constexpr int PriorityIndex(Priority priority) { return static_cast<int>(priority); }

// "interactive", "normal" or "bulk": metric labels and messages.
inline constexpr std::string_view PriorityName(Priority priority) {
  switch (priority) {
    case Priority::kInteractive:
      return "interactive";
    case Priority::kNormal:
      return "normal";
    case Priority::kBulk:
      return "bulk";
  }
  return "normal";
}

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SCHEDULER_PRIORITY_H_
