// Quotas per client: the in-flight limit, the token bucket (with its burst
// and a large request's debt), per-client overrides, the retry hint on a
// refusal, leases that give sentences back, idle clients forgotten, the
// config's checks, and the peer address quotas key on without auth.
#include "server/quota/client_quotas.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/quota/peer_host.h"
#include "server/quota/quota_settings.h"
#include "server/scheduler/retry_hint.h"

namespace liteformer {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);
const absl::Duration kHint = absl::Milliseconds(120);

QuotaSettings Settings(const std::string& text) {
  v1::QuotasConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config)) << text;
  absl::StatusOr<QuotaSettings> settings = ResolveQuotas(config, "test.config");
  EXPECT_TRUE(settings.ok()) << settings.status();
  return *settings;
}

absl::Status ResolveError(const std::string& text) {
  v1::QuotasConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config)) << text;
  return ResolveQuotas(config, "test.config").status();
}

TEST(ClientQuotasTest, NoQuotasAdmitEverythingWithoutALease) {
  ClientQuotas quotas(Settings(""));
  EXPECT_FALSE(quotas.enabled());
  ClientQuotas::Admission admission = quotas.Admit("alice", 1000, kStart, kHint);
  EXPECT_FALSE(admission.refusal.has_value());
  EXPECT_EQ(admission.lease, nullptr);
  EXPECT_EQ(quotas.tracked_clients(), 0u);
}

TEST(ClientQuotasTest, InFlightLimitRefusesUntilSentencesFinish) {
  ClientQuotas quotas(Settings("per_client { max_in_flight_sentences: 4 }"));
  ASSERT_TRUE(quotas.enabled());
  ClientQuotas::Admission first = quotas.Admit("alice", 3, kStart, kHint);
  ASSERT_NE(first.lease, nullptr);
  ClientQuotas::Admission second = quotas.Admit("alice", 2, kStart, kHint);
  ASSERT_TRUE(second.refusal.has_value());
  const absl::Status& status = second.refusal->status;
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(second.refusal->limit, QuotaLimit::kInFlight);
  EXPECT_NE(status.message().find("3 sentences in flight and 2 more exceed "
                                  "max_in_flight_sentences = 4"),
            std::string::npos)
      << status;
  EXPECT_EQ(RetryAfter(status), kHint);
  // Another client has its own quota.
  EXPECT_NE(quotas.Admit("bob", 4, kStart, kHint).lease, nullptr);
  // One finished sentence makes room for one more.
  EXPECT_NE(quotas.Admit("alice", 1, kStart, kHint).lease, nullptr);
  first.lease->ReleaseOne();
  EXPECT_NE(quotas.Admit("alice", 1, kStart, kHint).lease, nullptr);
}

TEST(ClientQuotasTest, ALeaseGivesBackWhatItStillHoldsWhenDestroyed) {
  ClientQuotas quotas(Settings("per_client { max_in_flight_sentences: 4 }"));
  {
    ClientQuotas::Admission admission = quotas.Admit("alice", 4, kStart, kHint);
    ASSERT_NE(admission.lease, nullptr);
    admission.lease->ReleaseOne();
    EXPECT_TRUE(quotas.Admit("alice", 2, kStart, kHint).refusal.has_value());
  }
  ClientQuotas::Admission again = quotas.Admit("alice", 4, kStart, kHint);
  EXPECT_FALSE(again.refusal.has_value());
  // Releasing more than was held gives nothing extra back.
  for (int i = 0; i < 10; ++i) again.lease->ReleaseOne();
  std::shared_ptr<QuotaLease> four = quotas.Admit("alice", 4, kStart, kHint).lease;
  EXPECT_NE(four, nullptr);
  EXPECT_TRUE(quotas.Admit("alice", 1, kStart, kHint).refusal.has_value());
}

TEST(ClientQuotasTest, ARequestLargerThanTheLimitRunsOnlyAlone) {
  ClientQuotas quotas(Settings("per_client { max_in_flight_sentences: 4 }"));
  ClientQuotas::Admission big = quotas.Admit("alice", 10, kStart, kHint);
  ASSERT_NE(big.lease, nullptr);
  EXPECT_TRUE(quotas.Admit("alice", 1, kStart, kHint).refusal.has_value());
  big.lease.reset();
  ClientQuotas::Admission small = quotas.Admit("alice", 1, kStart, kHint);
  ASSERT_NE(small.lease, nullptr);
  EXPECT_TRUE(quotas.Admit("alice", 10, kStart, kHint).refusal.has_value());
}

TEST(ClientQuotasTest, TheTokenBucketAllowsItsBurstThenItsRate) {
  ClientQuotas quotas(Settings("per_client { sentences_per_second: 10 burst_sentences: 5 }"));
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(quotas.Admit("alice", 1, kStart, kHint).refusal.has_value()) << i;
  }
  ClientQuotas::Admission refused = quotas.Admit("alice", 1, kStart, kHint);
  ASSERT_TRUE(refused.refusal.has_value());
  EXPECT_EQ(refused.refusal->limit, QuotaLimit::kRate);
  EXPECT_NE(refused.refusal->status.message().find("sentences_per_second = 10 (burst 5)"),
            std::string::npos)
      << refused.refusal->status;
  // One token takes 100 ms: the hint says so (never under 50 ms).
  EXPECT_EQ(RetryAfter(refused.refusal->status), absl::Milliseconds(100));
  EXPECT_TRUE(quotas.Admit("alice", 1, kStart + absl::Milliseconds(50), kHint).refusal.has_value());
  EXPECT_FALSE(
      quotas.Admit("alice", 1, kStart + absl::Milliseconds(100), kHint).refusal.has_value());
  // Over a long quiet spell the bucket fills to its burst, no further.
  const absl::Time later = kStart + absl::Seconds(60);
  for (int i = 0; i < 5; ++i)
    EXPECT_FALSE(quotas.Admit("alice", 1, later, kHint).refusal.has_value());
  EXPECT_TRUE(quotas.Admit("alice", 1, later, kHint).refusal.has_value());
}

TEST(ClientQuotasTest, ARequestRefusedAfterAdmissionGivesItsTokensBack) {
  ClientQuotas quotas(Settings("per_client { sentences_per_second: 1 burst_sentences: 3 }"));
  std::shared_ptr<QuotaLease> lease = quotas.Admit("alice", 3, kStart, kHint).lease;
  ASSERT_NE(lease, nullptr);
  EXPECT_TRUE(quotas.Admit("alice", 1, kStart, kHint).refusal.has_value());
  lease->ReturnTokens();
  lease->ReturnTokens();  // Once only: the bucket holds its burst, no more.
  EXPECT_FALSE(quotas.Admit("alice", 3, kStart, kHint).refusal.has_value());
  EXPECT_TRUE(quotas.Admit("alice", 1, kStart, kHint).refusal.has_value());
}

TEST(ClientQuotasTest, ARequestLargerThanTheBurstNeedsAFullBucketAndLeavesADebt) {
  ClientQuotas quotas(Settings("per_client { sentences_per_second: 2 burst_sentences: 4 }"));
  EXPECT_FALSE(quotas.Admit("alice", 10, kStart, kHint).refusal.has_value());
  // 10 taken from 4: a debt of 6, paid off at 2 a second, then one more.
  ClientQuotas::Admission refused = quotas.Admit("alice", 1, kStart + absl::Seconds(3), kHint);
  ASSERT_TRUE(refused.refusal.has_value());
  EXPECT_EQ(RetryAfter(refused.refusal->status), absl::Milliseconds(500));
  EXPECT_FALSE(
      quotas.Admit("alice", 1, kStart + absl::Milliseconds(3500), kHint).refusal.has_value());
}

TEST(ClientQuotasTest, BurstDefaultsToOneSecondOfTheRate) {
  QuotaSettings settings = Settings("per_client { sentences_per_second: 2.5 }");
  EXPECT_DOUBLE_EQ(settings.per_client.burst_sentences, 3.0);
  EXPECT_DOUBLE_EQ(Settings("per_client { sentences_per_second: 0.2 }").per_client.burst_sentences,
                   1.0);
}

TEST(ClientQuotasTest, OverridesMergeFieldByFieldAndZeroMeansNoLimit) {
  QuotaSettings settings = Settings(
      "per_client { max_in_flight_sentences: 8 sentences_per_second: 4 } "
      "overrides { client: \"bulk\" limits { sentences_per_second: 1 } } "
      "overrides { client: \"trusted\" limits { max_in_flight_sentences: 0 "
      "sentences_per_second: 0 } }");
  EXPECT_EQ(settings.For("bulk").max_in_flight_sentences, 8);
  EXPECT_DOUBLE_EQ(settings.For("bulk").sentences_per_second, 1);
  EXPECT_DOUBLE_EQ(settings.For("bulk").burst_sentences, 1);
  EXPECT_FALSE(settings.For("trusted").limited());
  EXPECT_EQ(settings.For("anyone").max_in_flight_sentences, 8);
  ClientQuotas quotas(settings);
  EXPECT_EQ(quotas.Admit("trusted", 100000, kStart, kHint).lease, nullptr);
  EXPECT_FALSE(quotas.Admit("bulk", 1, kStart, kHint).refusal.has_value());
  EXPECT_TRUE(quotas.Admit("bulk", 1, kStart, kHint).refusal.has_value());
  EXPECT_FALSE(quotas.Admit("anyone", 4, kStart, kHint).refusal.has_value());
}

TEST(ClientQuotasTest, OnlyOverridesEnableQuotas) {
  EXPECT_TRUE(ClientQuotas(Settings("overrides { client: \"bulk\" limits { "
                                    "max_in_flight_sentences: 2 } }"))
                  .enabled());
  EXPECT_FALSE(ClientQuotas(Settings("overrides { client: \"x\" limits { "
                                     "max_in_flight_sentences: 0 } }"))
                   .enabled());
}

TEST(ClientQuotasTest, IdleClientsAreForgotten) {
  ClientQuotas quotas(
      Settings("per_client { sentences_per_second: 100 max_in_flight_sentences: 10 }"));
  std::shared_ptr<QuotaLease> held = quotas.Admit("busy", 1, kStart, kHint).lease;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(quotas.Admit(absl::StrCat("10.0.", i / 256, ".", i % 256), 1, kStart, kHint)
                     .refusal.has_value());
  }
  EXPECT_EQ(quotas.tracked_clients(), 1001u);
  // A minute later every bucket is full again: all but the busy client go.
  EXPECT_FALSE(quotas.Admit("new", 1, kStart + absl::Minutes(1), kHint).refusal.has_value());
  EXPECT_EQ(quotas.tracked_clients(), 2u);
  // The busy client's count survived the sweep.
  ClientQuotas::Admission nine = quotas.Admit("busy", 9, kStart + absl::Minutes(1), kHint);
  EXPECT_FALSE(nine.refusal.has_value());
  EXPECT_TRUE(quotas.Admit("busy", 1, kStart + absl::Minutes(1), kHint).refusal.has_value());
}

TEST(QuotaSettingsTest, BadValuesAreRefusedNamingTheField) {
  struct Case {
    std::string text;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {"per_client { sentences_per_second: -1 }",
            "test.config: quotas.per_client.sentences_per_second = -1 is not in"},
           {"per_client { sentences_per_second: inf }", "sentences_per_second = inf"},
           {"per_client { sentences_per_second: nan }", "sentences_per_second = nan"},
           {"per_client { burst_sentences: 0 }", "quotas.per_client.burst_sentences = 0"},
           {"per_client { max_in_flight_sentences: 4000000 }",
            "max_in_flight_sentences = 4000000 exceeds"},
           {"overrides { limits { max_in_flight_sentences: 1 } }",
            "quotas.overrides[0].client must have 1 to 256 characters"},
           {"overrides { client: \"a\" } overrides { client: \"a\" }",
            "quotas.overrides[1]: client 'a' has an earlier override"},
           {"overrides { client: \"a\" limits { sentences_per_second: 1e9 } }",
            "quotas.overrides[0].limits.sentences_per_second"},
       }) {
    const absl::Status status = ResolveError(c.text);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_NE(status.message().find(c.expected), std::string::npos) << c.text << ": " << status;
  }
}

TEST(PeerHostTest, KeepsTheAddressWithoutThePort) {
  EXPECT_EQ(PeerHost("ipv4:127.0.0.1:50432"), "127.0.0.1");
  EXPECT_EQ(PeerHost("ipv4:10.1.2.3:1"), "10.1.2.3");
  EXPECT_EQ(PeerHost("ipv6:[::1]:50432"), "::1");
  EXPECT_EQ(PeerHost("ipv6:%5B::1%5D:50432"), "::1");
  EXPECT_EQ(PeerHost("ipv6:%5Bfe80::1%5D:7"), "fe80::1");
  EXPECT_EQ(PeerHost("unix:/run/liteformer.sock"), "unix:/run/liteformer.sock");
  EXPECT_EQ(PeerHost(std::string(1000, 'x')).size(), 256u);
}

}  // namespace
}  // namespace liteformer
