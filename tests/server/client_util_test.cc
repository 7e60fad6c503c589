// The pure parts of liteformer-client and liteformer-load.
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/arrival_schedule.h"
#include "client/expected_outputs.h"
#include "client/input_texts.h"
#include "client/latency_stats.h"
#include "client/length_classes.h"
#include "client/target_uri.h"
#include "engine/text/utf8.h"
#include "gtest/gtest.h"

namespace liteformer::client {
namespace {

TEST(LatencyStatsTest, NearestRankPercentiles) {
  LatencyStats stats;
  for (int i = 100; i >= 1; --i) stats.Add(i);  // Unsorted on purpose.
  EXPECT_EQ(stats.count(), 100u);
  EXPECT_DOUBLE_EQ(stats.Percentile(0), 1);
  EXPECT_DOUBLE_EQ(stats.Percentile(50), 50);
  EXPECT_DOUBLE_EQ(stats.Percentile(90), 90);
  EXPECT_DOUBLE_EQ(stats.Percentile(99), 99);
  EXPECT_DOUBLE_EQ(stats.Percentile(99.5), 100);
  EXPECT_DOUBLE_EQ(stats.Percentile(100), 100);
  EXPECT_DOUBLE_EQ(stats.Max(), 100);
  EXPECT_DOUBLE_EQ(stats.Mean(), 50.5);
}

TEST(LatencyStatsTest, SmallAndEmpty) {
  LatencyStats stats;
  EXPECT_EQ(stats.Percentile(50), 0);
  EXPECT_EQ(stats.Max(), 0);
  EXPECT_EQ(stats.Mean(), 0);
  stats.Add(7);
  EXPECT_EQ(stats.Percentile(1), 7);
  EXPECT_EQ(stats.Percentile(99), 7);
  stats.Add(3);
  EXPECT_EQ(stats.Percentile(50), 3);  // ceil(0.5 * 2) = rank 1.
  EXPECT_EQ(stats.Percentile(51), 7);
  // Adding after a percentile query re-sorts.
  stats.Add(1);
  EXPECT_EQ(stats.Percentile(0), 1);
  EXPECT_EQ(stats.Percentile(100), 7);
}

TEST(LatencyStatsTest, Merge) {
  LatencyStats a, b;
  a.Add(1);
  a.Add(2);
  b.Add(10);
  a.Merge(b);
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.Max(), 10);
  EXPECT_EQ(a.Percentile(50), 2);
}

TEST(ArrivalScheduleTest, ConstantIsEvenlySpaced) {
  ArrivalSchedule schedule(Arrival::kConstant, 4, /*seed=*/1);
  EXPECT_DOUBLE_EQ(schedule.Next(), 0);
  EXPECT_DOUBLE_EQ(schedule.Next(), 0.25);
  EXPECT_DOUBLE_EQ(schedule.Next(), 0.5);
  for (int i = 3; i < 1000000; ++i) schedule.Next();
  EXPECT_DOUBLE_EQ(schedule.Next(), 250000);  // No drift after a million sends.
}

TEST(ArrivalScheduleTest, PoissonIsSeededAndHasTheRateAsMean) {
  ArrivalSchedule a(Arrival::kPoisson, 50, /*seed=*/7);
  ArrivalSchedule b(Arrival::kPoisson, 50, /*seed=*/7);
  ArrivalSchedule c(Arrival::kPoisson, 50, /*seed=*/8);
  constexpr int kCount = 200000;
  double previous = -1;
  bool differs = false;
  double sum_squared_gaps = 0;
  double time = 0;
  for (int i = 0; i < kCount; ++i) {
    time = a.Next();
    ASSERT_EQ(time, b.Next());
    differs |= time != c.Next();
    ASSERT_GE(time, previous);
    if (previous >= 0) sum_squared_gaps += (time - previous) * (time - previous);
    previous = time;
  }
  EXPECT_TRUE(differs);
  // 200,000 exponential gaps of mean 1/50: the mean within 1%, and the
  // second moment 2/rate^2 (what distinguishes exponential from constant).
  const double mean_gap = time / (kCount - 1);
  EXPECT_NEAR(mean_gap, 1.0 / 50, 0.01 / 50);
  EXPECT_NEAR(sum_squared_gaps / (kCount - 1), 2.0 / (50 * 50), 0.05 * 2 / (50 * 50));
}

TEST(ArrivalScheduleTest, ParseArrival) {
  EXPECT_EQ(*ParseArrival("constant"), Arrival::kConstant);
  EXPECT_EQ(*ParseArrival("poisson"), Arrival::kPoisson);
  EXPECT_TRUE(absl::IsInvalidArgument(ParseArrival("bursty").status()));
}

absl::StatusOr<std::string> NoResolver(const std::string& host) {
  return absl::NotFoundError("no DNS in this test");
}

absl::StatusOr<std::string> FakeResolver(const std::string& host) {
  if (host == "a") return "10.0.0.1";
  if (host == "b") return "10.0.0.2";
  if (host == "v6") return "fd00::2";
  return absl::NotFoundError("unknown host");
}

TEST(TargetUriTest, OneNameStaysWithDns) {
  EXPECT_EQ(*TargetUri("localhost:50051", NoResolver), "dns:///localhost:50051");
  EXPECT_EQ(*TargetUri(" server.example:443 ", NoResolver), "dns:///server.example:443");
}

TEST(TargetUriTest, IpLiteralsAndLists) {
  EXPECT_EQ(*TargetUri("127.0.0.1:5001", NoResolver), "ipv4:127.0.0.1:5001");
  EXPECT_EQ(*TargetUri("127.0.0.1:5001,127.0.0.1:5002", NoResolver),
            "ipv4:127.0.0.1:5001,127.0.0.1:5002");
  EXPECT_EQ(*TargetUri("[::1]:5001", NoResolver), "ipv6:[::1]:5001");
  EXPECT_EQ(*TargetUri("[::1]:5001, [fe80::1]:5002", NoResolver), "ipv6:[::1]:5001,[fe80::1]:5002");
}

TEST(TargetUriTest, NamesInAListAreResolved) {
  EXPECT_EQ(*TargetUri("a:5001,b:5002,10.0.0.3:5003", FakeResolver),
            "ipv4:10.0.0.1:5001,10.0.0.2:5002,10.0.0.3:5003");
  EXPECT_EQ(*TargetUri("v6:1,[::1]:2", FakeResolver), "ipv6:[fd00::2]:1,[::1]:2");
  EXPECT_TRUE(absl::IsUnavailable(TargetUri("a:1,nowhere:2", FakeResolver).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(TargetUri("a:1,v6:2", FakeResolver).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(TargetUri("127.0.0.1:1,[::1]:2", NoResolver).status()));
}

TEST(TargetUriTest, UrisPassThrough) {
  for (const char* uri : {"dns:///x:1", "ipv4:1.2.3.4:5", "ipv6:[::1]:5", "unix:/tmp/socket",
                          "unix-abstract:liteformer", "xds:///service"}) {
    EXPECT_EQ(*TargetUri(uri, NoResolver), uri);
  }
}

TEST(TargetUriTest, BadAddresses) {
  for (const char* bad :
       {"", "localhost", "localhost:", "localhost:0", "localhost:65536", "localhost:http", ":5000",
        "::1:5000", "[::1]5000", "[::1:5000", "a:1,,b:2", "a:1,"}) {
    absl::StatusOr<std::string> uri = TargetUri(bad, FakeResolver);
    EXPECT_TRUE(absl::IsInvalidArgument(uri.status())) << "'" << bad << "' -> " << uri.status();
  }
}

TEST(LengthClassesTest, CharactersAndMedian) {
  EXPECT_EQ(CountUtf8Characters("hello"), 5u);
  EXPECT_EQ(CountUtf8Characters("h\xC3\xA9llo"), 5u);              // é is two bytes.
  EXPECT_EQ(CountUtf8Characters("\xE6\x97\xA5\xE6\x9C\xAC"), 2u);  // 日本
  LengthClasses classes({"aaaa", "a", "aaa", "aa"});
  EXPECT_EQ(classes.median(), 3u);
  EXPECT_TRUE(classes.IsShort(2));
  EXPECT_FALSE(classes.IsShort(3));
  EXPECT_EQ(LengthClasses({"abc", "a", "abcde"}).median(), 3u);
  EXPECT_EQ(LengthClasses(std::vector<std::string>{}).median(), 0u);
}

TEST(InputTextsTest, SkipsBlankLinesAndCarriageReturns) {
  std::istringstream in("one\r\n\n  \ntwo words\nlast");
  EXPECT_EQ(ReadTexts(in), (std::vector<std::string>{"one", "two words", "last"}));
  EXPECT_TRUE(absl::IsNotFound(ReadTextFile("/nonexistent/texts.txt").status()));
}

TEST(ExpectedOutputsTest, StringsObjectsAndClientOutput) {
  std::istringstream in(
      "\"first\"\n"
      "\n"
      "{\"text\": \"second\"}\n"
      "{\"index\": 7, \"hypotheses\": [{\"text\": \"seventh\", \"score\": -1.0}]}\n");
  absl::StatusOr<ExpectedOutputs> expected = ParseExpectedOutputs(in);
  ASSERT_TRUE(expected.ok()) << expected.status();
  EXPECT_EQ(expected->size(), 3u);
  EXPECT_EQ(expected->at(0), "first");
  EXPECT_EQ(expected->at(1), "second");
  EXPECT_EQ(expected->at(7), "seventh");
}

TEST(ExpectedOutputsTest, BadLinesNameTheLine) {
  std::istringstream in("\"ok\"\n{\"score\": 1}\n");
  absl::StatusOr<ExpectedOutputs> expected = ParseExpectedOutputs(in);
  EXPECT_TRUE(absl::IsInvalidArgument(expected.status()));
  EXPECT_NE(expected.status().message().find("line 2"), std::string::npos);
  std::istringstream not_json("not json\n");
  EXPECT_FALSE(ParseExpectedOutputs(not_json).ok());
}

}  // namespace
}  // namespace liteformer::client
