"""The decoder stack: embeddings, layers, optional final LayerNorm, output distribution.

Output: adaptive softmax (adaptive input models), else logits = h . W^T with W the
decoder input embedding (shared) or `embed_out` (V, C), no bias.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .adaptive import AdaptiveSoftmax
from .caches import DecoderCache
from .config import DropoutConfig, ModelConfig
from .dictionary import PAD
from .embeddings import AdaptiveInput
from .encoder import EncoderOut
from .layers import LAYER_NORM_EPS, DecoderLayer
from .positions import SinusoidalPositions


class Decoder(nn.Module):
    def __init__(self, config: ModelConfig, embed_tokens: nn.Module, dropout: DropoutConfig) -> None:
        super().__init__()
        stack = config.decoder
        c = stack.embed_dim
        self.dropout = dropout.dropout
        self.embed_scale = math.sqrt(c)
        self.embed_tokens = embed_tokens
        self.embed_positions = SinusoidalPositions(c)
        has_encoder = not config.is_language_model
        self.layers = nn.ModuleList([DecoderLayer(stack, i, dropout, has_encoder) for i in range(stack.layers)])
        self.layer_norm = nn.LayerNorm(c, eps=LAYER_NORM_EPS) if stack.final_layer_norm else None
        self.adaptive_softmax: AdaptiveSoftmax | None = None
        self.embed_out: nn.Parameter | None = None
        if isinstance(embed_tokens, AdaptiveInput):
            self.adaptive_softmax = AdaptiveSoftmax(embed_tokens, dropout.adaptive_softmax_dropout)
        elif not config.share_decoder_input_output_embed:
            self.embed_out = nn.Parameter(torch.empty(config.vocab.target_size, c))
        # The output projection in the engine's int8 arithmetic (int8.quantize_model sets it).
        self.int8_output: nn.Module | None = None

    @property
    def output_weight(self) -> torch.Tensor:
        if self.embed_out is not None:
            return self.embed_out
        assert isinstance(self.embed_tokens, nn.Embedding)
        return self.embed_tokens.weight

    def embed(self, tokens: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        x = self.embed_scale * self.embed_tokens(tokens) + positions
        return F.dropout(x, p=self.dropout, training=self.training)

    def features(self, prev_output_tokens: torch.Tensor, encoder_out: EncoderOut | None) -> torch.Tensor:
        """Teacher-forced hidden states [B, T, C] for right-padded inputs starting with </s>."""
        x = self.embed(prev_output_tokens, self.embed_positions(prev_output_tokens))
        memory = encoder_out.encoder_out if encoder_out is not None else None
        mask = encoder_out.padding_mask if encoder_out is not None else None
        for layer in self.layers:
            x = layer(x, memory, mask)
        return self.layer_norm(x) if self.layer_norm is not None else x

    def step_features(self, tokens: torch.Tensor, cache: DecoderCache) -> torch.Tensor:
        """Hidden states [N, C] for one new token per row at position steps + 2."""
        position = cache.steps + PAD + 1
        x = self.embed(tokens.unsqueeze(1), self.embed_positions.at(position, tokens.shape[0]).unsqueeze(1))
        for i, layer in enumerate(self.layers):
            memory = cache.memory[i] if cache.memory is not None else None
            x = layer.step(x, cache.layers[i], memory, cache.row_source, cache.source_padding_mask)
        cache.steps += 1
        x = self.layer_norm(x) if self.layer_norm is not None else x
        return x[:, 0]

    def output_logits(self, h: torch.Tensor) -> torch.Tensor:
        if self.adaptive_softmax is not None:
            raise ValueError("an adaptive-softmax model has no single logits matrix; use log-probs")
        if self.int8_output is not None:
            return self.int8_output(h)
        return F.linear(h, self.output_weight)

    def output_log_probs(self, h: torch.Tensor) -> torch.Tensor:
        if self.adaptive_softmax is not None:
            return self.adaptive_softmax.log_probs(h)
        return F.log_softmax(self.output_logits(h).float(), dim=-1)

    @property
    def vocab_size(self) -> int:
        if self.adaptive_softmax is not None:
            return self.adaptive_softmax.vocab_size
        return int(self.output_weight.shape[0])
