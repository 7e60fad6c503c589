"""Quality filters for sentence pairs, the ones DATA.md found to work, each usable alone."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional

from . import text as T

MIN_WORDS = 3
MAX_WORDS = 80
MIN_LETTERS = 0.6
MAX_RATIO = 2.2

# printf ("%s", "%1$s", "%-5d"), Python/ICU braces ("{x}", "{0}"), markup tags ("<b>", "</tag>").
_PLACEHOLDER = re.compile(
    r"%(?:\d+\$)?[-+ #0]*\d*(?:\.\d+)?[hlLqjzt]*[diouxXeEfgGcspn%]|\{[^{}\s]*\}|</?[A-Za-z][\w:-]*[^<>]*?/?>"
)
_DIGITS = re.compile(r"\d+")


def placeholders(text: str) -> Counter[str]:
    """The multiset of placeholders; a translation must keep every one of them."""
    return Counter(m.group(0) for m in _PLACEHOLDER.finditer(text))


def digits(text: str) -> Counter[str]:
    """The multiset of digit runs: numbers are never translated, so they must match."""
    return Counter(_DIGITS.findall(text))


def word_count_ok(src: str, tgt: str) -> bool:
    """Both sides 3..80 words: shorter is a label, longer breaks the trainer's length budget."""
    return all(MIN_WORDS <= len(T.words(s)) <= MAX_WORDS for s in (src, tgt))


def letters_ok(src: str, tgt: str) -> bool:
    """Both sides at least 60% letters: drops code, options lists, paths and tables."""
    return T.letter_ratio(src) >= MIN_LETTERS and T.letter_ratio(tgt) >= MIN_LETTERS


def ratio_ok(src: str, tgt: str) -> bool:
    """Character-length ratio at most 2.2: a wider gap means a misalignment or a free rewrite."""
    a, b = len(src), len(tgt)
    return min(a, b) > 0 and max(a, b) / min(a, b) <= MAX_RATIO


def different_ok(src: str, tgt: str) -> bool:
    """Drop identical sides: an untranslated string teaches the model to copy."""
    return src.casefold() != tgt.casefold()


def placeholders_ok(src: str, tgt: str) -> bool:
    """Same placeholders and same numbers on both sides, or the pair is misaligned."""
    return placeholders(src) == placeholders(tgt) and digits(src) == digits(tgt)


def language_ok(src: str, tgt: str) -> bool:
    """English source, German target by the stop-word test (catches half-translated files)."""
    return T.looks_english(src) and T.looks_german(tgt)


# Order matters only for the rejection statistics: cheap structural tests first.
PAIR_FILTERS = (
    ("words", word_count_ok),
    ("different", different_ok),
    ("letters", letters_ok),
    ("ratio", ratio_ok),
    ("placeholders", placeholders_ok),
    ("language", language_ok),
)


def clean_side(text: str) -> str:
    """Normalise one side before filtering: accelerators out, whitespace collapsed."""
    return T.normalize_space(T.strip_accelerators(text))


def reject_reason(src: str, tgt: str) -> Optional[str]:
    """Name of the first filter that rejects the (already cleaned) pair, or None to keep it."""
    for name, check in PAIR_FILTERS:
        if not check(src, tgt):
            return name
    return None


@dataclass(frozen=True)
class Pair:
    """One aligned example; group is the unit the split hashes (package, document, man page)."""

    group: str
    src: str
    tgt: str


def dedup_source(pairs: Iterable[Pair]) -> Iterator[Pair]:
    """Keep the first pair for each English side (case-folded); callers order pairs first."""
    seen: set[str] = set()
    for pair in pairs:
        key = pair.src.casefold()
        if key in seen:
            continue
        seen.add(key)
        yield pair
