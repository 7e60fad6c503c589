"""tools/liteformer_ref/int8.py: the engine's int8 scheme in PyTorch (quantization per row,
exact integer sums, scales), and quantize_model's coverage of a model's linear maps."""
from __future__ import annotations

import pathlib

import torch
from torch import nn

from liteformer_ref.adaptive import TiedLinear
from liteformer_ref.int8 import Int8Linear, quantize_model, quantize_rows
from liteformer_ref.model_dir import load_model

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"


def test_rows_round_half_to_even_and_the_largest_maps_to_127() -> None:
    x = torch.tensor([[1.0, -0.5 / 127, 1.5 / 127, 2.5 / 127], [0.0, 0.0, 0.0, 0.0], [-4.0, 2.0, 1.0, 0.0]])
    q, inverse = quantize_rows(x)
    assert q[0].tolist() == [127.0, -0.0, 2.0, 2.0]  # 0.5 -> 0, 1.5 -> 2, 2.5 -> 2
    assert q[1].tolist() == [0.0] * 4 and inverse[1].item() == 0.0
    assert q[2].tolist() == [-127.0, 64.0, 32.0, 0.0]  # 63.5 -> 64, 31.75 -> 32
    assert inverse.dtype == torch.float32 and inverse[2].item() == torch.tensor(4.0 / 127.0).item()


def test_int8_linear_is_exact_integer_sums_times_the_scales() -> None:
    torch.manual_seed(0)
    linear = nn.Linear(37, 11)
    x = torch.randn(3, 37) * 3
    int8 = Int8Linear(linear.weight, linear.bias)
    qx, sx = quantize_rows(x)
    qw, sw = quantize_rows(linear.weight.detach())
    sums = (qx.long() @ qw.long().t()).double()
    expected = (sums.float().double() * (sx[:, None] * sw[None, :]).double() + linear.bias.detach().double()).float()
    assert torch.equal(int8(x), expected)
    # An approximation of float32, within the quantization steps.
    assert torch.allclose(int8(x), linear(x), atol=0.1)


def test_quantize_model_swaps_every_linear_map() -> None:
    for variant in ("lsra_dynamic_shared", "lm_adaptive", "lm_tied", "transformer"):
        model = load_model(DATA / variant).model
        quantize_model(model)
        left = [name for name, m in model.named_modules() if type(m) in (nn.Linear, TiedLinear)]
        assert left == [], (variant, left)
        assert (model.decoder.int8_output is None) == (variant == "lm_adaptive")
