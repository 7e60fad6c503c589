"""Paragraph and sentence alignment of a document and its translation.

Translations made with po4a/itstool/DDTP keep the block structure of the original, so
paragraphs align on the sequence of block kinds; sentences inside a paragraph pair are then
aligned by length (Gale & Church's idea: a sentence and its translation have proportional
lengths), which survives the odd split or merged sentence.
"""
from __future__ import annotations

import difflib
import math
from typing import Sequence, TypeVar

from . import text as T

K = TypeVar("K")


def align_blocks(src_kinds: Sequence[K], tgt_kinds: Sequence[K]) -> list[tuple[int, int]]:
    """Index pairs of blocks whose kinds line up (equal runs of a diff of the kind sequences).

    When both documents have the same structure this is simply 0-0, 1-1, ...; an inserted or
    deleted block (a paragraph added upstream after the translation) only costs that block.
    """
    if list(src_kinds) == list(tgt_kinds):
        return [(i, i) for i in range(len(src_kinds))]
    matcher = difflib.SequenceMatcher(a=list(src_kinds), b=list(tgt_kinds), autojunk=False)
    out: list[tuple[int, int]] = []
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(zip(range(a0, a1), range(b0, b1)))
        elif tag == "replace" and a1 - a0 == b1 - b0:
            # Same number of blocks of different kinds ("para" vs "list item"): still parallel.
            out.extend(zip(range(a0, a1), range(b0, b1)))
    return out


# German text runs about 10% longer than its English source in characters.
LENGTH_RATIO = 1.1
# Costs of the alignment beads; 1-1 is by far the most common, 1-0/0-1 the least.
_BEAD_PENALTY = {(1, 1): 0.0, (1, 2): 2.0, (2, 1): 2.0, (2, 2): 3.0, (1, 0): 4.5, (0, 1): 4.5}


def _length_cost(src_len: int, tgt_len: int) -> float:
    """How surprising the length pair is: |log ratio| scaled, 0 for the expected ratio."""
    if src_len == 0 or tgt_len == 0:
        return 0.0
    return abs(math.log(tgt_len / (LENGTH_RATIO * src_len))) * 6.0


def align_sentences(src: Sequence[str], tgt: Sequence[str]) -> list[tuple[str, str]]:
    """Align two sentence lists by length with 1-1, 1-2, 2-1, 2-2, 1-0, 0-1 beads.

    Returns the text pairs of every bead that has both sides (merged sentences joined with a
    space); sentences left without a partner are dropped.
    """
    n, m = len(src), len(tgt)
    if n == m and all(_length_cost(len(a), len(b)) < 6.0 for a, b in zip(src, tgt)):
        return list(zip(src, tgt))  # the usual case, and the cheap one
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int]]] = [[(0, 0)] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if cost[i][j] == inf:
                continue
            for (di, dj), penalty in _BEAD_PENALTY.items():
                ni, nj = i + di, j + dj
                if ni > n or nj > m:
                    continue
                a = sum(len(s) for s in src[i:ni])
                b = sum(len(s) for s in tgt[j:nj])
                c = cost[i][j] + penalty + _length_cost(a, b)
                if c < cost[ni][nj]:
                    cost[ni][nj] = c
                    back[ni][nj] = (di, dj)
    pairs: list[tuple[str, str]] = []
    i, j = n, m
    while i > 0 or j > 0:
        di, dj = back[i][j]
        if di and dj:
            pairs.append((" ".join(src[i - di:i]), " ".join(tgt[j - dj:j])))
        i, j = i - di, j - dj
    pairs.reverse()
    return pairs


def align_paragraph(src: str, tgt: str) -> list[tuple[str, str]]:
    """Sentence pairs of one aligned paragraph pair."""
    return align_sentences(T.split_sentences(src), T.split_sentences(tgt))
