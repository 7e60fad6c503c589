"""no_repeat_ngram_size: ban tokens that would repeat an n-gram already in the sequence."""
from __future__ import annotations

from typing import Sequence


def banned_ngram_tokens(sequence: Sequence[int], n: int) -> list[int]:
    """Tokens t such that (last n-1 tokens of `sequence`) + (t,) already occurs in `sequence`.

    `sequence` is the whole row: the history (starting with the </s> start token,
    then any LM prompt) followed by the generated tokens so far.  Including the
    start </s> is fairseq's behaviour; it matters for n = 1, where the empty
    context bans every token already present, </s> included (so with n = 1 a
    hypothesis can only end at max_len, see bans.py).  n <= 0 bans nothing;
    a sequence shorter than n-1 tokens has no complete context and bans nothing.
    Returned sorted ascending, without duplicates.
    """
    if n <= 0 or len(sequence) < n - 1:
        return []
    seq = list(sequence)
    context = seq[len(seq) - (n - 1):] if n > 1 else []
    banned: set[int] = set()
    for start in range(len(seq) - n + 1):
        if seq[start:start + n - 1] == context:
            banned.add(seq[start + n - 1])
    return sorted(banned)
