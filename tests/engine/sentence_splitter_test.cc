// The sentence splitter: hand-written cases per language
// (tests/data/sentence_splitter/<lang>.txt), the segments' layout and
// round trip on every case, Reassemble, the compiled-in prefix lists, and
// hostile input.
#include "engine/text/sentence_splitter.h"

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/text/char_class.h"
#include "engine/text/language.h"
#include "engine/text/nonbreaking_prefix_data.h"
#include "engine/text/nonbreaking_prefixes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace liteformer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Kind = TextSegment::Kind;

const std::string kCaseDir = std::string(LITEFORMER_TEST_DATA_DIR) + "/sentence_splitter";

struct Case {
  int line = 0;
  std::string input;
  std::vector<std::string> sentences;
};

// The case files' escapes: \n \r \t \\ \uXXXX (a code point) and \xHH (a raw byte).
std::string Unescape(absl::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out.push_back(s[i]);
      continue;
    }
    const char e = s[++i];
    std::uint32_t value = 0;
    if (e == 'n') {
      out.push_back('\n');
    } else if (e == 'r') {
      out.push_back('\r');
    } else if (e == 't') {
      out.push_back('\t');
    } else if (e == 'u' && absl::SimpleHexAtoi(s.substr(i + 1, 4), &value)) {
      AppendUtf8(value, out);
      i += 4;
    } else if (e == 'x' && absl::SimpleHexAtoi(s.substr(i + 1, 2), &value)) {
      out.push_back(static_cast<char>(value));
      i += 2;
    } else {
      out.push_back(e);  // "\\" and anything else: the character itself.
    }
  }
  return out;
}

// "< input" starts a case, each "> sentence" after it is an expected
// sentence; "#" lines are comments.
std::vector<Case> ReadCases(const std::string& name) {
  std::ifstream in(kCaseDir + "/" + name + ".txt");
  EXPECT_TRUE(in.good()) << name;
  std::vector<Case> cases;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    const absl::string_view body = line.size() > 2 ? absl::string_view(line).substr(2) : "";
    if (line[0] == '<') {
      cases.push_back({number, Unescape(body), {}});
    } else if (line[0] == '>' && !cases.empty()) {
      cases.back().sentences.push_back(Unescape(body));
    } else {
      ADD_FAILURE() << name << ".txt line " << number << ": not a case line: " << line;
    }
  }
  return cases;
}

bool IsSpaceOrBreak(absl::string_view text, std::size_t pos) {
  const CharClass cls = Classify(DecodeUtf8At(text, pos).code);
  return cls == CharClass::kSpace || cls == CharClass::kLineBreak;
}

// What every segmentation must hold: the segments tile the text, sentences
// are trimmed, non-empty and on one line, verbatim runs are merged, and
// Reassemble gives the text back (and puts replacements in their places).
void ExpectWellFormed(absl::string_view text, const std::vector<TextSegment>& segments) {
  std::string concatenated, replaced;
  std::vector<std::string> originals, replacements;
  std::size_t expected_begin = 0;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const TextSegment& s = segments[i];
    ASSERT_EQ(s.begin, expected_begin);
    ASSERT_LT(s.begin, s.end);
    ASSERT_LE(s.end, text.size());
    expected_begin = s.end;
    const absl::string_view piece = s.In(text);
    absl::StrAppend(&concatenated, piece);
    if (s.is_sentence()) {
      EXPECT_FALSE(IsSpaceOrBreak(piece, 0)) << piece;
      std::size_t last = 0;  // The last character's first byte.
      for (std::size_t pos = 0; pos < piece.size(); pos += DecodeUtf8At(piece, pos).length) {
        last = pos;
      }
      EXPECT_FALSE(IsSpaceOrBreak(piece, last)) << piece;
      EXPECT_EQ(piece.find_first_of("\n\r"), absl::string_view::npos) << piece;
      originals.emplace_back(piece);
      replacements.push_back(absl::StrCat("<", originals.size(), ">"));
      replaced.append(replacements.back());
    } else {
      absl::StrAppend(&replaced, piece);
      if (i > 0) {
        EXPECT_TRUE(segments[i - 1].is_sentence()) << "adjacent verbatim segments";
      }
    }
  }
  EXPECT_EQ(expected_begin, text.size());
  EXPECT_EQ(concatenated, text);
  auto same = Reassemble(segments, text, originals);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(*same, text);
  auto translated = Reassemble(segments, text, replacements);
  ASSERT_TRUE(translated.ok()) << translated.status();
  EXPECT_EQ(*translated, replaced);
}

void CheckCaseFile(const std::string& name, Language language, int minimum_cases) {
  const std::vector<Case> cases = ReadCases(name);
  EXPECT_GE(static_cast<int>(cases.size()), minimum_cases) << name;
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(name, ".txt line ", c.line));
    EXPECT_EQ(SplitSentences(c.input, language), c.sentences) << "input: " << c.input;
    ExpectWellFormed(c.input, SegmentText(c.input, language));
  }
}

TEST(SentenceSplitterTest, English) { CheckCaseFile("en", Language::kEnglish, 150); }
TEST(SentenceSplitterTest, German) { CheckCaseFile("de", Language::kGerman, 150); }
TEST(SentenceSplitterTest, French) { CheckCaseFile("fr", Language::kFrench, 150); }
TEST(SentenceSplitterTest, Neutral) { CheckCaseFile("neutral", Language::kNeutral, 20); }

TEST(SentenceSplitterTest, EveryCaseFileSegmentsWellInEveryLanguage) {
  for (const char* name : {"en", "de", "fr", "neutral"}) {
    for (Language language :
         {Language::kNeutral, Language::kEnglish, Language::kGerman, Language::kFrench}) {
      for (const Case& c : ReadCases(name)) {
        SCOPED_TRACE(absl::StrCat(name, ".txt line ", c.line, " as ", LanguageName(language)));
        ExpectWellFormed(c.input, SegmentText(c.input, language));
      }
    }
  }
}

std::pair<Kind, std::string> Piece(Kind kind, const char* text) { return {kind, text}; }

TEST(SentenceSplitterTest, SegmentsKeepTheLayout) {
  const std::string text = "  - Hello there. How are you?\n\n\t2. Fine!  Thanks.\r\nBye \n";
  const std::vector<TextSegment> segments = SegmentText(text, Language::kEnglish);
  std::vector<std::pair<Kind, std::string>> pieces;
  for (const TextSegment& s : segments) pieces.emplace_back(s.kind, std::string(s.In(text)));
  EXPECT_THAT(pieces,
              ElementsAre(Piece(Kind::kVerbatim, "  - "), Piece(Kind::kSentence, "Hello there."),
                          Piece(Kind::kVerbatim, " "), Piece(Kind::kSentence, "How are you?"),
                          Piece(Kind::kVerbatim, "\n\n\t2. "), Piece(Kind::kSentence, "Fine!"),
                          Piece(Kind::kVerbatim, "  "), Piece(Kind::kSentence, "Thanks."),
                          Piece(Kind::kVerbatim, "\r\n"), Piece(Kind::kSentence, "Bye"),
                          Piece(Kind::kVerbatim, " \n")));
  auto document =
      Reassemble(segments, text, {"Hallo.", "Wie geht's?", "Gut!", "Danke.", "Tschüss"});
  ASSERT_TRUE(document.ok()) << document.status();
  EXPECT_EQ(*document, "  - Hallo. Wie geht's?\n\n\t2. Gut!  Danke.\r\nTschüss \n");
}

TEST(SentenceSplitterTest, EmptyAndBlankTexts) {
  EXPECT_TRUE(SegmentText("", Language::kEnglish).empty());
  const std::vector<TextSegment> blank = SegmentText(" \n\t\n", Language::kGerman);
  ASSERT_EQ(blank.size(), 1u);
  EXPECT_FALSE(blank[0].is_sentence());
  EXPECT_EQ(blank[0].end, 4u);
  auto document = Reassemble({}, "", {});
  ASSERT_TRUE(document.ok());
  EXPECT_EQ(*document, "");
}

TEST(SentenceSplitterTest, ReassembleRefusesMismatches) {
  const std::string text = "One. Two.";
  const std::vector<TextSegment> segments = SegmentText(text, Language::kEnglish);
  ASSERT_EQ(segments.size(), 3u);
  EXPECT_THAT(std::string(Reassemble(segments, text, {"Eins."}).status().message()),
              HasSubstr("more sentence segments than the 1 sentences given"));
  EXPECT_THAT(std::string(Reassemble(segments, text, {"a", "b", "c"}).status().message()),
              HasSubstr("3 sentences given for 2 sentence segments"));
  EXPECT_FALSE(Reassemble(segments, "One. Two. Three.", {"a", "b"}).ok());  // Not its text.
  EXPECT_FALSE(Reassemble(segments, "One.", {"a", "b"}).ok());
  std::vector<TextSegment> gap = segments;
  gap.erase(gap.begin() + 1);
  EXPECT_FALSE(Reassemble(gap, text, {"a", "b"}).ok());
}

TEST(SentenceSplitterTest, LanguageCodes) {
  EXPECT_EQ(LanguageFromCode("en"), Language::kEnglish);
  EXPECT_EQ(LanguageFromCode("EN-us"), Language::kEnglish);
  EXPECT_EQ(LanguageFromCode("de_AT"), Language::kGerman);
  EXPECT_EQ(LanguageFromCode("deu"), Language::kGerman);
  EXPECT_EQ(LanguageFromCode("fr-CA"), Language::kFrench);
  EXPECT_EQ(LanguageFromCode("fre"), Language::kFrench);
  EXPECT_EQ(LanguageFromCode("es"), Language::kNeutral);
  EXPECT_EQ(LanguageFromCode(""), Language::kNeutral);
  EXPECT_EQ(LanguageFromCode("english"), Language::kNeutral);
  EXPECT_EQ(LanguageName(Language::kGerman), "de");
  EXPECT_EQ(LanguageName(Language::kNeutral), "neutral");
}

TEST(NonbreakingPrefixesTest, EveryCompiledInListParses) {
  for (const char* name : {"en", "de", "fr", "neutral"}) {
    const absl::string_view data = EmbeddedNonbreakingPrefixes(name);
    EXPECT_FALSE(data.empty()) << name;
    auto parsed = NonbreakingPrefixes::Parse(data, name);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_GT(parsed->size(), 10) << name;
  }
  EXPECT_TRUE(EmbeddedNonbreakingPrefixes("xx").empty());
  EXPECT_EQ(NonbreakingPrefixes::For(Language::kEnglish).Find("Dr"), PrefixKind::kAlways);
  EXPECT_EQ(NonbreakingPrefixes::For(Language::kEnglish).Find("No"), PrefixKind::kNumericOnly);
  EXPECT_EQ(NonbreakingPrefixes::For(Language::kGerman).Find("Bzw"), PrefixKind::kAlways);
  EXPECT_EQ(NonbreakingPrefixes::For(Language::kFrench).Find("Févr"), PrefixKind::kAlways);
  EXPECT_EQ(NonbreakingPrefixes::For(Language::kFrench).Find("Dog"), PrefixKind::kNone);
  EXPECT_TRUE(NonbreakingPrefixes::For(Language::kGerman).IsOrdinalIntro("Der"));
  EXPECT_TRUE(NonbreakingPrefixes::For(Language::kGerman).IsOrdinalNoun("Oktober"));
  EXPECT_FALSE(NonbreakingPrefixes::For(Language::kEnglish).IsOrdinalNoun("Oktober"));
}

TEST(NonbreakingPrefixesTest, RefusesAnUnknownMarker) {
  auto parsed = NonbreakingPrefixes::Parse("# ok\nDr\nNo #NUMBER_ONLY#\n", "xx.txt");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("xx.txt line 3"));
  EXPECT_FALSE(NonbreakingPrefixes::Parse("Dr #NUMERIC_ONLY# extra\n", "xx.txt").ok());
}

std::string Repeat(absl::string_view piece, std::size_t bytes) {
  std::string out;
  out.reserve(bytes + piece.size());
  while (out.size() < bytes) absl::StrAppend(&out, piece);
  return out;
}

constexpr std::size_t kMegabyte = 1 << 20;

// Linear time is what these check, by size: a quadratic splitter would not
// finish them in the test's time limit. The counts bound the output.
TEST(SentenceSplitterTest, LargeRepetitiveInputs) {
  const std::string a = Repeat("a. ", kMegabyte);  // Lower case: one sentence.
  std::vector<TextSegment> segments = SegmentText(a, Language::kEnglish);
  EXPECT_LE(segments.size(), 2u);
  ExpectWellFormed(a, segments);

  const std::string ab = Repeat("Ab. ", kMegabyte);  // A sentence each.
  segments = SegmentText(ab, Language::kEnglish);
  EXPECT_EQ(segments.size(), 2 * (ab.size() / 4));
  ExpectWellFormed(ab, segments);

  for (const char* piece : {".", "!?", "…", "(", " ", "\n", "a", "1.", "- ", "» ", "\xff"}) {
    for (Language language : {Language::kNeutral, Language::kGerman, Language::kFrench}) {
      const std::string text = Repeat(piece, kMegabyte);
      segments = SegmentText(text, language);
      EXPECT_LE(segments.size(), text.size()) << piece;
      ExpectWellFormed(text, segments);
    }
  }
  const std::string initials = Repeat("J. ", kMegabyte) + "Tolkien.";
  EXPECT_EQ(SplitSentences(initials, Language::kEnglish).size(), 1u);
}

TEST(SentenceSplitterTest, ArbitraryBytes) {
  std::uint64_t state = 12345;
  auto next_byte = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<char>(state >> 56);
  };
  // Bytes drawn mostly from the characters the splitter reacts to.
  const std::string alphabet = std::string(". !?\n\r\t\"')]»«“”…Aa1(-*•\xc2\xa0\xe2\x80\xaf") +
                               std::string("\xff\xc3\x80\xe2\x80\x00", 6);
  for (int round = 0; round < 200; ++round) {
    std::string text;
    const int length = round * 37 % 4000;
    for (int i = 0; i < length; ++i) {
      const char b = next_byte();
      text.push_back(round % 2 == 0 ? b
                                    : alphabet[static_cast<unsigned char>(b) % alphabet.size()]);
    }
    for (Language language :
         {Language::kNeutral, Language::kEnglish, Language::kGerman, Language::kFrench}) {
      SCOPED_TRACE(absl::StrCat("round ", round, " ", LanguageName(language)));
      ExpectWellFormed(text, SegmentText(text, language));
    }
  }
}

}  // namespace
}  // namespace liteformer
