// The languages whose text the sentence splitter knows; a model's config.json
// names its source language as a code ("en", "de-AT", "fr_CA").
#ifndef LITEFORMER_ENGINE_TEXT_LANGUAGE_H_
#define LITEFORMER_ENGINE_TEXT_LANGUAGE_H_

#include "absl/strings/string_view.h"

namespace liteformer {

enum class Language {
  kNeutral,  // Any other language: rules that hold across scripts (sentence_splitter.h).
  kEnglish,
  kGerman,
  kFrench,
};

// The language of a BCP 47-style code: its primary subtag, in any case
// ("EN", "de-CH", "fr_BE", "eng"/"deu"/"ger"/"fra"/"fre" too). kNeutral for
// anything else, the empty code included.
Language LanguageFromCode(absl::string_view code);

// "en", "de", "fr", or "neutral": the name of the language's prefix file.
absl::string_view LanguageName(Language language);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_TEXT_LANGUAGE_H_
