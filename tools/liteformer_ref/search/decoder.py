"""The interface the search algorithms drive: one decoder step for a batch of rows.

The search code never sees the model; it only asks for the next log-probabilities
of each row and tells the decoder how rows are re-arranged between steps.  The
model reference (`liteformer_ref.step_decoder`) and the fake decoders of the tests
implement this protocol.
"""
from __future__ import annotations

from typing import Protocol

import torch


class StepDecoder(Protocol):
    """Incremental decoder over N independent rows.

    A decoder handed to a search has already consumed every token of a row's
    history except the last; the search's first `step` feeds that last token.
    """

    vocab_size: int

    def step(self, tokens: torch.LongTensor) -> torch.Tensor:
        """Feed tokens[i] to row i; return float32 log-probs [N, V] for each row's next token."""
        ...

    def reorder(self, rows: torch.LongTensor) -> None:
        """Make new row i a copy of old row rows[i] (rows may repeat or drop old rows)."""
        ...
