"""fairseq-style multi-head attention (q_proj, k_proj, v_proj, out_proj, all with bias).

q is scaled by head_dim^-0.5 after its projection, bias included, as fairseq does.
Masked scores are -inf; the softmax runs in float32.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .caches import AttentionCache


class MultiheadAttention(nn.Module):
    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        assert embed_dim % num_heads == 0, "embed_dim must be divisible by num_heads"
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.scaling = self.head_dim ** -0.5
        self.dropout = dropout
        self.q_proj = nn.Linear(embed_dim, embed_dim)
        self.k_proj = nn.Linear(embed_dim, embed_dim)
        self.v_proj = nn.Linear(embed_dim, embed_dim)
        self.out_proj = nn.Linear(embed_dim, embed_dim)

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """[B, T, C] -> [B, H, T, D]."""
        b, t, _ = x.shape
        return x.view(b, t, self.num_heads, self.head_dim).transpose(1, 2)

    def project_keys_values(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys and values of [B, S, C] inputs, split into heads: [B, H, S, D] each."""
        return self.split_heads(self.k_proj(x)), self.split_heads(self.v_proj(x))

    def attend(self, query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
               key_padding_mask: torch.Tensor | None = None, causal: bool = False) -> torch.Tensor:
        """Attention of [B, T, C] queries over projected keys/values [B, H, S, D] -> [B, T, C].

        key_padding_mask: [B, S] bool, True at keys to ignore. causal: query t sees keys 0..t
        (requires T == S).
        """
        q = self.split_heads(self.q_proj(query) * self.scaling)
        scores = torch.matmul(q, keys.transpose(2, 3)).float()  # [B, H, T, S]
        if key_padding_mask is not None:
            scores = scores.masked_fill(key_padding_mask[:, None, None, :], float("-inf"))
        if causal:
            t, s = scores.shape[-2:]
            future = torch.ones(t, s, dtype=torch.bool).triu(1)
            scores = scores.masked_fill(future, float("-inf"))
        probs = F.softmax(scores, dim=-1)
        probs = F.dropout(probs, p=self.dropout, training=self.training)
        out = torch.matmul(probs, values)  # [B, H, T, D]
        b, _, t, _ = out.shape
        return self.out_proj(out.transpose(1, 2).reshape(b, t, self.embed_dim))

    def forward(self, query: torch.Tensor, key_value: torch.Tensor | None = None,
                key_padding_mask: torch.Tensor | None = None, causal: bool = False) -> torch.Tensor:
        """Self-attention when key_value is None, else attention over key_value."""
        keys, values = self.project_keys_values(query if key_value is None else key_value)
        return self.attend(query, keys, values, key_padding_mask, causal)

    def step(self, query: torch.Tensor, cache: AttentionCache) -> torch.Tensor:
        """Causal self-attention of one new position per row ([N, 1, C]); extends the cache."""
        keys, values = self.project_keys_values(query)
        cache.append(keys, values)
        return self.attend(query, cache.keys, cache.values)
