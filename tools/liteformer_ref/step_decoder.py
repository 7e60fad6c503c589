"""Incremental (step-by-step) decoding over rows (hypotheses) that share sources.

A seq2seq StepDecoder encodes its B sources once and computes each layer's
encoder-decoder keys/values once per source; row r starts as sentence r // repeat
and follows its sentence through `reorder`. Every row consumes one token per
`step` at the shared position steps + 2, so all rows are always at the same
position (search algorithms force prompts / pad finished rows themselves).
The search module's decoder Protocol is exactly: vocab_size, step, reorder.
"""
from __future__ import annotations

import torch

from .caches import DecoderCache
from .decoder import Decoder
from .encoder import Encoder


class StepDecoder:
    def __init__(self, decoder: Decoder, cache: DecoderCache) -> None:
        self._decoder = decoder
        self._cache = cache
        self.vocab_size: int = decoder.vocab_size

    @property
    def rows(self) -> int:
        return self._cache.rows

    @property
    def steps(self) -> int:
        """Tokens each row has consumed so far."""
        return self._cache.steps

    @property
    def cache(self) -> DecoderCache:
        return self._cache

    @torch.no_grad()
    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        """Feed each row's next input token ([N] long); returns next-token log-probs [N, V] (float32)."""
        if tokens.dim() != 1 or tokens.shape[0] != self.rows:
            raise ValueError(f"step() needs one token per row ({self.rows}), got shape {tuple(tokens.shape)}")
        h = self._decoder.step_features(tokens.long(), self._cache)
        return self._decoder.output_log_probs(h).float()

    @torch.no_grad()
    def reorder(self, rows: torch.Tensor) -> None:
        """New row i = old row rows[i]; rows may drop or repeat old rows."""
        rows = rows.long()
        if rows.numel() and (int(rows.min()) < 0 or int(rows.max()) >= self.rows):
            raise IndexError(f"reorder() index out of range for {self.rows} rows")
        self._cache.reorder(rows)


@torch.no_grad()
def make_step_decoder(encoder: Encoder | None, decoder: Decoder, src_tokens: torch.Tensor | None,
                      repeat: int = 1, rows: int | None = None) -> StepDecoder:
    """Build a StepDecoder: B * repeat rows for a seq2seq model, `rows` rows for a language model."""
    if encoder is None:
        if src_tokens is not None:
            raise ValueError("a language model takes no source tokens")
        if rows is None:
            raise ValueError("a language model's step decoder needs `rows`")
        return StepDecoder(decoder, DecoderCache([layer.empty_cache(rows) for layer in decoder.layers]))
    if src_tokens is None:
        raise ValueError("a seq2seq step decoder needs src_tokens")
    batch = src_tokens.shape[0]
    if rows is not None and rows != batch * repeat:
        raise ValueError(f"rows={rows} disagrees with {batch} sources x repeat {repeat}")
    encoded = encoder(src_tokens)
    n = batch * repeat
    cache = DecoderCache(
        layers=[layer.empty_cache(n) for layer in decoder.layers],
        memory=[layer.cross_memory(encoded.encoder_out) for layer in decoder.layers],
        source_padding_mask=encoded.padding_mask,
        row_source=torch.arange(batch).repeat_interleave(repeat),
    )
    return StepDecoder(decoder, cache)
