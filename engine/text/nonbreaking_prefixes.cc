#include "engine/text/nonbreaking_prefixes.h"

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/text/char_class.h"
#include "engine/text/nonbreaking_prefix_data.h"

namespace liteformer {
namespace {

// The word with its first letter in lower case, or nothing if it does not
// start with an upper-case letter.
std::optional<std::string> LowerFirst(absl::string_view word) {
  if (word.empty()) return std::nullopt;
  const DecodedChar first = DecodeUtf8At(word, 0);
  if (Classify(first.code) != CharClass::kUpper) return std::nullopt;
  std::string lowered;
  AppendUtf8(ToLower(first.code), lowered);
  absl::StrAppend(&lowered, word.substr(first.length));
  return lowered;
}

NonbreakingPrefixes ParseOrDie(Language language) {
  const absl::string_view name = LanguageName(language);
  auto parsed = NonbreakingPrefixes::Parse(EmbeddedNonbreakingPrefixes(name), name);
  if (!parsed.ok()) {
    // Compiled-in data, checked by sentence_splitter_test: a broken file is a build defect.
    std::fprintf(stderr, "%s\n", std::string(parsed.status().message()).c_str());
    std::abort();
  }
  return *std::move(parsed);
}

}  // namespace

const NonbreakingPrefixes& NonbreakingPrefixes::For(Language language) {
  // Function statics: thread-safe initialization, parsed on first use.
  static const NonbreakingPrefixes* const kLists[] = {
      new NonbreakingPrefixes(ParseOrDie(Language::kNeutral)),
      new NonbreakingPrefixes(ParseOrDie(Language::kEnglish)),
      new NonbreakingPrefixes(ParseOrDie(Language::kGerman)),
      new NonbreakingPrefixes(ParseOrDie(Language::kFrench)),
  };
  return *kLists[static_cast<int>(language)];
}

absl::StatusOr<NonbreakingPrefixes> NonbreakingPrefixes::Parse(absl::string_view text,
                                                               absl::string_view source_name) {
  NonbreakingPrefixes result;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    const std::string word(fields[0]);
    if (fields.size() == 1) {
      result.prefixes_[word] = PrefixKind::kAlways;
    } else if (fields.size() == 2 && fields[1] == "#NUMERIC_ONLY#") {
      result.prefixes_[word] = PrefixKind::kNumericOnly;
    } else if (fields.size() == 2 && fields[1] == "#ORDINAL_INTRO#") {
      result.ordinal_intros_.insert(LowerFirst(word).value_or(word));
    } else if (fields.size() == 2 && fields[1] == "#ORDINAL_NOUN#") {
      result.ordinal_nouns_.insert(word);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(source_name, " line ", line_number, ": expected a word and at most one of ",
                       "#NUMERIC_ONLY#, #ORDINAL_INTRO#, #ORDINAL_NOUN#, got \"", line, "\""));
    }
  }
  return result;
}

PrefixKind NonbreakingPrefixes::Find(absl::string_view word) const {
  if (auto it = prefixes_.find(word); it != prefixes_.end()) return it->second;
  // One capital letter is an initial ("J.-P. Sartre"), not "p." (page) capitalized.
  if (word.size() <= 4 && DecodeUtf8At(word, 0).length == static_cast<int>(word.size())) {
    return PrefixKind::kNone;
  }
  if (std::optional<std::string> lowered = LowerFirst(word)) {
    if (auto it = prefixes_.find(*lowered); it != prefixes_.end()) return it->second;
  }
  return PrefixKind::kNone;
}

bool NonbreakingPrefixes::IsOrdinalIntro(absl::string_view word) const {
  if (ordinal_intros_.contains(word)) return true;
  std::optional<std::string> lowered = LowerFirst(word);
  return lowered.has_value() && ordinal_intros_.contains(*lowered);
}

}  // namespace liteformer
