"""Seq2SeqModel (lite transformer / transformer) and LanguageModel, built from a ModelConfig.

Module and parameter names equal fairseq's, so `model.state_dict()` has fairseq's
names (tied tensors appear under each of their names, as in fairseq).
Inputs: sources right-padded with pad = 1 and ending with </s>; prev_output_tokens
start with </s> = 2 and are right-padded.
"""
from __future__ import annotations

import torch
from torch import nn

from .config import DropoutConfig, ModelConfig
from .decoder import Decoder
from .embeddings import AdaptiveInput, token_embedding
from .encoder import Encoder, EncoderOut
from .step_decoder import StepDecoder, make_step_decoder


class Seq2SeqModel(nn.Module):
    def __init__(self, config: ModelConfig, dropout: DropoutConfig | None = None) -> None:
        super().__init__()
        assert config.encoder is not None, "Seq2SeqModel needs an encoder stack"
        dropout = dropout or DropoutConfig()
        self.config = config
        source_size = config.vocab.source_size or config.vocab.target_size
        encoder_embed = token_embedding(source_size, config.encoder.embed_dim)
        decoder_embed = (encoder_embed if config.share_all_embeddings
                         else token_embedding(config.vocab.target_size, config.decoder.embed_dim))
        self.encoder = Encoder(config.encoder, encoder_embed, dropout)
        self.decoder = Decoder(config, decoder_embed, dropout)

    def encode(self, src_tokens: torch.Tensor) -> EncoderOut:
        return self.encoder(src_tokens)

    def forward(self, src_tokens: torch.Tensor | None, prev_output_tokens: torch.Tensor) -> torch.Tensor:
        """Teacher-forced log-probs [B, T, V] (float32)."""
        return self.decoder.output_log_probs(self._features(src_tokens, prev_output_tokens))

    def logits(self, src_tokens: torch.Tensor | None, prev_output_tokens: torch.Tensor) -> torch.Tensor:
        """Raw output-projection logits [B, T, V]."""
        return self.decoder.output_logits(self._features(src_tokens, prev_output_tokens))

    def step_decoder(self, src_tokens: torch.Tensor | None, repeat: int = 1, rows: int | None = None) -> StepDecoder:
        return make_step_decoder(self.encoder, self.decoder, src_tokens, repeat, rows)

    def _features(self, src_tokens: torch.Tensor | None, prev_output_tokens: torch.Tensor) -> torch.Tensor:
        if src_tokens is None:
            raise ValueError("a seq2seq model needs src_tokens")
        return self.decoder.features(prev_output_tokens, self.encode(src_tokens))


class LanguageModel(nn.Module):
    """Decoder-only model; plain embeddings or adaptive input + tied adaptive softmax."""

    def __init__(self, config: ModelConfig, dropout: DropoutConfig | None = None) -> None:
        super().__init__()
        dropout = dropout or DropoutConfig()
        self.config = config
        c = config.decoder.embed_dim
        embed: nn.Module
        if config.adaptive_input is not None:
            embed = AdaptiveInput(config.vocab.target_size, c, config.adaptive_input.cutoffs,
                                  config.adaptive_input.factor)
        else:
            embed = token_embedding(config.vocab.target_size, c)
        self.decoder = Decoder(config, embed, dropout)

    def forward(self, src_tokens: torch.Tensor | None, prev_output_tokens: torch.Tensor) -> torch.Tensor:
        """Log-probs [B, T, V]; position t predicts the token after prev_output_tokens[:, t]."""
        return self.decoder.output_log_probs(self._features(src_tokens, prev_output_tokens))

    def logits(self, src_tokens: torch.Tensor | None, prev_output_tokens: torch.Tensor) -> torch.Tensor:
        return self.decoder.output_logits(self._features(src_tokens, prev_output_tokens))

    def step_decoder(self, src_tokens: torch.Tensor | None, repeat: int = 1, rows: int | None = None) -> StepDecoder:
        return make_step_decoder(None, self.decoder, src_tokens, repeat, rows)

    def _features(self, src_tokens: torch.Tensor | None, prev_output_tokens: torch.Tensor) -> torch.Tensor:
        if src_tokens is not None:
            raise ValueError("a language model takes no source tokens (pass None)")
        return self.decoder.features(prev_output_tokens, None)


ReferenceModel = Seq2SeqModel | LanguageModel


def build_model(config: ModelConfig, dropout: DropoutConfig | None = None) -> ReferenceModel:
    """An untrained model of the config's architecture (parameters uninitialised)."""
    if config.is_language_model:
        return LanguageModel(config, dropout)
    return Seq2SeqModel(config, dropout)
