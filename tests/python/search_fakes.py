"""Fake StepDecoders for the search tests: log-probs are a function of a row's token history.

A row's history is every token fed to it so far (the consumed history prefix, then
each `step` input), so the fake respects `reorder` exactly like a real incremental
decoder would.
"""
from __future__ import annotations

import math
import zlib
from typing import Callable, Mapping, Sequence

import torch

History = tuple[int, ...]

# Token ids used throughout the tests: fairseq specials then four words.
BOS, PAD, EOS, UNK, A, B, C, D = range(8)
V = 8


class FunctionDecoder:
    """Rows whose next-token log-probs are `fn(history)`; counts steps and checks row counts."""

    def __init__(self, fn: Callable[[History], torch.Tensor], prefixes: Sequence[Sequence[int]],
                 vocab_size: int = V) -> None:
        self.fn = fn
        self.vocab_size = vocab_size
        self.rows: list[list[int]] = [list(p) for p in prefixes]
        self.steps = 0

    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        assert tokens.dim() == 1 and tokens.numel() == len(self.rows), "one input per row"
        for row, token in zip(self.rows, tokens.tolist()):
            row.append(token)
        self.steps += 1
        return torch.stack([self.fn(tuple(r)) for r in self.rows]).to(torch.float32)

    def reorder(self, rows: torch.Tensor) -> None:
        self.rows = [list(self.rows[i]) for i in rows.tolist()]


def for_search(fn: Callable[[History], torch.Tensor], history: Sequence[Sequence[int]], rows_per_sentence: int,
               vocab_size: int = V) -> FunctionDecoder:
    """A decoder that has consumed all of each history but its last token, with rows_per_sentence rows each."""
    prefixes = [list(h[:-1]) for h in history for _ in range(rows_per_sentence)]
    return FunctionDecoder(fn, prefixes, vocab_size)


def prob_table(table: Mapping[History, Mapping[int, float]],
               default: Mapping[int, float]) -> Callable[[History], torch.Tensor]:
    """log of a distribution: the listed probabilities, the rest of the mass shared equally by the other tokens."""

    def fn(history: History) -> torch.Tensor:
        spec = table.get(history, default)
        rest = (1.0 - sum(spec.values())) / (V - len(spec))
        return torch.tensor([math.log(spec.get(t, rest)) for t in range(V)], dtype=torch.float32)

    return fn


def logprob_table(table: Mapping[History, Mapping[int, float]],
                  other: float = -30.0) -> Callable[[History], torch.Tensor]:
    """Raw log-prob rows (not normalized): listed values, `other` elsewhere; for float32 edge cases."""

    def fn(history: History) -> torch.Tensor:
        spec = table.get(history, {EOS: -0.5})
        return torch.tensor([spec.get(t, other) for t in range(V)], dtype=torch.float32)

    return fn


def random_model(vocab_size: int, salt: int = 0, sharpness: float = 2.0) -> Callable[[History], torch.Tensor]:
    """A pseudo-random but deterministic log-softmax of the history (seeded by its CRC32)."""

    def fn(history: History) -> torch.Tensor:
        key = zlib.crc32(bytes(str((salt,) + history), "ascii"))
        gen = torch.Generator().manual_seed(key)
        logits = torch.randn(vocab_size, generator=gen, dtype=torch.float32) * sharpness
        return torch.log_softmax(logits, dim=0)

    return fn
