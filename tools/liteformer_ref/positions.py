"""fairseq's sinusoidal positions (not stored in checkpoints; computed here).

For a width C with half = C/2: f_i = exp(-i * ln(10000) / (half - 1)) and
PE[p] = [sin(p*f_0 .. p*f_{half-1}), cos(p*f_0 .. p*f_{half-1})] (halves
concatenated, not interleaved). Positions start at pad + 1 = 2; the pad position
1 has a zero row, so pad tokens get no positional signal.

The table is computed in float32 exactly as fairseq does (f in float32, p*f as a
float32 product), because at p ~ 1000 a float64 computation of the sine argument
already differs from fairseq's by ~1e-4.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .dictionary import PAD


def sinusoidal_table(num_positions: int, dim: int, padding_idx: int = PAD) -> torch.Tensor:
    """Rows 0..num_positions-1 of the table; row `padding_idx` is zero."""
    half = dim // 2
    step = math.log(10000) / (half - 1)
    freqs = torch.exp(torch.arange(half, dtype=torch.float32) * -step)
    args = torch.arange(num_positions, dtype=torch.float32).unsqueeze(1) * freqs.unsqueeze(0)
    table = torch.cat([torch.sin(args), torch.cos(args)], dim=1)
    if dim % 2:
        table = torch.cat([table, torch.zeros(num_positions, 1)], dim=1)
    table[padding_idx, :] = 0
    return table


def positions_of(tokens: torch.Tensor, padding_idx: int = PAD) -> torch.Tensor:
    """fairseq make_positions: pad -> padding_idx, k-th real token (1-based) -> padding_idx + k."""
    real = tokens.ne(padding_idx).long()
    return torch.cumsum(real, dim=1) * real + padding_idx


class SinusoidalPositions(nn.Module):
    """Positional embeddings for a [B, T] token tensor; holds no parameters or state-dict entries."""

    def __init__(self, dim: int, padding_idx: int = PAD) -> None:
        super().__init__()
        self.dim = dim
        self.padding_idx = padding_idx
        self._table = sinusoidal_table(256, dim, padding_idx)

    def table(self, num_positions: int) -> torch.Tensor:
        if num_positions > self._table.shape[0]:
            self._table = sinusoidal_table(max(num_positions, 2 * self._table.shape[0]), self.dim, self.padding_idx)
        return self._table

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        positions = positions_of(tokens, self.padding_idx)
        return self.table(int(positions.max()) + 1 if positions.numel() else 2)[positions]

    def at(self, position: int, rows: int) -> torch.Tensor:
        """The embedding of one position for `rows` rows: [rows, C]."""
        return self.table(position + 1)[position].unsqueeze(0).expand(rows, self.dim)
