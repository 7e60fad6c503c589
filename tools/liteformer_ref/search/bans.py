"""Token bans applied to a row's log-probs before any search looks at them.

Rules, in this order (fairseq SequenceGenerator, `step` = 0-based index of the
token being generated, counted from the first generated token):

1. NaN log-probs become -inf.
2. pad is never chosen: its log-prob is -inf.
3. step >= max_len: every token except </s> is -inf, and </s> keeps the model's
   log-prob even if rule 4 or 5 would ban it ("max_len wins").  fairseq applies
   its min_len / n-gram bans after the max_len rule and then either crashes or
   finalizes a -inf hypothesis; those cases (min_len > max_len, or
   no_repeat_ngram_size = 1 which bans the start </s>) are degenerate, and this
   rule guarantees every live hypothesis ends at max_len instead.
4. step < min_len: </s> is -inf.
5. no_repeat_ngram_size = n > 0: tokens of ngram.banned_ngram_tokens(row, n)
   are -inf, where row = history (incl. the start </s> and any prompt) +
   generated tokens.
"""
from __future__ import annotations

from typing import Sequence

import torch

from .ngram import banned_ngram_tokens

NEG_INF = float("-inf")


def apply_bans(
    lprobs: torch.Tensor,
    step: int,
    max_len: int,
    min_len: int,
    no_repeat_ngram_size: int,
    sequence: Sequence[int],
    eos: int,
    pad: int,
) -> torch.Tensor:
    """Return a banned copy of one row's float32 log-probs [V] (the input is not modified)."""
    out = lprobs.detach().to(torch.float32).clone()
    out[torch.isnan(out)] = NEG_INF
    out[pad] = NEG_INF
    if step >= max_len:
        eos_value = out[eos].item()
        out.fill_(NEG_INF)
        out[eos] = eos_value
        return out
    if step < min_len:
        out[eos] = NEG_INF
    if no_repeat_ngram_size > 0:
        banned = banned_ngram_tokens(sequence, no_repeat_ngram_size)
        if banned:
            out[torch.tensor(banned, dtype=torch.long)] = NEG_INF
    return out
