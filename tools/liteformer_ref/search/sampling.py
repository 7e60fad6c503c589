"""Random sampling, specified so that a C++ implementation reproduces it bit for bit.

One SplitMix64 (rng.py) per sentence, seeded with seeds[s], so a sentence's
output does not depend on its batch.  Each step, per row, after bans.py rules:

1. x[t] = float64(lp[t]) / temperature (float64 division), for every token with
   finite lp (banned tokens are not candidates at all).
2. Order candidates by x descending, ties by token id ascending.
3. top_k > 0 keeps the first top_k.
4. p_i = exp(x_i - x_0) (libm exp in float64; x_0 is the largest x); running
   sums c_i = c_{i-1} + p_i left to right in float64.
5. top_p < 1: keep the shortest prefix 0..m with c_m / c_last >= top_p (m = last
   index if none reaches it, which rounding cannot cause but is defined anyway).
6. Draw u = uniform() * c_m (exactly one uniform() per generated token, drawn
   only when at least one candidate exists); choose the first i <= m with
   c_i > u, or i = m if there is none.

The chosen token's UNTEMPERED log-prob lp[t] is added to the float32 cumulative
score, exactly as in greedy/beam (single_row.py); the hypothesis ends at </s> (forced at
step == max_len) and token_scores / score follow hypothesis.py.  If every token
is banned the row ends with failed_hypothesis().
"""
from __future__ import annotations

import math
from typing import Optional

import torch

from .decoder import StepDecoder
from .hypothesis import Hypothesis
from .options import SearchOptions
from .rng import SplitMix64
from .single_row import run_single_row


def sampling_distribution(
    lprobs: torch.Tensor, top_k: int, top_p: float, temperature: float
) -> tuple[list[int], list[float]]:
    """Rules 1-5: the kept candidate ids in order and their running sums c_0..c_m (empty if all banned)."""
    x = lprobs.detach().to(torch.float64) / temperature
    ids = torch.nonzero(torch.isfinite(x), as_tuple=False).view(-1)  # ascending ids
    if ids.numel() == 0:
        return [], []
    order = torch.sort(x[ids], descending=True, stable=True).indices  # stable: equal x keep id order
    ranked_ids = ids[order].tolist()
    ranked_x = x[ids][order].tolist()
    if top_k > 0:
        ranked_ids, ranked_x = ranked_ids[:top_k], ranked_x[:top_k]
    top = ranked_x[0]
    running: list[float] = []
    total = 0.0
    for value in ranked_x:
        total += math.exp(value - top)
        running.append(total)
    if top_p < 1.0:
        last = running[-1]
        cut = len(running) - 1
        for i, c in enumerate(running):
            if c / last >= top_p:
                cut = i
                break
        ranked_ids, running = ranked_ids[: cut + 1], running[: cut + 1]
    return ranked_ids, running


def choose(ranked_ids: list[int], running: list[float], uniform: float) -> int:
    """Rule 6 with a given uniform draw in [0, 1)."""
    target = uniform * running[-1]
    for token, c in zip(ranked_ids, running):
        if c > target:
            return token
    return ranked_ids[-1]


def sample(
    decoder: StepDecoder,
    history: list[list[int]],
    max_len: list[int],
    options: SearchOptions,
    seeds: list[int],
    eos: int = 2,
    pad: int = 1,
) -> list[Hypothesis]:
    """One sampled hypothesis per sentence; the decoder has len(history) rows."""
    if len(seeds) != len(history):
        raise ValueError(f"{len(history)} histories but {len(seeds)} seeds")
    rngs = [SplitMix64(seed) for seed in seeds]

    def choose_token(sentence: int, lprobs: torch.Tensor, _cumulative: Optional[float]) -> Optional[int]:
        ranked_ids, running = sampling_distribution(lprobs, options.top_k, options.top_p, options.temperature)
        if not ranked_ids:
            return None  # no uniform() is drawn for a row with no candidate
        return choose(ranked_ids, running, rngs[sentence].uniform())

    return run_single_row(decoder, history, max_len, options, choose_token, eos, pad)
