// LogLimiter: bursts pass, then a steady trickle that counts what it left out.
#include "server/service/log_limiter.h"

#include "gtest/gtest.h"

namespace liteformer {
namespace {

TEST(LogLimiterTest, ABurstPassesThenTheRateHoldsAndCountsTheRest) {
  LogLimiter limiter(/*per_second=*/10, /*burst=*/20);
  const absl::Time start = absl::FromUnixSeconds(1000);
  int logged = 0;
  for (int i = 0; i < 1000; ++i) logged += limiter.Allow(start).log ? 1 : 0;
  EXPECT_EQ(logged, 20);
  // 0.1 s later one token has come back; the line says what it stands for.
  const LogLimiter::Decision next = limiter.Allow(start + absl::Milliseconds(100));
  EXPECT_TRUE(next.log);
  EXPECT_EQ(next.suppressed_before, 980u);
  EXPECT_FALSE(limiter.Allow(start + absl::Milliseconds(100)).log);
  // Over 10 s of a call every millisecond: about 10 lines a second.
  logged = 0;
  for (int ms = 101; ms <= 10100; ++ms) {
    logged += limiter.Allow(start + absl::Milliseconds(ms)).log ? 1 : 0;
  }
  EXPECT_GE(logged, 99);
  EXPECT_LE(logged, 101);
}

TEST(LogLimiterTest, AQuietSpellRefillsTheBurst) {
  LogLimiter limiter(1, 5);
  const absl::Time start = absl::FromUnixSeconds(1000);
  for (int i = 0; i < 10; ++i) limiter.Allow(start);
  int logged = 0;
  for (int i = 0; i < 10; ++i) logged += limiter.Allow(start + absl::Seconds(60)).log ? 1 : 0;
  EXPECT_EQ(logged, 5);
}

}  // namespace
}  // namespace liteformer
