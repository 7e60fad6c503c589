"""The loop shared by greedy search and sampling: one decoder row per sentence.

Per step and unfinished sentence s: bans.py rules are applied to the row's
log-probs, a `Chooser` picks the next token, the float32 cumulative score is
updated (step 0: the log-prob itself; later float32(cum + lp)), and </s> ends
the hypothesis (hypothesis.py arithmetic).  Finished rows are dropped from the
decoder with `reorder` (kept rows in sentence order).  When the chooser finds no
finite candidate the sentence ends with failed_hypothesis().
"""
from __future__ import annotations

from typing import Callable, Optional

import torch

from .bans import apply_bans
from .beam import check_inputs
from .decoder import StepDecoder
from .hypothesis import Hypothesis, failed_hypothesis, make_hypothesis
from .options import SearchOptions

# (sentence index, banned log-probs [V], previous cumulative score or None at step 0) -> token or None
Chooser = Callable[[int, torch.Tensor, Optional[float]], Optional[int]]


def candidate_scores(lprobs: torch.Tensor, cumulative: Optional[float]) -> torch.Tensor:
    """Candidate scores as beam search forms them: lp at step 0, float32(cum + lp) afterwards."""
    if cumulative is None:
        return lprobs
    return lprobs + torch.tensor(cumulative, dtype=torch.float32)


def run_single_row(
    decoder: StepDecoder,
    history: list[list[int]],
    max_len: list[int],
    options: SearchOptions,
    choose: Chooser,
    eos: int,
    pad: int,
) -> list[Hypothesis]:
    options.validate()
    check_inputs(history, max_len)
    results: list[Hypothesis] = [failed_hypothesis() for _ in history]
    tokens: list[list[int]] = [[] for _ in history]
    cumulative: list[list[float]] = [[] for _ in history]
    active = list(range(len(history)))
    inputs = [h[-1] for h in history]
    step = 0
    while active:
        lprobs = decoder.step(torch.tensor(inputs, dtype=torch.long))
        if lprobs.size(0) != len(active):
            raise RuntimeError(f"decoder returned {lprobs.size(0)} rows, expected {len(active)}")
        keep: list[int] = []
        next_active: list[int] = []
        inputs = []
        for row, s in enumerate(active):
            lp = apply_bans(
                lprobs[row], step, max_len[s], options.min_len, options.no_repeat_ngram_size,
                history[s] + tokens[s], eos, pad,
            )
            previous = cumulative[s][-1] if cumulative[s] else None
            token = choose(s, lp, previous)
            if token is None:
                continue  # every token banned: failed_hypothesis stays
            tokens[s].append(token)
            cumulative[s].append(float(candidate_scores(lp, previous)[token]))
            if token == eos:
                results[s] = make_hypothesis(tokens[s], cumulative[s], options.length_penalty)
                continue
            keep.append(row)
            next_active.append(s)
            inputs.append(token)
        active = next_active
        if active:
            decoder.reorder(torch.tensor(keep, dtype=torch.long))
            step += 1
    return results
