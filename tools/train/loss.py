"""Label-smoothed cross entropy over normalized log-probs (fairseq's definition):
loss = (1 − ε)·nll + ε/V · Σ_v −log p(v), summed over non-pad target tokens."""
from __future__ import annotations

import torch

PAD = 1


def label_smoothed_nll(log_probs: torch.Tensor, targets: torch.Tensor, epsilon: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(smoothed loss sum, plain nll sum), both over non-pad positions."""
    lprobs = log_probs.reshape(-1, log_probs.size(-1))
    flat_targets = targets.reshape(-1)
    keep = flat_targets.ne(PAD)
    nll = -lprobs.gather(1, flat_targets.unsqueeze(1)).squeeze(1)[keep]
    smooth = -lprobs.sum(dim=1)[keep]
    eps_per_class = epsilon / lprobs.size(-1)
    loss = (1.0 - epsilon) * nll.sum() + eps_per_class * smooth.sum()
    return loss, nll.sum()
