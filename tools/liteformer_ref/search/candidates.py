"""Deterministic top-k selection shared by beam and greedy search.

Tie rule (the C++ engine must do the same): candidates are ordered by score
descending, and among EQUAL float32 scores by flat index ascending, where the
flat index of (beam j, token t) is j * V + t (for step 0 and greedy, just t).
All -inf scores compare equal to each other.  torch.topk does not promise any
order among ties, so we make it explicit.
"""
from __future__ import annotations

import torch


def top_candidates(flat_scores: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The first k entries of flat_scores [M] in (score desc, index asc) order.

    Returns (scores [k] float32, flat indices [k] int64).  Exact for ties: we take
    every entry >= the k-th largest value (in index order) and stable-sort those.
    NaN must have been replaced by -inf beforehand (bans.py).
    """
    assert flat_scores.dim() == 1 and 0 < k <= flat_scores.numel()
    kth_value = torch.topk(flat_scores, k).values[-1]
    pool = torch.nonzero(flat_scores >= kth_value, as_tuple=False).view(-1)  # ascending indices
    order = torch.sort(flat_scores[pool], descending=True, stable=True).indices[:k]
    chosen = pool[order]
    return flat_scores[chosen], chosen
