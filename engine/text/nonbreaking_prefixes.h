// NonbreakingPrefixes: one language's words that keep a following period from
// ending a sentence, parsed from the files of nonbreaking_prefixes/ (their
// format is in nonbreaking_prefixes/README.md), and German's ordinal hints.
#ifndef LITEFORMER_ENGINE_TEXT_NONBREAKING_PREFIXES_H_
#define LITEFORMER_ENGINE_TEXT_NONBREAKING_PREFIXES_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/text/language.h"

namespace liteformer {

enum class PrefixKind {
  kNone,         // An ordinary word: a period after it may end a sentence.
  kAlways,       // Never ends a sentence ("Dr.", "z.B.").
  kNumericOnly,  // Does not end a sentence before a number ("No. 5").
};

class NonbreakingPrefixes {
 public:
  // The compiled-in list of a language (kNeutral: neutral.txt). Parsed once,
  // on first use; never fails (the files are checked by the tests).
  static const NonbreakingPrefixes& For(Language language);

  // INVALID_ARGUMENT, naming `source_name` and the line, for an unknown marker
  // or a line with more than a word and a marker.
  static absl::StatusOr<NonbreakingPrefixes> Parse(absl::string_view text,
                                                   absl::string_view source_name);

  // The word as written, or (for a capitalized word of two letters or more)
  // with its first letter in lower case: "Ca." at the start of a sentence is "ca.".
  PrefixKind Find(absl::string_view word) const;
  // German "der 2. Weltkrieg": a word (any case) that makes the number after it an ordinal.
  bool IsOrdinalIntro(absl::string_view word) const;
  // German "3. Oktober": a word, as written, that makes the number before it an ordinal.
  bool IsOrdinalNoun(absl::string_view word) const { return ordinal_nouns_.contains(word); }

  int size() const { return static_cast<int>(prefixes_.size()); }

 private:
  absl::flat_hash_map<std::string, PrefixKind> prefixes_;
  absl::flat_hash_set<std::string> ordinal_intros_;  // In lower case.
  absl::flat_hash_set<std::string> ordinal_nouns_;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_TEXT_NONBREAKING_PREFIXES_H_
