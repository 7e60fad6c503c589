"""Token embeddings: plain fairseq Embedding, or adaptive input bands.

Adaptive input (Baevski & Auli): the vocabulary is cut into bands at the cutoffs;
band b embeds its ids (minus the band start) at width C // factor^b and projects
to C with a bias-free Linear. State-dict names:
``embeddings.{b}.0.weight`` (band_size, d_b) and ``embeddings.{b}.1.weight`` (C, d_b).
The embedding scale sqrt(C) and the positions are applied by the stack, not here.
"""
from __future__ import annotations

import torch
from torch import nn

from .dictionary import PAD


def token_embedding(vocab_size: int, dim: int) -> nn.Embedding:
    return nn.Embedding(vocab_size, dim, padding_idx=PAD)


class AdaptiveInput(nn.Module):
    def __init__(self, vocab_size: int, embed_dim: int, cutoffs: list[int], factor: float) -> None:
        super().__init__()
        self.embed_dim = embed_dim
        self.edges = list(cutoffs) + [vocab_size]
        starts = [0] + self.edges[:-1]
        self.embeddings = nn.ModuleList()
        for band, (start, end) in enumerate(zip(starts, self.edges)):
            dim = int(embed_dim // (factor ** band))
            self.embeddings.append(nn.Sequential(
                nn.Embedding(end - start, dim, padding_idx=PAD if band == 0 else None),
                nn.Linear(dim, embed_dim, bias=False),
            ))

    def band_weights(self, band: int) -> tuple[nn.Parameter, nn.Parameter]:
        """(embedding E_b (band_size, d_b), projection W_b (C, d_b)) of one band, for tying."""
        seq = self.embeddings[band]
        return seq[0].weight, seq[1].weight

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        out = torch.zeros(*tokens.shape, self.embed_dim)
        start = 0
        for band, end in enumerate(self.edges):
            mask = (tokens >= start) & (tokens < end)
            if mask.any():
                out[mask] = self.embeddings[band](tokens[mask] - start)
            start = end
        return out
