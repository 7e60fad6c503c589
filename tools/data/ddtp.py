"""DDTP package descriptions (apt Translation-en / Translation-de) as synopsis + paragraphs.

A long description is deb822 continuation text: " ." separates paragraphs, and lines that
start with two spaces are verbatim (mostly bullet lists).  DDTP translators keep the paragraph
structure, so an English and a German description sharing a Description-md5 align paragraph
by paragraph; list items are split into their own units so they align one by one too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from . import text as T

_BULLET = re.compile(r"^\s*(?:[*+\-o•]|\d+[.)])\s+")


@dataclass(frozen=True)
class Description:
    package: str
    md5: str
    synopsis: str
    paragraphs: tuple[str, ...]  # units: plain paragraphs and single list items


def parse_units(long_text: str) -> list[str]:
    """Split the body of a description into paragraphs and list items, whitespace-normalised."""
    units: list[str] = []
    current: list[str] = []

    def flush() -> None:
        joined = T.normalize_space(" ".join(current))
        if joined:
            units.append(joined)
        current.clear()

    for raw in long_text.split("\n"):
        line = raw[1:] if raw.startswith(" ") else raw  # the deb822 continuation space
        if line.strip() == ".":
            flush()
            continue
        if _BULLET.match(line):
            flush()
            current.append(_BULLET.sub("", line, count=1))
            continue
        current.append(line)
    flush()
    return units


def parse_description(package: str, md5: str, field: str) -> Description:
    """The Description-xx field: its first line is the synopsis, the rest the long text."""
    synopsis, _, body = field.partition("\n")
    return Description(package, md5, T.normalize_space(synopsis), tuple(parse_units(body)))


def by_md5(stanzas: Iterable[dict[str, str]], lang: str) -> dict[tuple[str, str], Description]:
    """(package, md5) -> Description for one Translation-LANG file."""
    out: dict[tuple[str, str], Description] = {}
    for st in stanzas:
        field = st.get(f"Description-{lang}")
        if field is None or "Package" not in st:
            continue
        desc = parse_description(st["Package"], st.get("Description-md5", ""), field)
        out[(desc.package, desc.md5)] = desc
    return out


def aligned_units(en: Description, de: Description) -> list[tuple[str, str]]:
    """Synopsis + units pairs, only when both sides have the same number of units."""
    pairs = [(en.synopsis, de.synopsis)]
    if len(en.paragraphs) == len(de.paragraphs):
        pairs.extend(zip(en.paragraphs, de.paragraphs))
    return pairs
