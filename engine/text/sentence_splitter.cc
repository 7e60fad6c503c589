#include "engine/text/sentence_splitter.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/text/char_class.h"
#include "engine/text/nonbreaking_prefixes.h"

namespace liteformer {
namespace {

struct Char {
  char32_t code;
  CharClass cls;
  std::size_t pos;  // Byte offset of its first byte.
};

bool IsIdeographicStop(char32_t c) {
  return c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0xFF61;
}

bool IsStop(char32_t c) {
  return c == '.' || c == '!' || c == '?' || c == 0x2026 || c == 0x203C || c == 0x2047 ||
         c == 0x2048 || c == 0x2049 || IsIdeographicStop(c);
}

// Closing quotes and brackets that stay with the stop before them. German
// »...«, „...“ and ‚...‘ close with «, “ and ‘, which open in French and
// English, but right after a stop they can only close.
bool IsCloser(char32_t c) {
  switch (c) {
    case '"':
    case '\'':
    case ')':
    case ']':
    case '}':
    case 0x201D:  // ”
    case 0x2019:  // ’
    case 0x00BB:  // »
    case 0x00AB:  // «
    case 0x201C:  // “
    case 0x2018:  // ‘
    case 0x203A:  // ›
    case 0x2039:  // ‹
    case 0x300D:  // 」
    case 0x300F:  // 』
    case 0xFF09:  // ）
      return true;
    default:
      return false;
  }
}

bool IsBullet(char32_t c) {
  switch (c) {
    case '-':
    case '*':
    case '+':
    case 0x2022:  // •
    case 0x2023:  // ‣
    case 0x25E6:  // ◦
    case 0x25AA:  // ▪
    case 0x25CF:  // ●
    case 0x25CB:  // ○
    case 0x25A0:  // ■
    case 0x00B7:  // ·
    case 0x2013:  // –
    case 0x2014:  // —
      return true;
    default:
      return false;
  }
}

bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }
bool IsAsciiLetter(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsRomanDigit(char32_t c) {
  return c == 'i' || c == 'v' || c == 'x' || c == 'l' || c == 'c' || c == 'I' || c == 'V' ||
         c == 'X' || c == 'L' || c == 'C';
}
bool IsLetter(CharClass cls) {
  return cls == CharClass::kLower || cls == CharClass::kUpper || cls == CharClass::kOtherLetter;
}

class Segmenter {
 public:
  Segmenter(absl::string_view text, Language language)
      : text_(text), language_(language), prefixes_(NonbreakingPrefixes::For(language)) {
    chars_.reserve(text.size() + 1);
    for (std::size_t pos = 0; pos < text.size();) {
      const DecodedChar c = DecodeUtf8At(text, pos);
      chars_.push_back({c.code, Classify(c.code), pos});
      pos += c.length;
    }
    n_ = chars_.size();
    chars_.push_back({0, CharClass::kLineBreak, text.size()});  // Sentinel: Pos(n_).
  }

  std::vector<TextSegment> Run() {
    std::size_t i = 0;
    while (i < n_) {
      std::size_t end = i;
      while (end < n_ && chars_[end].cls != CharClass::kLineBreak) ++end;
      SegmentLine(i, end);
      if (end == n_) break;
      std::size_t next = end + 1;
      if (chars_[end].code == '\r' && next < n_ && chars_[next].code == '\n') ++next;
      Emit(TextSegment::Kind::kVerbatim, end, next);
      i = next;
    }
    return std::move(segments_);
  }

 private:
  std::size_t Pos(std::size_t i) const { return chars_[i].pos; }
  char32_t Code(std::size_t i) const { return chars_[i].code; }
  CharClass Cls(std::size_t i) const { return chars_[i].cls; }
  absl::string_view Bytes(std::size_t first, std::size_t last) const {
    return text_.substr(Pos(first), Pos(last) - Pos(first));
  }

  // Characters [first, last) as a segment; verbatim runs merge.
  void Emit(TextSegment::Kind kind, std::size_t first, std::size_t last) {
    if (first >= last) return;
    const std::size_t begin = Pos(first), end = Pos(last);
    if (kind == TextSegment::Kind::kVerbatim && !segments_.empty() &&
        !segments_.back().is_sentence() && segments_.back().end == begin) {
      segments_.back().end = end;
      return;
    }
    segments_.push_back({kind, begin, end});
  }

  std::size_t SkipSpaces(std::size_t i, std::size_t last) const {
    while (i < last && Cls(i) == CharClass::kSpace) ++i;
    return i;
  }

  // The end of a list marker starting at i, or i if there is none (see the header).
  std::size_t ListMarkerEnd(std::size_t i, std::size_t last) const {
    std::size_t m = i;
    if (IsBullet(Code(m))) {
      ++m;
    } else if (Code(m) == '(') {
      std::size_t k = m + 1;
      while (k < last && k - m <= 3 && (IsAsciiDigit(Code(k)) || IsAsciiLetter(Code(k)))) ++k;
      if (k == m + 1 || k >= last || Code(k) != ')') return i;
      m = k + 1;
    } else if (IsAsciiDigit(Code(m))) {
      std::size_t k = m;
      while (k < last && k - m < 3 && IsAsciiDigit(Code(k))) ++k;
      // Dotted parts: "2.3." (a decimal such as "3.5 percent" has no final stop).
      while (k + 1 < last && Code(k) == '.' && IsAsciiDigit(Code(k + 1))) {
        const std::size_t part = ++k;
        while (k < last && k - part < 3 && IsAsciiDigit(Code(k))) ++k;
      }
      if (k >= last || (Code(k) != '.' && Code(k) != ')')) return i;
      m = k + 1;
    } else if (IsAsciiLetter(Code(m))) {
      std::size_t k = m;
      while (k < last && k - m < 5 && IsRomanDigit(Code(k))) ++k;
      if (k == m) k = m + 1;  // A single letter that is not a Roman digit.
      if (k >= last || Code(k) != ')') return i;
      m = k + 1;
    } else {
      return i;
    }
    return m == last || Cls(m) == CharClass::kSpace ? m : i;
  }

  void SegmentLine(std::size_t first, std::size_t last) {
    std::size_t start = SkipSpaces(first, last);
    if (start < last) {
      const std::size_t marker_end = ListMarkerEnd(start, last);
      if (marker_end != start) start = SkipSpaces(marker_end, last);
    }
    Emit(TextSegment::Kind::kVerbatim, first, start);
    std::size_t end = last;
    while (end > start && Cls(end - 1) == CharClass::kSpace) --end;

    std::size_t sentence = start;
    std::size_t word = start;  // Where the word under the cursor began.
    Span previous_word;        // The word before it, within the sentence.
    std::size_t skip_until = start;
    for (std::size_t k = start; k < end; ++k) {
      if (Cls(k) == CharClass::kSpace) {
        if (k > word) previous_word = {word, k};
        word = k + 1;
        continue;
      }
      if (k < skip_until || !IsStop(Code(k))) continue;
      const Candidate candidate = ReadCandidate(k, end);
      skip_until = candidate.sentence_end;
      if (candidate.sentence_end >= end) break;  // The line's end ends the sentence anyway.
      if (!candidate.may_end) continue;
      if (!EndsSentence(candidate, sentence, {word, k}, previous_word, end)) continue;
      Emit(TextSegment::Kind::kSentence, sentence, candidate.sentence_end);
      Emit(TextSegment::Kind::kVerbatim, candidate.sentence_end, candidate.next);
      sentence = word = skip_until = candidate.next;
      previous_word = {};
      k = candidate.next - 1;
    }
    Emit(TextSegment::Kind::kSentence, sentence, end);
    Emit(TextSegment::Kind::kVerbatim, end, last);
  }

  struct Span {
    std::size_t first = 0, last = 0;
    bool empty() const { return first >= last; }
  };

  // A run of stops, with the closing quotes and brackets after it.
  struct Candidate {
    std::size_t stop = 0;          // Its first stop.
    std::size_t sentence_end = 0;  // Past the stops and closers.
    std::size_t next = 0;          // The next sentence would start here.
    int periods = 0;
    bool ellipsis_char = false;  // "…"
    bool strong = false;         // ! ? and their kin.
    bool ideographic = false;
    bool closed = false;   // A closing quote or bracket followed the stop.
    bool may_end = false;  // A space follows, or an ideographic stop.
  };

  Candidate ReadCandidate(std::size_t k, std::size_t end) const {
    Candidate c;
    c.stop = k;
    std::size_t r = k;
    auto read_run = [&] {
      for (; r < end && (IsStop(Code(r)) || IsCloser(Code(r))); ++r) {
        const char32_t code = Code(r);
        if (code == '.') {
          ++c.periods;
        } else if (code == 0x2026) {
          c.ellipsis_char = true;
        } else if (IsIdeographicStop(code)) {
          c.ideographic = true;
        } else if (IsStop(code)) {
          c.strong = true;
        } else {
          c.closed = true;
        }
      }
    };
    read_run();
    // French sets the closing guillemet off with a space: « Non ! » Puis...
    if (language_ == Language::kFrench) {
      for (std::size_t p = SkipSpaces(r, end); p < end && (Code(p) == 0x00BB || Code(p) == 0x203A);
           p = SkipSpaces(r, end)) {
        r = p;
        read_run();
      }
    }
    c.sentence_end = r;
    c.next = SkipSpaces(r, end);
    // 。 needs no space after it; other stops need one (3.5, config.json).
    c.may_end = c.next > r || c.ideographic;
    return c;
  }

  // The class deciding a break: of the first character past opening
  // punctuation in the word at i (kPunct if the word has no other).
  CharClass NextWordClass(std::size_t i, std::size_t end) const {
    for (; i < end && Cls(i) != CharClass::kSpace; ++i) {
      if (Cls(i) != CharClass::kPunct) return Cls(i);
    }
    return CharClass::kPunct;
  }

  bool EndsSentence(const Candidate& c, std::size_t sentence, Span word, Span previous_word,
                    std::size_t end) const {
    if (c.ideographic && c.next == c.sentence_end) return true;
    // "[...]" and "(!)" are inside a sentence.
    if (c.stop > sentence && (Code(c.stop - 1) == '(' || Code(c.stop - 1) == '[')) return false;
    const CharClass next = NextWordClass(c.next, end);
    if (next == CharClass::kLower) return false;
    if (c.strong || c.ideographic || c.ellipsis_char || c.periods > 1) return true;
    if (c.closed) return true;

    // A single period: look at the word before it.
    while (word.first < word.last && Cls(word.first) == CharClass::kPunct) ++word.first;
    if (word.empty()) return Code(c.next) != '.';  // ". . ." is an ellipsis.
    // A compound or an elision is abbreviated as its last part is:
    // "Dipl.-Ing.", "J.-P. Sartre", "l'art. 5".
    std::size_t last_part = word.first;
    for (std::size_t i = word.first; i + 1 < word.last; ++i) {
      if (Code(i) == '-' || Code(i) == '\'' || Code(i) == 0x2019) last_part = i + 1;
    }
    PrefixKind kind = prefixes_.Find(Bytes(word.first, word.last));
    if (kind == PrefixKind::kNone && last_part != word.first) {
      kind = prefixes_.Find(Bytes(last_part, word.last));
    }
    switch (kind) {
      case PrefixKind::kAlways:
        return false;
      case PrefixKind::kNumericOnly:
        return next != CharClass::kDigit;
      case PrefixKind::kNone:
        break;
    }
    if (word.last - last_part == 1 && Cls(last_part) == CharClass::kUpper) return false;
    if (IsDottedAbbreviation(word)) return false;
    if (language_ == Language::kGerman && IsGermanOrdinal(word, previous_word, c.next, end)) {
      return false;
    }
    return true;
  }

  // "e.g", "U.S.A", "z.B", "Ph.D": two or more groups of one or two letters
  // joined by periods (the final period is the stop).
  bool IsDottedAbbreviation(Span word) const {
    int groups = 0, letters = 0;
    for (std::size_t i = word.first; i < word.last; ++i) {
      if (Code(i) == '.') {
        if (letters == 0) return false;
        ++groups;
        letters = 0;
      } else if (IsLetter(Cls(i)) && ++letters <= 2) {
        continue;
      } else {
        return false;
      }
    }
    return groups >= 1 && letters > 0;
  }

  // German "am 3. Oktober", "der 2. Weltkrieg": see the header.
  bool IsGermanOrdinal(Span word, Span previous_word, std::size_t next, std::size_t end) const {
    if (word.last - word.first > 3) return false;
    for (std::size_t i = word.first; i < word.last; ++i) {
      if (Cls(i) != CharClass::kDigit) return false;
    }
    std::size_t first = next;
    while (first < end && Cls(first) == CharClass::kPunct) ++first;
    std::size_t last = first;
    while (last < end && IsLetter(Cls(last))) ++last;
    if (last > first && prefixes_.IsOrdinalNoun(Bytes(first, last))) return true;
    while (previous_word.first < previous_word.last &&
           Cls(previous_word.first) == CharClass::kPunct) {
      ++previous_word.first;
    }
    while (previous_word.last > previous_word.first &&
           Cls(previous_word.last - 1) == CharClass::kPunct) {
      --previous_word.last;
    }
    return !previous_word.empty() &&
           prefixes_.IsOrdinalIntro(Bytes(previous_word.first, previous_word.last));
  }

  absl::string_view text_;
  Language language_;
  const NonbreakingPrefixes& prefixes_;
  std::vector<Char> chars_;  // Plus a sentinel at n_.
  std::size_t n_ = 0;
  std::vector<TextSegment> segments_;
};

}  // namespace

std::vector<TextSegment> SegmentText(absl::string_view text, Language language) {
  return Segmenter(text, language).Run();
}

std::vector<std::string> SplitSentences(absl::string_view text, Language language) {
  std::vector<std::string> sentences;
  for (const TextSegment& segment : SegmentText(text, language)) {
    if (segment.is_sentence()) sentences.emplace_back(segment.In(text));
  }
  return sentences;
}

absl::StatusOr<std::string> Reassemble(const std::vector<TextSegment>& segments,
                                       absl::string_view original,
                                       const std::vector<std::string>& sentences) {
  std::string document;
  std::size_t expected_begin = 0, sentence = 0;
  for (const TextSegment& segment : segments) {
    if (segment.begin != expected_begin || segment.end < segment.begin ||
        segment.end > original.size()) {
      return absl::InvalidArgumentError(absl::StrCat("segment [", segment.begin, ", ", segment.end,
                                                     ") does not follow byte ", expected_begin,
                                                     " of a ", original.size(), "-byte text"));
    }
    expected_begin = segment.end;
    if (!segment.is_sentence()) {
      absl::StrAppend(&document, segment.In(original));
    } else if (sentence < sentences.size()) {
      absl::StrAppend(&document, sentences[sentence++]);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("more sentence segments than the ", sentences.size(), " sentences given"));
    }
  }
  if (expected_begin != original.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the segments end at byte ", expected_begin,
                                                   " of a ", original.size(), "-byte text"));
  }
  if (sentence != sentences.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(sentences.size(), " sentences given for ", sentence, " sentence segments"));
  }
  return document;
}

}  // namespace liteformer
