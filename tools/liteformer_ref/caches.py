"""Typed per-row state for incremental decoding (no string-keyed dicts).

Every tensor's first dimension is the decoding row (a hypothesis). `reorder`
maps new row i to old row rows[i]; rows may drop or repeat old rows.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class AttentionCache:
    """Self-attention keys/values of every step so far: [N, heads, steps, head_dim]."""

    keys: torch.Tensor
    values: torch.Tensor

    @staticmethod
    def empty(rows: int, heads: int, head_dim: int) -> "AttentionCache":
        return AttentionCache(torch.zeros(rows, heads, 0, head_dim), torch.zeros(rows, heads, 0, head_dim))

    def append(self, keys: torch.Tensor, values: torch.Tensor) -> None:
        self.keys = torch.cat([self.keys, keys], dim=2)
        self.values = torch.cat([self.values, values], dim=2)

    def reorder(self, rows: torch.Tensor) -> None:
        self.keys = self.keys.index_select(0, rows)
        self.values = self.values.index_select(0, rows)


@dataclass
class ConvCache:
    """The conv branch's last min(steps, K-1) post-GLU inputs u: [N, buffered, Cb]."""

    inputs: torch.Tensor

    @staticmethod
    def empty(rows: int, dim: int) -> "ConvCache":
        return ConvCache(torch.zeros(rows, 0, dim))

    def reorder(self, rows: torch.Tensor) -> None:
        self.inputs = self.inputs.index_select(0, rows)


@dataclass
class CrossAttentionMemory:
    """Encoder-decoder keys/values of one layer, computed once per source sentence.

    Indexed by source sentence [B, heads, S, head_dim], not by row: rows share them
    through the decoder cache's row -> sentence map.
    """

    keys: torch.Tensor
    values: torch.Tensor


@dataclass
class LayerCache:
    """State of one decoder layer; `conv` is None for a plain multi-head self-attention."""

    attention: AttentionCache
    conv: ConvCache | None

    def reorder(self, rows: torch.Tensor) -> None:
        self.attention.reorder(rows)
        if self.conv is not None:
            self.conv.reorder(rows)


@dataclass
class DecoderCache:
    """All incremental state of a batch of rows.

    `memory` / `source_padding_mask` are per source sentence; `row_source[r]` is the
    sentence row r decodes (None for a language model).
    """

    layers: list[LayerCache]
    steps: int = 0
    memory: list[CrossAttentionMemory] | None = None
    source_padding_mask: torch.Tensor | None = None
    row_source: torch.Tensor | None = None

    @property
    def rows(self) -> int:
        return int(self.layers[0].attention.keys.shape[0])

    def reorder(self, rows: torch.Tensor) -> None:
        for layer in self.layers:
            layer.reorder(rows)
        if self.row_source is not None:
            self.row_source = self.row_source.index_select(0, rows)
