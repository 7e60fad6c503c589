"""Finished hypotheses and the float32 score arithmetic shared by every search.

Scores follow fairseq: a row carries a CUMULATIVE float32 score, each step adds
the float32 log-prob of the chosen token (float32 addition).  When a hypothesis
ends, per-token scores are recovered as float32 differences of consecutive
cumulative scores (fairseq's positional_scores), so token_scores[i] may differ
from the model's log-prob by float32 rounding, and the final score is

    score = float32(cum_final) / float32((len) ** length_penalty)

with the power computed in float64, rounded to float32, and the division done
in float32 (what `float32_tensor / python_float` does in torch).  len counts </s>.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Hypothesis:
    tokens: list[int]  # generated tokens INCLUDING the final </s>
    score: float  # sum(token_scores) / len(tokens) ** length_penalty (float32 arithmetic, see module doc)
    token_scores: list[float] = field(default_factory=list)  # one log-prob per token


def f32(x: float) -> float:
    """Round a Python float to the nearest float32 value (returned as a Python float)."""
    return float(np.float32(x))


def add_f32(a: float, b: float) -> float:
    """float32 addition of two float32 values (the cumulative score update)."""
    return float(np.float32(a) + np.float32(b))


def normalized_score(cumulative: float, length: int, length_penalty: float) -> float:
    """float32(cumulative) / float32(length ** length_penalty), division in float32."""
    denominator = np.float32(float(length) ** length_penalty)
    return float(np.float32(cumulative) / denominator)


def make_hypothesis(tokens: list[int], cumulative: list[float], length_penalty: float) -> Hypothesis:
    """Build a Hypothesis from its tokens (ending in </s>) and their cumulative scores."""
    assert len(tokens) == len(cumulative) and tokens, "one cumulative score per token"
    cum = np.asarray(cumulative, dtype=np.float32)
    per_token = cum.copy()
    per_token[1:] = cum[1:] - cum[:-1]  # float32 differences, like fairseq's pos_scores
    return Hypothesis(
        tokens=list(tokens),
        score=normalized_score(float(cum[-1]), len(tokens), length_penalty),
        token_scores=[float(x) for x in per_token],
    )


def failed_hypothesis() -> Hypothesis:
    """Result of a single-row search whose every candidate was banned (see bans.py): no tokens, score -inf."""
    return Hypothesis(tokens=[], score=float("-inf"), token_scores=[])
