"""Plain-text helpers shared by every corpus: whitespace, words, letters, sentences, language."""
from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")
# Keyboard accelerators: GTK/gettext "_File", Qt/Windows "&File", LibreOffice "~File".
# Only a marker that starts a word (or sits inside one, for "&"/"~") is an accelerator;
# "snake_case" identifiers and "Tom & Jerry" must survive, and so must HTML entities.
# A leading "_" must also not begin an identifier: "_exit(2)" and "_GNU_SOURCE" are C names.
_ACCEL_START = re.compile(r"(?:(?<=^)|(?<=[\s(\"'\[]))[_&~](?=[^\W\d_][^\W_]*(?![\w(]))")
_ACCEL_INNER = re.compile(r"(?<=[^\W\d_])[&~](?=[^\W\d_])")
_ENTITY = re.compile(r"&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);")


def normalize_space(text: str) -> str:
    """Collapse every run of whitespace to one space; outputs are one example per line."""
    return _SPACE.sub(" ", text).strip()


def strip_accelerators(text: str) -> str:
    """Remove keyboard-accelerator markers so "_Open" and "Ö_ffnen" compare as words."""
    if _ENTITY.search(text):
        # An entity such as "&amp;" is markup, not an accelerator: leave the text alone.
        return text
    return _ACCEL_INNER.sub("", _ACCEL_START.sub("", text))


def words(text: str) -> list[str]:
    """Whitespace tokens: the word unit of every length rule and of the manifests."""
    return text.split()


def letter_ratio(text: str) -> float:
    """Share of letters among the non-space characters (code, paths and tables score low)."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    return sum(1 for c in chars if c.isalpha()) / len(chars)


# Abbreviations after which a full stop does not end a sentence (English and German).
_ABBREVIATIONS = frozenset(
    """e.g i.e etc vs cf approx incl resp mr mrs ms dr st jr sr prof no nr fig
    z.b d.h u.a bzw usw ca vgl ggf evtl inkl bspw sog s.o s.u u.ä o.ä z.t
    mio mrd bzgl zb dh""".split()
)
_SENTENCE_END = re.compile(r"([.!?…][\"'»«”“)\]]*)\s+(?=[\"'»„“(\[]?[A-ZÄÖÜ0-9])")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph at sentence ends: [.!?] + space + an upper-case start, minus abbreviations.

    German capitalises every noun, so the upper-case test is weaker there; the length-based
    aligner that consumes these sentences tolerates the occasional wrong split.
    """
    text = normalize_space(text)
    if not text:
        return []
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start:match.end(1)]  # the sentence keeps its closing quote
        last = candidate.rsplit(" ", 1)[-1].rstrip(".!?…\"'»«”“)]").lower()
        if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            continue  # "z.B. Dateien", "J. Smith": not a sentence end
        out.append(candidate.strip())
        start = match.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


_EN_STOP = frozenset(
    """the a an and or of to in is are was were be been this that these those it its for
    with on by from as at not which can you your will if but has have they their there
    when what all also more such than into only other may should would use used""".split()
)
_DE_STOP = frozenset(
    """der die das und oder ist sind ein eine einen einem einer eines nicht mit von zu den
    dem des im in auf für sie es wird werden wenn kann können auch als aus bei wie nur
    noch nach über unter dass diese dieser dieses sich man zum zur oder wurde sein""".split()
)


def stop_word_counts(text: str) -> tuple[int, int]:
    """(English, German) stop-word hits: a cheap, dependable language test for prose."""
    tokens = [t.strip(".,;:!?()[]\"'»«„“”").lower() for t in text.split()]
    return (sum(t in _EN_STOP for t in tokens), sum(t in _DE_STOP for t in tokens))


def looks_german(text: str) -> bool:
    """True unless the text reads as English or, being long, shows no German at all.

    Short strings ("Datei öffnen") often hold no stop word in either language, so they pass;
    the identical-sides filter already drops untranslated copies of the English text.
    """
    en, de = stop_word_counts(text)
    if en > de:
        return False
    return de > 0 or len(text.split()) < 6


def looks_english(text: str) -> bool:
    """Mirror of looks_german, for the English side of pairs and the LM corpus."""
    en, de = stop_word_counts(text)
    if de > en:
        return False
    return en > 0 or len(text.split()) < 6
