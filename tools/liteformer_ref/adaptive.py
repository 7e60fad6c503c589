"""Tied adaptive softmax: exact normalised log-probabilities over the whole vocabulary.

Head: logits over band 0's words (E_0 . h, via `head.word_proj`, tied to the input
band-0 embedding) followed by one logit per tail band (`head.class_proj`, no bias).
Tail band i (vocabulary band i+1): logits = E_{i+1} . (W_{i+1}^T h), with W the
input band's (C x d) projection used transposed (`tail.i.0`) and E its embedding
(`tail.i.2`); `tail.i.1` is a dropout. A tail word's log-prob is the head
log-prob of its band plus the band's own log-softmax.

The tied Parameters are the adaptive input's own objects, so the state dict lists
each of them twice (as fairseq's does); model.safetensors stores them once.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .embeddings import AdaptiveInput


class TiedLinear(nn.Module):
    """A bias-free linear map whose weight is another module's Parameter."""

    def __init__(self, weight: nn.Parameter, transpose: bool) -> None:
        super().__init__()
        self.weight = weight
        self.transpose = transpose

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight.t() if self.transpose else self.weight)


class TiedHead(nn.Module):
    def __init__(self, word_weight: nn.Parameter, embed_dim: int, tail_bands: int) -> None:
        super().__init__()
        self.word_proj = TiedLinear(word_weight, transpose=False)
        self.class_proj = nn.Linear(embed_dim, tail_bands, bias=False)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.word_proj(h), self.class_proj(h)], dim=-1)


class AdaptiveSoftmax(nn.Module):
    def __init__(self, adaptive_input: AdaptiveInput, dropout: float = 0.0) -> None:
        super().__init__()
        self.edges = list(adaptive_input.edges)
        self.vocab_size = self.edges[-1]
        bands = len(self.edges)
        self.head = TiedHead(adaptive_input.band_weights(0)[0], adaptive_input.embed_dim, bands - 1)
        self.tail = nn.ModuleList()
        for band in range(1, bands):
            embedding, projection = adaptive_input.band_weights(band)
            self.tail.append(nn.Sequential(
                TiedLinear(projection, transpose=True),
                nn.Dropout(dropout),
                TiedLinear(embedding, transpose=False),
            ))

    def log_probs(self, h: torch.Tensor) -> torch.Tensor:
        """h: [..., C] -> normalised log-probabilities [..., V] (float32)."""
        head = F.log_softmax(self.head(h).float(), dim=-1)
        first = self.edges[0]
        parts = [head[..., :first]]
        for i, band in enumerate(self.tail):
            parts.append(F.log_softmax(band(h).float(), dim=-1) + head[..., first + i: first + i + 1])
        return torch.cat(parts, dim=-1)
