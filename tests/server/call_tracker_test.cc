#include "server/service/call_tracker.h"

#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace liteformer {
namespace {

TEST(CallTrackerTest, QuietAtOnceWhenNoCallEverCame) {
  CallTracker tracker;
  EXPECT_TRUE(tracker.WaitUntilQuiet(absl::Seconds(10), absl::Now() + absl::Seconds(10)));
}

TEST(CallTrackerTest, ALiveCallIsNeverQuiet) {
  CallTracker tracker;
  TrackedCall call(tracker);
  EXPECT_EQ(tracker.live(), 1);
  const absl::Time deadline = absl::Now() + absl::Milliseconds(50);
  EXPECT_FALSE(tracker.WaitUntilQuiet(absl::ZeroDuration(), deadline));
  EXPECT_GE(absl::Now(), deadline);
}

TEST(CallTrackerTest, QuietOnceTheLastCallEndedAndNoneStartedForThePeriod) {
  CallTracker tracker;
  absl::Time last_start;
  std::thread client([&] {
    for (int i = 0; i < 5; ++i) {
      last_start = absl::Now();
      TrackedCall call(tracker);
      absl::SleepFor(absl::Milliseconds(20));
    }
  });
  absl::SleepFor(absl::Milliseconds(5));  // The first call has started.
  const absl::Duration quiet = absl::Milliseconds(30);
  EXPECT_TRUE(tracker.WaitUntilQuiet(quiet, absl::Now() + absl::Seconds(30)));
  const absl::Time quiet_at = absl::Now();
  client.join();
  EXPECT_EQ(tracker.live(), 0);
  EXPECT_GE(quiet_at - last_start, quiet);
}

}  // namespace
}  // namespace liteformer
