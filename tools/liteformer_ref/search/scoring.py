"""Teacher-forced scoring of given targets (the `score` request)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass
class ScoreResult:
    token_scores: list[float]  # float32 log-prob of each target token (targets include the final </s>)
    log_prob: float  # float64 sum of token_scores, left to right
    num_tokens: int
    perplexity: float  # exp(-log_prob / num_tokens)


def score_targets(log_probs: torch.Tensor, targets: torch.Tensor, lengths: list[int]) -> list[ScoreResult]:
    """log_probs [B, T, V] (position i predicts targets[:, i]), targets [B, T], lengths[b] <= T real tokens.

    Positions at or beyond lengths[b] are padding and ignored.  No bans apply: this
    is the model's own probability of the given sequence.
    """
    if log_probs.dim() != 3 or targets.shape != log_probs.shape[:2]:
        raise ValueError(f"log_probs {tuple(log_probs.shape)} and targets {tuple(targets.shape)} do not match")
    if len(lengths) != targets.size(0):
        raise ValueError(f"{targets.size(0)} rows but {len(lengths)} lengths")
    gathered = log_probs.to(torch.float32).gather(2, targets.long().unsqueeze(2)).squeeze(2)
    results: list[ScoreResult] = []
    for b, n in enumerate(lengths):
        if not (1 <= n <= targets.size(1)):
            raise ValueError(f"row {b}: length {n} outside [1, {targets.size(1)}]")
        token_scores = [float(v) for v in gathered[b, :n].tolist()]
        total = 0.0
        for v in token_scores:
            total += v
        results.append(ScoreResult(token_scores, total, n, math.exp(-total / n)))
    return results
