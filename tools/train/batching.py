"""Token-budget batches of similar lengths, reshuffled each epoch from a seed."""
from __future__ import annotations

import random
from typing import Sequence

import torch

PAD = 1
EOS = 2


def make_batches(lengths: Sequence[int], max_tokens: int, seed: int, epoch: int) -> list[list[int]]:
    """Index lists whose padded size (count × longest) stays within max_tokens.

    Examples are sorted by length (ties broken randomly per epoch), packed, and
    the batch order is shuffled, as fairseq does with --max-tokens.
    """
    rng = random.Random(seed * 1_000_003 + epoch)
    noise = [rng.random() for _ in lengths]
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], noise[i]))
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for index in order:
        longest_if_added = max(longest, lengths[index])
        if current and longest_if_added * (len(current) + 1) > max_tokens:
            batches.append(current)
            current, longest_if_added = [], lengths[index]
        current.append(index)
        longest = longest_if_added
    if current:
        batches.append(current)
    rng.shuffle(batches)
    return batches


def pad_right(sequences: Sequence[torch.Tensor]) -> torch.Tensor:
    width = max(len(s) for s in sequences)
    out = torch.full((len(sequences), width), PAD, dtype=torch.long)
    for row, seq in enumerate(sequences):
        out[row, :len(seq)] = seq
    return out


def decoder_inputs(targets: Sequence[torch.Tensor]) -> torch.Tensor:
    """Teacher forcing: `</s>` followed by the target without its last token."""
    shifted = [torch.cat([torch.tensor([EOS]), t[:-1]]) for t in targets]
    return pad_right(shifted)
