"""Turns a fairseq state dict into the tensors model.safetensors stores.

Steps, in order: apply fairseq's own state-dict upgrades (old names), drop
bookkeeping entries, widen to float32 (fp16-trained checkpoints), fold tied
copies into one tensor after checking they are equal, and reshape GPU-trained
lightweight kernels. `validate_tensors` then compares the result with the
shapes config.json implies: nothing missing, nothing extra, every shape exact.
"""
from __future__ import annotations

import re
from typing import Dict, Mapping, Sequence, Tuple

import torch

from .config import ModelConfig
from .fairseq_checkpoint import ConversionError
from .tensor_layout import is_ignored_fairseq_name, tied_aliases

Shape = Tuple[int, ...]
Tensors = Dict[str, torch.Tensor]

# Besides tensor_layout's bookkeeping names (*.version, *._float_tensor), older
# fairseq stored the sinusoid table itself; we recompute it.
_OLD_SINUSOIDS = re.compile(r"\.embed_positions\.weights$")


def upgrade_names(state: Mapping[str, torch.Tensor]) -> Tensors:
    """The renames fairseq applies when it loads an old checkpoint."""
    out: Tensors = {}
    for key, value in state.items():
        key = key.replace("branchs", "branches")  # lite-transformer's own typo fix
        # Layer norms were once a list: layer_norms.{0,1,2}.
        match = re.match(r"^(encoder|decoder)(\.layers\.\d+\.)layer_norms\.(\d)\.(weight|bias)$", key)
        if match:
            side, middle, index, param = match.groups()
            names = ["self_attn_layer_norm", "final_layer_norm"] if side == "encoder" else \
                ["self_attn_layer_norm", "encoder_attn_layer_norm", "final_layer_norm"]
            if int(index) < len(names):
                key = f"{side}{middle}{names[int(index)]}.{param}"
        out[key] = value
    return _split_in_proj(out)


def _split_in_proj(state: Tensors) -> Tensors:
    """Old MultiheadAttention kept q, k and v stacked in in_proj_weight/bias."""
    out: Tensors = {}
    for key, value in state.items():
        match = re.match(r"^(.*\.)in_proj_(weight|bias)$", key)
        if not match:
            out[key] = value
            continue
        prefix, param = match.groups()
        if value.shape[0] % 3:
            raise ConversionError(f"tensor '{key}' of shape {tuple(value.shape)} cannot be split into q, k, v")
        for name, part in zip(("q", "k", "v"), value.chunk(3, dim=0)):
            out[f"{prefix}{name}_proj.{param}"] = part.clone()
    return out


def drop_bookkeeping(state: Mapping[str, torch.Tensor]) -> Tensors:
    return {k: v for k, v in state.items() if not is_ignored_fairseq_name(k) and not _OLD_SINUSOIDS.search(k)}


def to_float32(state: Mapping[str, torch.Tensor]) -> Tensors:
    """fp16/bf16/fp64 checkpoints are validated and stored from float32 values."""
    out: Tensors = {}
    for key, value in state.items():
        if not value.is_floating_point():
            raise ConversionError(f"tensor '{key}' has dtype {value.dtype}, expected a floating-point weight")
        out[key] = value.detach().to(torch.float32).contiguous()
    return out


def fold_ties(state: Tensors, config: ModelConfig) -> Tensors:
    """Keeps one copy of each tied tensor after checking the copies are identical."""
    out = dict(state)
    for duplicate, stored in tied_aliases(config).items():
        if duplicate not in out:
            raise ConversionError(f"missing tensor '{duplicate}' (fairseq stores it as a tied copy of '{stored}')")
        if stored not in out:
            raise ConversionError(f"missing tensor '{stored}'")
        a, b = out[duplicate], out[stored]
        if a.shape != b.shape or not torch.equal(a, b):
            raise ConversionError(f"tensors '{duplicate}' and '{stored}' should be tied (identical) but differ")
        del out[duplicate]
    return out


def reshape_lightweight(state: Tensors, expected: Mapping[str, Shape]) -> Tensors:
    """GPU-trained LightconvLayer stores its kernel as (H, K); the CPU layout is (H, 1, K)."""
    out = dict(state)
    for key, shape in expected.items():
        value = out.get(key)
        if value is None or len(shape) != 3 or shape[1] != 1 or not key.endswith(".weight"):
            continue
        if tuple(value.shape) == (shape[0], shape[2]):
            out[key] = value.reshape(shape).contiguous()
    return out


def _fmt(shape: Sequence[int]) -> str:
    return str(tuple(int(d) for d in shape))


def validate_tensors(state: Mapping[str, torch.Tensor], expected: Mapping[str, Shape], source: str) -> None:
    """Refuses a missing, extra or mis-shaped tensor, naming it."""
    missing = [k for k in expected if k not in state]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise ConversionError(f"{source}: missing tensor '{missing[0]}' of shape {_fmt(expected[missing[0]])}{more}")
    extra = sorted(k for k in state if k not in expected)
    if extra:
        more = f" (and {len(extra) - 1} more)" if len(extra) > 1 else ""
        raise ConversionError(f"{source}: extra tensor '{extra[0]}' of shape {_fmt(state[extra[0]].shape)} "
                              f"is not part of the model the checkpoint args describe{more}")
    for key, shape in expected.items():
        actual = tuple(state[key].shape)
        if actual != tuple(shape):
            raise ConversionError(f"{source}: tensor '{key}' has shape {_fmt(actual)}, "
                                  f"expected {_fmt(shape)} from the checkpoint args")


def prepare(state: Mapping[str, torch.Tensor], config: ModelConfig, expected: Mapping[str, Shape],
            source: str) -> Tensors:
    """The whole pipeline: upgrade, clean, float32, untie, reshape, validate."""
    try:
        tensors = to_float32(drop_bookkeeping(upgrade_names(state)))
        tensors = fold_ties(tensors, config)
    except ConversionError as exc:
        raise ConversionError(f"{source}: {exc}") from None
    tensors = reshape_lightweight(tensors, expected)
    validate_tensors(tensors, expected, source)
    return tensors
