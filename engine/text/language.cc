#include "engine/text/language.h"

#include <string>

#include "absl/strings/ascii.h"

namespace liteformer {

Language LanguageFromCode(absl::string_view code) {
  const std::size_t end = code.find_first_of("-_");
  const std::string primary = absl::AsciiStrToLower(code.substr(0, end));
  if (primary == "en" || primary == "eng") return Language::kEnglish;
  if (primary == "de" || primary == "deu" || primary == "ger") return Language::kGerman;
  if (primary == "fr" || primary == "fra" || primary == "fre") return Language::kFrench;
  return Language::kNeutral;
}

absl::string_view LanguageName(Language language) {
  switch (language) {
    case Language::kEnglish:
      return "en";
    case Language::kGerman:
      return "de";
    case Language::kFrench:
      return "fr";
    case Language::kNeutral:
      break;
  }
  return "neutral";
}

}  // namespace liteformer
