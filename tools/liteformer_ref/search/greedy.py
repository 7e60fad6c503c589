"""Greedy search: exactly beam_search with beam_size = 1, written as a plain argmax loop.

Each step, per row (single_row.py): apply bans.py rules, form candidate scores
c[t] = lp[t] at step 0 and float32(cum + lp[t]) later, and pick the FIRST
maximum of c (lowest token id among ties).  We take the argmax of c rather than
of lp because float32 addition can merge two different log-probs into equal
candidate scores, and beam search breaks that tie by token id; doing the same
keeps greedy bit-identical to beam 1.  Choosing </s> ends the hypothesis
(score cum / len ** length_penalty, len counting </s>).  If every candidate is
-inf the row ends with failed_hypothesis() (beam search returns no hypothesis
for that sentence in the same situation).
"""
from __future__ import annotations

import math
from typing import Optional

import torch

from .decoder import StepDecoder
from .hypothesis import Hypothesis
from .options import SearchOptions
from .single_row import candidate_scores, run_single_row


def first_argmax(scores: torch.Tensor) -> int:
    """Index of the first maximum of a 1-D tensor (torch.argmax does not document its tie order)."""
    best = scores.max()
    return int(torch.nonzero(scores == best, as_tuple=False)[0, 0])


def greedy_search(
    decoder: StepDecoder,
    history: list[list[int]],
    max_len: list[int],
    options: SearchOptions,
    eos: int = 2,
    pad: int = 1,
) -> list[Hypothesis]:
    """One hypothesis per sentence; the decoder has len(history) rows (beam_size is ignored)."""

    def choose(_sentence: int, lprobs: torch.Tensor, cumulative: Optional[float]) -> Optional[int]:
        scores = candidate_scores(lprobs, cumulative)
        token = first_argmax(scores)
        return token if math.isfinite(float(scores[token])) else None

    return run_single_row(decoder, history, max_len, options, choose, eos, pad)
