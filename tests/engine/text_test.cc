// Text handling: the sentencepiece shim (loaded in its own link namespace)
// gives the same pieces as the Python library, and UTF-8 validation.
#include <fstream>
#include <string>
#include <vector>

#include "engine/text/sentencepiece_tokenizer.h"
#include "engine/text/utf8.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace liteformer {
namespace {

const std::string kSpmDir = std::string(LITEFORMER_TEST_DATA_DIR) + "/spm";

TEST(SentencePieceTokenizerTest, PiecesAndDecodingMatchPythonSentencepiece) {
  auto tokenizer = SentencePieceTokenizer::Load(kSpmDir + "/tiny.model");
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  std::ifstream in(kSpmDir + "/cases.json");
  const nlohmann::json cases = nlohmann::json::parse(in);
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const std::string text = c["text"];
    auto pieces = (*tokenizer)->Encode(text);
    ASSERT_TRUE(pieces.ok()) << pieces.status();
    EXPECT_EQ(*pieces, c["pieces"].get<std::vector<std::string>>()) << text;
    auto decoded = (*tokenizer)->Decode(*pieces);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, c["decoded"].get<std::string>());
  }
}

TEST(SentencePieceTokenizerTest, RefusesAFileThatIsNotAModel) {
  auto tokenizer = SentencePieceTokenizer::Load(kSpmDir + "/training_text.txt");
  ASSERT_FALSE(tokenizer.ok());
  EXPECT_THAT(std::string(tokenizer.status().message()),
              ::testing::HasSubstr("training_text.txt: not a sentencepiece model"));
}

TEST(Utf8Test, FindsTheFirstInvalidByte) {
  EXPECT_EQ(FindInvalidUtf8("plain ascii"), std::nullopt);
  EXPECT_EQ(FindInvalidUtf8("Übersetzung 🙂 “x”"), std::nullopt);
  EXPECT_EQ(FindInvalidUtf8("ab\xff"), 2u);            // Never valid.
  EXPECT_EQ(FindInvalidUtf8("a\xc3"), 1u);             // Truncated.
  EXPECT_EQ(FindInvalidUtf8("\xc0\xaf"), 0u);          // Overlong '/'.
  EXPECT_EQ(FindInvalidUtf8("x\xed\xa0\x80"), 1u);     // Surrogate.
  EXPECT_EQ(FindInvalidUtf8("\xf4\x90\x80\x80"), 0u);  // Beyond U+10FFFF.
  EXPECT_EQ(FindInvalidUtf8("ok\xe2\x82"), 2u);        // Truncated 3-byte.
}

}  // namespace
}  // namespace liteformer
