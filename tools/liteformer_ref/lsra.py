"""Long-Short Range Attention: attention on channels [0, C/2), convolution on [C/2, C).

The branches live in `branches` (0: attention, 1: convolution) as in fairseq's
MultiBranch, so state-dict names are `self_attn.branches.{0,1}.*`. The outputs
are concatenated without a mixing projection.
"""
from __future__ import annotations

import torch
from torch import nn

from .attention import MultiheadAttention
from .caches import AttentionCache, ConvCache
from .config import ConvConfig
from .conv_branch import ConvBranch


class LSRA(nn.Module):
    def __init__(self, embed_dim: int, attention_heads: int, conv: ConvConfig, kernel_size: int,
                 causal: bool, attention_dropout: float = 0.0, weight_dropout: float = 0.0) -> None:
        super().__init__()
        self.branch_dim = embed_dim // 2
        self.causal = causal
        self.branches = nn.ModuleList([
            MultiheadAttention(self.branch_dim, attention_heads, dropout=attention_dropout),
            ConvBranch(self.branch_dim, conv.heads, kernel_size, conv.type, conv.glu, conv.weight_softmax,
                       causal=causal, weight_dropout=weight_dropout),
        ])

    @property
    def attention(self) -> MultiheadAttention:
        return self.branches[0]  # type: ignore[return-value]

    @property
    def conv(self) -> ConvBranch:
        return self.branches[1]  # type: ignore[return-value]

    def forward(self, x: torch.Tensor, padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        """x: [B, T, C]. Encoder: padding_mask masks keys and conv inputs. Decoder: causal."""
        cb = self.branch_dim
        a = self.attention(x[..., :cb], key_padding_mask=padding_mask, causal=self.causal)
        c = self.conv(x[..., cb:], padding_mask)
        return torch.cat([a, c], dim=-1)

    def step(self, x: torch.Tensor, attention: AttentionCache, conv: ConvCache) -> torch.Tensor:
        """One decoding step for [N, 1, C]."""
        cb = self.branch_dim
        a = self.attention.step(x[..., :cb], attention)
        c = self.conv.step(x[..., cb:], conv)
        return torch.cat([a, c], dim=-1)
