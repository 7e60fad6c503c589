// The response cache: hits return what was stored, the least recently used
// entries leave first once the byte budget is reached, and a zero budget
// keeps nothing.
#include "server/cache/response_cache.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace liteformer {
namespace {

FinishedSentence Sentence(int first_token, int length) {
  FinishedSentence sentence;
  sentence.macs = 1000;
  Hypothesis h;
  for (int i = 0; i < length; ++i) {
    h.tokens.push_back(first_token + i);
    h.token_scores.push_back(-0.5f * i);
  }
  h.score = -1.25f;
  sentence.hypotheses.push_back(h);
  return sentence;
}

TEST(ResponseCacheTest, AHitReturnsWhatWasStored) {
  ResponseCache cache(1 << 20);
  EXPECT_FALSE(cache.Find("a").has_value());
  cache.Insert("a", Sentence(4, 5));
  const std::optional<FinishedSentence> hit = cache.Find("a");
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->hypotheses[0].tokens, Sentence(4, 5).hypotheses[0].tokens);
  EXPECT_EQ(hit->hypotheses[0].token_scores, Sentence(4, 5).hypotheses[0].token_scores);
  EXPECT_EQ(hit->hypotheses[0].score, -1.25f);
  EXPECT_EQ(hit->macs, 1000);
  EXPECT_FALSE(cache.Find("b").has_value());
  // The same key again replaces the entry and is charged once.
  cache.Insert("a", Sentence(9, 2));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.bytes(), ResponseCache::EntryBytes("a", Sentence(9, 2)));
  EXPECT_EQ(cache.Find("a")->hypotheses[0].tokens, Sentence(9, 2).hypotheses[0].tokens);
}

TEST(ResponseCacheTest, TheLeastRecentlyUsedLeaveFirstWithinTheBudget) {
  const std::size_t entry = ResponseCache::EntryBytes("k0", Sentence(0, 10));
  prometheus::Gauge bytes;
  prometheus::Gauge entries;
  prometheus::Counter evictions;
  ResponseCacheMetrics metrics{.bytes = &bytes, .entries = &entries, .evictions = &evictions};
  ResponseCache cache(3 * entry, metrics);
  for (int i = 0; i < 3; ++i) cache.Insert(absl::StrCat("k", i), Sentence(i, 10));
  ASSERT_TRUE(cache.Find("k0").has_value());  // k0 is now the most recent: k1 goes next.
  cache.Insert("k3", Sentence(3, 10));
  EXPECT_FALSE(cache.Find("k1").has_value());
  EXPECT_TRUE(cache.Find("k0").has_value());
  EXPECT_TRUE(cache.Find("k2").has_value());
  EXPECT_TRUE(cache.Find("k3").has_value());
  EXPECT_LE(cache.bytes(), 3 * entry);
  EXPECT_EQ(metrics.entries->Value(), 3);
  EXPECT_EQ(metrics.bytes->Value(), static_cast<double>(cache.bytes()));
  EXPECT_EQ(metrics.evictions->Value(), 1);
  // An entry larger than the whole budget is not kept (and evicts nothing).
  cache.Insert("huge", Sentence(0, 100000));
  EXPECT_FALSE(cache.Find("huge").has_value());
  EXPECT_EQ(cache.size(), 3u);
}

TEST(ResponseCacheTest, AZeroBudgetKeepsNothing) {
  ResponseCache cache(0);
  EXPECT_FALSE(cache.enabled());
  cache.Insert("a", Sentence(4, 5));
  EXPECT_FALSE(cache.Find("a").has_value());
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace liteformer
