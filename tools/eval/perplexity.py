"""Corpus perplexity from the per-line `score --json` outputs of the engine or the reference.

Each scored line is {"token_scores": [...], "score": s, "perplexity": p}: the natural-log
probabilities of the target tokens including the final </s>, and their sum.  The corpus value
is exp(-sum of all log-probs / all tokens) -- a token-weighted mean, not the mean of the
per-line perplexities, which would let short lines dominate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence


@dataclass(frozen=True)
class PerplexityResult:
    perplexity: float
    log_prob: float   # sum of natural-log probabilities
    tokens: int       # tokens scored, </s> included
    lines: int        # lines that contributed

    def format(self) -> str:
        return (f"perplexity = {self.perplexity:.4f}  (log_prob = {self.log_prob:.4f}, "
                f"tokens = {self.tokens}, lines = {self.lines})")


def line_log_prob(record: Mapping[str, Any]) -> tuple[float, int]:
    """(sum of log-probs, token count) of one scored line."""
    scores = record["token_scores"]
    if not isinstance(scores, list) or not scores:
        raise ValueError(f"a scored line needs a non-empty token_scores list: {record!r}")
    # The sum of the token scores rather than "score": the two agree to float rounding, and
    # the per-token list is the quantity the perplexity is defined over.
    return math.fsum(float(s) for s in scores), len(scores)


def corpus_perplexity(records: Sequence[Mapping[str, Any]]) -> PerplexityResult:
    """exp(-sum log p / sum tokens) over the given scored lines (refused lines left out first)."""
    if not records:
        raise ValueError("no scored lines")
    log_prob = 0.0
    tokens = 0
    for record in records:
        lp, n = line_log_prob(record)
        log_prob += lp
        tokens += n
    return PerplexityResult(math.exp(-log_prob / tokens), log_prob, tokens, len(records))
