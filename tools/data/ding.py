"""German–English pairs from the Ding dictionary (Debian's trans-de-en): general-domain text.

The software corpus (DDTP, documentation, man pages) never says "the children are playing in
the garden"; Ding does.  Each line of /usr/share/trans/de-en is one entry:

    Leidenschaft {f} | aus Leidenschaft | Es war purer Zufall. :: passion | of passion | It was sheer/pure coincidence.

German before " :: ", English after; " | " separates positionally aligned senses (headword,
inflections, phrases, example sentences); "; " separates synonyms.  Braces, brackets, angle
brackets and parentheses hold grammar and usage notes, never translation text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from . import text as T

PACKAGE = "trans-de-en"
ENTRIES = Path("usr/share/trans/de-en")

_NOTES = re.compile(r"\{[^{}]*\}|\[[^\[\]]*\]|<[^<>]*>|\([^()]*\)")
# "sheer/pure mockery", "pure / arrant rhetoric": keep the first alternative.
_ALTERNATIVES = re.compile(r"(\S+)(?: / |/)\S+")
# Placeholders for a person or thing ("jdm. etw. geben" :: "to give sb. sth."): a model that
# learns them writes them into real translations, so parts holding one are left out.
_PLACEHOLDER = re.compile(r"(?<!\w)(?:etw|jd[nmsr]?|sth|sb)\.|(?<!\w)sb's(?!\w)|~|…|\.\.\.")
_SENTENCE_END = re.compile(r"[.!?][\"'”]?$")


def is_sentence(en: str, de: str) -> bool:
    """An example sentence: three or more words ending in . ! or ? on both sides."""
    return all(len(T.words(s)) >= 3 and _SENTENCE_END.search(s) for s in (en, de))


@dataclass(frozen=True)
class DictPair:
    """One aligned sense of an entry; `entry` is the entry's first German headword (its group)."""

    entry: str
    en: str
    de: str

    @property
    def is_sentence(self) -> bool:
        return is_sentence(self.en, self.de)


def clean(part: str) -> str | None:
    """The first synonym of one sense, notes and alternatives removed; None if nothing usable."""
    first = part.split("; ", 1)[0]
    previous = None
    while previous != first:  # notes can nest: "(im {m} Gedränge)"
        previous, first = first, _NOTES.sub("", first)
    first = T.normalize_space(_ALTERNATIVES.sub(r"\1", first))
    first = re.sub(r"\s+([.,!?;:])", r"\1", first)
    if not first or _PLACEHOLDER.search(first) or not any(c.isalpha() for c in first):
        return None
    return first


def parse_entry(line: str) -> list[DictPair]:
    """The aligned senses of one dictionary line; [] for comments and malformed lines."""
    if line.startswith("#") or " :: " not in line:
        return []
    german, english = line.rstrip("\n").split(" :: ", 1)
    de_parts, en_parts = german.split(" | "), english.split(" | ")
    if len(de_parts) != len(en_parts):
        return []  # senses no longer line up: nothing in the entry can be trusted
    headword = clean(de_parts[0]) or T.normalize_space(de_parts[0])
    pairs: list[DictPair] = []
    for de_part, en_part in zip(de_parts, en_parts):
        de, en = clean(de_part), clean(en_part)
        if de and en and de.casefold() != en.casefold():
            pairs.append(DictPair(headword, en, de))
    return pairs


def read_pairs(root: Path) -> Iterator[DictPair]:
    """Every aligned sense of the unpacked trans-de-en package under `root`, in file order."""
    with open(root / ENTRIES, encoding="utf-8") as stream:
        for line in stream:
            yield from parse_entry(line)
