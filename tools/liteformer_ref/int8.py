"""The engine's int8 compute type in PyTorch (engine/ops/int8_quantize.h), for parity.

CTranslate2's scheme, step for step as the engine runs it:
- every linear layer's weight is quantized per output row, q = round_half_even(w * (127 /
  max|row|)) in float32, clamped to [-127, 127], kept with max|row| / 127;
- its input is quantized the same way per row at run time;
- y = fma(float32(sum q_x q_w), s_x * s_w, b): exact integer sums (float64 here, exact below
  2^53), one product of the scales in float32, the bias added (float64, then rounded: the
  engine's fused multiply-add rounds once, this twice; ~1 ulp apart).
Layer norm, softmax, attention scores and convolutions stay float32. A tied embedding (the
output projection's matrix) is looked up in its dequantized int8 rows, as the engine holds
only the int8 copy; untied and adaptive-input embeddings stay float32.

The engine folds the attention scaling into the query projection before quantizing it; here
it multiplies after (a rounding apart), and it stacks q, k, v where this keeps them apart
(the same per-row quantization either way).
"""
from __future__ import annotations

import torch
from torch import nn

from .adaptive import TiedLinear
from .decoder import Decoder


def quantize_rows(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-row symmetric int8 of a float32 [N, K] tensor -> (q as float64 [N, K], max|row| / 127
    [N] float32). A row of zeros has scale 0 (every q = 0)."""
    x = x.float()
    amax = x.abs().amax(dim=1)
    scale = torch.where(amax > 0, torch.tensor(127.0) / amax, torch.zeros_like(amax))
    q = torch.round(x * scale[:, None]).clamp(-127, 127)
    return q.double(), amax / 127.0


class Int8Linear(nn.Module):
    """y = x W^T + b with W quantized per row once and x per row on every call."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None) -> None:
        super().__init__()
        q, inverse = quantize_rows(weight.detach())
        self.register_buffer("q", q)
        self.register_buffer("inverse", inverse)
        self.register_buffer("bias", None if bias is None else bias.detach().float().clone())

    def dequantized_weight(self) -> torch.Tensor:
        return (self.q.float() * self.inverse[:, None]).float()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        rows = x.reshape(-1, shape[-1])
        xq, x_inverse = quantize_rows(rows)
        sums = (xq @ self.q.t()).float()  # exact integers, then rounded to float32 as the engine does
        scale = x_inverse[:, None] * self.inverse[None, :]  # float32 product
        y = sums.double() * scale.double()
        if self.bias is not None:
            y = y + self.bias.double()[None, :]
        return y.float().reshape(*shape[:-1], -1)


class Int8TiedLinear(Int8Linear):
    """A TiedLinear in int8: the tied Parameter (transposed if so) quantized per output row."""

    def __init__(self, tied: TiedLinear) -> None:
        super().__init__(tied.weight.t() if tied.transpose else tied.weight, None)


def _swap_linears(module: nn.Module) -> None:
    for name, child in module.named_children():
        if isinstance(child, nn.Linear):
            setattr(module, name, Int8Linear(child.weight, child.bias))
        elif isinstance(child, TiedLinear):
            setattr(module, name, Int8TiedLinear(child))
        else:
            _swap_linears(child)


@torch.no_grad()
def quantize_model(model: nn.Module) -> nn.Module:
    """Turns a loaded reference model into the engine's int8 arithmetic, in place."""
    decoders = [m for m in model.modules() if isinstance(m, Decoder)]
    assert len(decoders) == 1, "one decoder per model"
    decoder = decoders[0]
    output: Int8Linear | None = None
    if decoder.adaptive_softmax is None:
        output = Int8Linear(decoder.output_weight, None)
        if decoder.embed_out is None:
            # Tied: the input lookups read the int8 copy, dequantized (encoder too when it
            # shares the matrix: it is the same Embedding).
            decoder.embed_tokens.weight.copy_(output.dequantized_weight())
    # Adaptive softmax tails are TiedLinears over the adaptive input's Parameters: they are
    # quantized here from the float32 values, before the input's own Linears are swapped.
    _swap_linears(model)
    decoder.int8_output = output
    return model


__all__ = ["Int8Linear", "Int8TiedLinear", "quantize_model", "quantize_rows"]
