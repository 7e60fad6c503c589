"""Encoder and decoder layers (fairseq names: self_attn, encoder_attn, fc1, fc2, *_layer_norm).

Each sub-layer is wrapped the fairseq way:
    post-norm (translation):  x = LN(x + dropout(f(x)))
    pre-norm  (LM):           x = x + dropout(f(LN(x)))
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .attention import MultiheadAttention
from .caches import AttentionCache, ConvCache, CrossAttentionMemory, LayerCache
from .config import DropoutConfig, StackConfig
from .lsra import LSRA

LAYER_NORM_EPS = 1e-5


def make_self_attention(stack: StackConfig, layer_index: int, causal: bool,
                        dropout: DropoutConfig) -> nn.Module:
    """LSRA for lite transformers, full-width multi-head attention for the vanilla transformer."""
    if stack.self_attention == "lsra":
        assert stack.conv is not None
        return LSRA(stack.embed_dim, stack.attention_heads, stack.conv, stack.conv.kernel_sizes[layer_index],
                    causal=causal, attention_dropout=dropout.attention_dropout,
                    weight_dropout=dropout.weight_dropout)
    return MultiheadAttention(stack.embed_dim, stack.attention_heads, dropout=dropout.attention_dropout)


class _Layer(nn.Module):
    """Shared pieces: the residual wrapper and the feed-forward network."""

    fc1: nn.Linear
    fc2: nn.Linear

    def __init__(self, stack: StackConfig, dropout: DropoutConfig) -> None:
        super().__init__()
        self.normalize_before = stack.normalize_before
        self.dropout = dropout.dropout
        self.activation_dropout = dropout.activation_dropout

    def sublayer(self, x: torch.Tensor, norm: nn.LayerNorm,
                 fn: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
        residual = x
        if self.normalize_before:
            x = norm(x)
        x = F.dropout(fn(x), p=self.dropout, training=self.training)
        x = residual + x
        return x if self.normalize_before else norm(x)

    def feed_forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.fc1(x))
        h = F.dropout(h, p=self.activation_dropout, training=self.training)
        return self.fc2(h)


class EncoderLayer(_Layer):
    def __init__(self, stack: StackConfig, layer_index: int, dropout: DropoutConfig) -> None:
        super().__init__(stack, dropout)
        c = stack.embed_dim
        self.self_attn = make_self_attention(stack, layer_index, causal=False, dropout=dropout)
        self.self_attn_layer_norm = nn.LayerNorm(c, eps=LAYER_NORM_EPS)
        self.fc1 = nn.Linear(c, stack.ffn_dim)
        self.fc2 = nn.Linear(stack.ffn_dim, c)
        self.final_layer_norm = nn.LayerNorm(c, eps=LAYER_NORM_EPS)

    def forward(self, x: torch.Tensor, padding_mask: torch.Tensor) -> torch.Tensor:
        """x: [B, S, C]; padding_mask: [B, S] bool, True at pads."""
        if isinstance(self.self_attn, LSRA):
            x = self.sublayer(x, self.self_attn_layer_norm, lambda h: self.self_attn(h, padding_mask))
        else:
            x = self.sublayer(x, self.self_attn_layer_norm,
                              lambda h: self.self_attn(h, key_padding_mask=padding_mask))
        return self.sublayer(x, self.final_layer_norm, self.feed_forward)


class DecoderLayer(_Layer):
    def __init__(self, stack: StackConfig, layer_index: int, dropout: DropoutConfig, has_encoder: bool) -> None:
        super().__init__(stack, dropout)
        c = stack.embed_dim
        self.self_attn = make_self_attention(stack, layer_index, causal=True, dropout=dropout)
        self.self_attn_layer_norm = nn.LayerNorm(c, eps=LAYER_NORM_EPS)
        self.encoder_attn: MultiheadAttention | None = None
        self.encoder_attn_layer_norm: nn.LayerNorm | None = None
        if has_encoder:
            self.encoder_attn = MultiheadAttention(c, stack.cross_attention_heads, dropout=dropout.attention_dropout)
            self.encoder_attn_layer_norm = nn.LayerNorm(c, eps=LAYER_NORM_EPS)
        self.fc1 = nn.Linear(c, stack.ffn_dim)
        self.fc2 = nn.Linear(stack.ffn_dim, c)
        self.final_layer_norm = nn.LayerNorm(c, eps=LAYER_NORM_EPS)

    def forward(self, x: torch.Tensor, encoder_out: torch.Tensor | None = None,
                encoder_padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Teacher-forced pass over x: [B, T, C] (causal self-attention)."""
        if isinstance(self.self_attn, LSRA):
            x = self.sublayer(x, self.self_attn_layer_norm, lambda h: self.self_attn(h))
        else:
            x = self.sublayer(x, self.self_attn_layer_norm, lambda h: self.self_attn(h, causal=True))
        if self.encoder_attn is not None:
            assert encoder_out is not None and self.encoder_attn_layer_norm is not None
            attn = self.encoder_attn
            x = self.sublayer(x, self.encoder_attn_layer_norm,
                              lambda h: attn(h, key_value=encoder_out, key_padding_mask=encoder_padding_mask))
        return self.sublayer(x, self.final_layer_norm, self.feed_forward)

    def empty_cache(self, rows: int) -> LayerCache:
        attention = self.self_attn.attention if isinstance(self.self_attn, LSRA) else self.self_attn
        assert isinstance(attention, MultiheadAttention)
        conv = ConvCache.empty(rows, self.self_attn.branch_dim) if isinstance(self.self_attn, LSRA) else None
        return LayerCache(AttentionCache.empty(rows, attention.num_heads, attention.head_dim), conv)

    def cross_memory(self, encoder_out: torch.Tensor) -> CrossAttentionMemory:
        """Encoder-decoder keys/values for [B, S, C] encoder outputs (once per source)."""
        assert self.encoder_attn is not None
        keys, values = self.encoder_attn.project_keys_values(encoder_out)
        return CrossAttentionMemory(keys, values)

    def step(self, x: torch.Tensor, cache: LayerCache, memory: CrossAttentionMemory | None = None,
             row_source: torch.Tensor | None = None,
             source_padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        """One decoding step for [N, 1, C]; row r attends to source sentence row_source[r]."""
        if isinstance(self.self_attn, LSRA):
            assert cache.conv is not None
            conv_cache = cache.conv
            x = self.sublayer(x, self.self_attn_layer_norm,
                              lambda h: self.self_attn.step(h, cache.attention, conv_cache))
        else:
            x = self.sublayer(x, self.self_attn_layer_norm, lambda h: self.self_attn.step(h, cache.attention))
        if self.encoder_attn is not None:
            assert memory is not None and row_source is not None and self.encoder_attn_layer_norm is not None
            keys = memory.keys.index_select(0, row_source)
            values = memory.values.index_select(0, row_source)
            mask = source_padding_mask.index_select(0, row_source) if source_padding_mask is not None else None
            attn = self.encoder_attn
            x = self.sublayer(x, self.encoder_attn_layer_norm, lambda h: attn.attend(h, keys, values, mask))
        return self.sublayer(x, self.final_layer_norm, self.feed_forward)
