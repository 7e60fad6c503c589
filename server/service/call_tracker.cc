#include "server/service/call_tracker.h"

#include <algorithm>

#include "absl/time/clock.h"

namespace liteformer {

void CallTracker::Started() {
  std::lock_guard<std::mutex> lock(mu_);
  ++live_;
  last_started_ = absl::Now();
}

void CallTracker::Ended() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --live_;
  }
  changed_.notify_all();
}

int CallTracker::live() const {
  std::lock_guard<std::mutex> lock(mu_);
  return live_;
}

bool CallTracker::WaitUntilQuiet(absl::Duration quiet, absl::Time deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    const absl::Time now = absl::Now();
    const absl::Time quiet_at = last_started_ + quiet;
    if (live_ == 0 && now >= quiet_at) return true;
    if (now >= deadline) return false;
    // A call ending wakes us; otherwise look again when the quiet period
    // would be over (a call starting meanwhile moves it on).
    const absl::Time wake = live_ > 0 ? deadline : std::min(quiet_at, deadline);
    changed_.wait_for(lock, absl::ToChronoNanoseconds(wake - now));
  }
}

}  // namespace liteformer
