#include "engine/text/vocabulary.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace liteformer {
namespace {

using ::testing::HasSubstr;

TEST(VocabularyTest, SpecialsAreImplicitAndLinesStartAtFour) {
  const auto vocab = Vocabulary::Parse("hello 10\n▁world 5\nmadeupword0000 0\n", "dict.txt");
  ASSERT_TRUE(vocab.ok()) << vocab.status();
  EXPECT_EQ(vocab->size(), 7);
  EXPECT_EQ(vocab->Token(Vocabulary::kEos), "</s>");
  EXPECT_EQ(vocab->Id("hello"), 4);
  EXPECT_EQ(vocab->Id("▁world"), 5);
  EXPECT_EQ(vocab->Id("never-seen"), Vocabulary::kUnk);
  EXPECT_EQ(vocab->Token(6), "madeupword0000");
}

TEST(VocabularyTest, OverwriteFlagAllowsDuplicate) {
  const auto vocab = Vocabulary::Parse("a 1\na 1 #fairseq:overwrite\n", "dict.txt");
  ASSERT_TRUE(vocab.ok()) << vocab.status();
  EXPECT_EQ(vocab->Id("a"), 5);
}

TEST(VocabularyTest, RefusesMalformedLinesWithFileAndLine) {
  auto vocab = Vocabulary::Parse("a 1\nb\n", "dict.de.txt");
  ASSERT_FALSE(vocab.ok());
  EXPECT_THAT(std::string(vocab.status().message()),
              HasSubstr("dict.de.txt:2: expected 'token count'"));
  vocab = Vocabulary::Parse("a 1\na 2\n", "dict.de.txt");
  ASSERT_FALSE(vocab.ok());
  EXPECT_THAT(std::string(vocab.status().message()),
              HasSubstr("dict.de.txt:2: duplicate token 'a'"));
  vocab = Vocabulary::FromFile("/nonexistent/dict.txt");
  EXPECT_EQ(vocab.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace liteformer
