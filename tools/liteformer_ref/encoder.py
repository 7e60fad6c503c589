"""The encoder stack: x = sqrt(C) * E[src] + PE, then the layers (+ optional final LayerNorm).

Sources are right-padded with pad = 1. Positions count real tokens only, attention
masks pad keys and the conv branch zeroes its inputs at pads, so each sentence's
output is independent of its batch-mates.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .config import DropoutConfig, StackConfig
from .dictionary import PAD
from .layers import LAYER_NORM_EPS, EncoderLayer
from .positions import SinusoidalPositions


@dataclass
class EncoderOut:
    encoder_out: torch.Tensor  # [B, S, C]
    padding_mask: torch.Tensor  # [B, S] bool, True at pad positions


class Encoder(nn.Module):
    def __init__(self, stack: StackConfig, embed_tokens: nn.Embedding, dropout: DropoutConfig) -> None:
        super().__init__()
        self.dropout = dropout.dropout
        self.embed_scale = math.sqrt(stack.embed_dim)
        self.embed_tokens = embed_tokens
        self.embed_positions = SinusoidalPositions(stack.embed_dim)
        self.layers = nn.ModuleList([EncoderLayer(stack, i, dropout) for i in range(stack.layers)])
        self.layer_norm = nn.LayerNorm(stack.embed_dim, eps=LAYER_NORM_EPS) if stack.final_layer_norm else None

    def forward(self, src_tokens: torch.Tensor) -> EncoderOut:
        padding_mask = src_tokens.eq(PAD)
        x = self.embed_scale * self.embed_tokens(src_tokens) + self.embed_positions(src_tokens)
        x = F.dropout(x, p=self.dropout, training=self.training)
        for layer in self.layers:
            x = layer(x, padding_mask)
        if self.layer_norm is not None:
            x = self.layer_norm(x)
        return EncoderOut(x, padding_mask)
