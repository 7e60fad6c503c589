#include "engine/search/score_windows.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace liteformer {

int DefaultContextWindow(int positions) { return positions / 2; }

absl::Status CheckContextWindow(long context_window, int positions, const char* what) {
  if (context_window < 0 || context_window >= positions) {
    return absl::InvalidArgumentError(absl::StrCat(what, " = ", context_window, ": must be in [0, ",
                                                   positions - 1, "] (the model has ", positions,
                                                   " positions)"));
  }
  return absl::OkStatus();
}

std::vector<ScoreWindow> ScoreWindows(int num_targets, int positions, int context_window) {
  std::vector<ScoreWindow> windows;
  if (num_targets <= 0) return windows;
  windows.push_back({0, 0, std::min(num_targets, positions)});
  const int step = positions - context_window;  // New targets per later window.
  while (windows.back().target_end < num_targets) {
    const int begin = windows.back().target_end;
    windows.push_back({begin - context_window, begin, std::min(num_targets, begin + step)});
  }
  return windows;
}

}  // namespace liteformer
