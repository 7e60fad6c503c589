"""fairseq's inverse_sqrt schedule: linear warm-up from warmup_init_lr to lr,
then lr · sqrt(warmup / step)."""
from __future__ import annotations

import math


def inverse_sqrt_lr(step: int, peak_lr: float, warmup_steps: int, warmup_init_lr: float = 1e-7) -> float:
    if step < warmup_steps:
        return warmup_init_lr + (peak_lr - warmup_init_lr) * step / warmup_steps
    return peak_lr * math.sqrt(warmup_steps / max(step, 1))
