// Sentence segmentation that keeps a document's layout: a text becomes an
// ordered list of segments, each a sentence (to translate on its own) or
// verbatim bytes (the whitespace, line breaks, indentation and list markers
// around sentences). The segments tile the input: their bytes, in order, are
// the input byte for byte, so a translated document is reassembled by putting
// each sentence's translation in its place (Reassemble).
//
// Rules (every language):
// - Lines. Every line break (\n, \r\n, \r, U+2028, U+2029) ends a sentence:
//   no sentence spans lines, so line breaks and blank lines come back exactly
//   where they were. A soft-wrapped paragraph is thus translated line by line;
//   joining wrapped lines would lose the layout the text was sent with.
// - List markers. At the start of a line, after any indentation, a marker
//   followed by a space or the end of the line is verbatim, not a sentence:
//   a bullet (- * + • ‣ ◦ ▪ · – —), a number of up to three digits with
//   optional dotted parts ending in "." or ")" ("1.", "2.3.", "4)"), a letter
//   or a small Roman numeral ending in ")" ("a)", "iv)"), or one of those in
//   parentheses ("(a)", "(12)"). A German line starting "3. Oktober" thus
//   keeps "3." verbatim.
// - Stops. A sentence may end after a run of . ! ? … ‼ ⁇ ⁈ ⁉ and the closing
//   quotes and brackets right after it (" ' ) ] } ” ’ » « “ ‘ › ‹ 」 』), and
//   only where a space follows (so 3.5, 1.000,00, config.json, example.com
//   and e-mail addresses never split), except after the ideographic stops 。
//   ！ ？ which need none. It does not end when the next word (past opening
//   quotes and brackets) starts with a lower-case letter, nor when the stop
//   follows an opening bracket ("[...]", "(!)").
// - A run with ! or ? ends the sentence. An ellipsis (".." or more, or "…")
//   ends it too (before an upper-case word, a digit or anything but lower case).
// - A single period ends the sentence unless: the word before it is a
//   non-breaking prefix of the language (nonbreaking_prefixes/<lang>.txt),
//   or a numeric-only prefix and a number follows ("No. 5"); the word is one
//   capital letter (an initial: "J. R. R. Tolkien", "M. Dupont"); the word is
//   dotted letter groups of at most two letters ("e.g.", "U.S.", "z.B.",
//   "Ph.D."); or a lone period is followed by another (". . ."). For the
//   prefixes and initials, a word with hyphens or apostrophes counts as its
//   last part too ("Dipl.-Ing.", "J.-P. Sartre", "l'art. 5"). After a
//   closing quote or bracket ("Stop." Then) the prefix checks do not apply.
//
// Per language:
// - en, de, fr: their own prefix file.
// - de: a number of one to three digits with a period is an ordinal, not an
//   end, when the word before it announces one ("der 2. Weltkrieg", "am 3.
//   Oktober", "Jedes 3. Kind": #ORDINAL_INTRO# words such as articles and am,
//   im, zum, seit) or the word after it is one that follows ordinals (months,
//   Jahrhundert, Geburtstag, Weltkrieg, ...: #ORDINAL_NOUN#). Otherwise
//   "Er wurde 42. Dann ..." splits as in the other languages.
// - fr: closing » and › after a space ("« Non ! » Puis") stay with the
//   sentence; the space before ? ! : ; is part of the sentence anyway.
// - Neutral (any other language): the rules above with neutral.txt, a short
//   list of titles and number abbreviations (Dr, Prof, No, Nr, ...), no
//   ordinal rule and no » after a space.
//
// Input may be any bytes: invalid UTF-8 is read as one replacement character
// per bad byte (and stays in the segments as it was). Time and memory are
// linear in the input.
#ifndef LITEFORMER_ENGINE_TEXT_SENTENCE_SPLITTER_H_
#define LITEFORMER_ENGINE_TEXT_SENTENCE_SPLITTER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/text/language.h"

namespace liteformer {

struct TextSegment {
  enum class Kind {
    kSentence,  // To translate: no leading or trailing space, never empty, on one line.
    kVerbatim,  // Kept as is: spaces, line breaks, indentation, list markers.
  };
  Kind kind = Kind::kVerbatim;
  std::size_t begin = 0;  // Byte offsets into the segmented text: [begin, end).
  std::size_t end = 0;

  bool is_sentence() const { return kind == Kind::kSentence; }
  absl::string_view In(absl::string_view text) const { return text.substr(begin, end - begin); }
};

// The segments of `text`, in order: the first begins at 0, each begins where
// the one before ended, the last ends at text.size() (none for an empty
// text). Two verbatim segments are never adjacent.
std::vector<TextSegment> SegmentText(absl::string_view text, Language language);

// The sentences of `text`, in order (the sentence segments' text).
std::vector<std::string> SplitSentences(absl::string_view text, Language language);

// The document `original` (the text `segments` came from) with its i-th
// sentence replaced by sentences[i]; verbatim segments are copied.
// INVALID_ARGUMENT if the segments do not tile `original` or the counts of
// sentences differ.
absl::StatusOr<std::string> Reassemble(const std::vector<TextSegment>& segments,
                                       absl::string_view original,
                                       const std::vector<std::string>& sentences);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_TEXT_SENTENCE_SPLITTER_H_
