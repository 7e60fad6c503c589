"""Compares a regenerated engine fixture (tools/make_fixtures.py) with the
committed one, the way results from two machines can be compared.

PyTorch's float results change in the last bits with the BLAS kernels chosen
for the CPU at hand (OpenBLAS picks them per CPU, and OPENBLAS_CORETYPE
overrides the choice), so a byte comparison passes only on the machine that
wrote the fixtures. What must match exactly is everything discrete: file
names, JSON structure, token ids, option values, MAC counts, tensor names,
dtypes and shapes, and the random model's weights (drawn by torch's own
generator, not computed through BLAS). Floats computed by the model match
within FLOAT_TOLERANCE.
"""
from __future__ import annotations

import json
import math
import pathlib
from dataclasses import dataclass
from typing import Any

import torch

from liteformer_ref import safetensors_io


@dataclass(frozen=True)
class Tolerance:
    """|fresh - committed| <= atol + rtol * |committed|."""
    rtol: float
    atol: float

    def allows(self, fresh: float, committed: float) -> bool:
        if math.isinf(fresh) or math.isinf(committed) or math.isnan(fresh) or math.isnan(committed):
            return fresh == committed or (math.isnan(fresh) and math.isnan(committed))
        return abs(fresh - committed) <= self.atol + self.rtol * abs(committed)


# Measured: regenerated under OpenBLAS's Haswell, Sandybridge, Zen and
# Prescott kernels, log-probs, logits, encoder outputs and scores differ from
# the committed ones (auto-detected kernels: Cooperlake on Zen 4) by at most 4.5e-6
# absolute, and perplexities (exponentials of mean log-probs, up to ~2000) by
# at most 7.6e-7 relative. 1e-5 on both leaves at least 2x headroom, and a
# log-prob moved by 1e-4 still fails (test_fixtures.py). The engine's parity
# tests compare their own results against the committed values at 1e-4.
FLOAT_TOLERANCE = Tolerance(rtol=1e-5, atol=1e-5)

# Files whose every byte is deterministic on any machine.
EXACT_FILES = ("config.json", "model.safetensors")
EXACT_SUFFIXES = (".txt",)


def compare_json(fresh: Any, committed: Any, where: str = "$",
                 tolerance: Tolerance = FLOAT_TOLERANCE) -> list[str]:
    """Differences between two parsed JSON values: structure, ints, strings
    and booleans exactly, floats within the tolerance."""
    if isinstance(committed, bool) or isinstance(fresh, bool):
        return [] if fresh is committed else [f"{where}: {fresh!r} != {committed!r}"]
    if isinstance(committed, float) or isinstance(fresh, float):
        if not isinstance(fresh, (int, float)) or not isinstance(committed, (int, float)):
            return [f"{where}: {fresh!r} != {committed!r}"]
        if tolerance.allows(float(fresh), float(committed)):
            return []
        return [f"{where}: {fresh!r} != {committed!r} (beyond rtol {tolerance.rtol}, atol {tolerance.atol})"]
    if isinstance(committed, dict):
        if not isinstance(fresh, dict) or sorted(fresh) != sorted(committed):
            return [f"{where}: keys {sorted(fresh) if isinstance(fresh, dict) else fresh!r} "
                    f"!= {sorted(committed)}"]
        return [d for key in committed for d in compare_json(fresh[key], committed[key], f"{where}.{key}", tolerance)]
    if isinstance(committed, list):
        if not isinstance(fresh, list) or len(fresh) != len(committed):
            return [f"{where}: length {len(fresh) if isinstance(fresh, list) else fresh!r} != {len(committed)}"]
        return [d for i, (f, c) in enumerate(zip(fresh, committed))
                for d in compare_json(f, c, f"{where}[{i}]", tolerance)]
    return [] if fresh == committed and type(fresh) is type(committed) else [f"{where}: {fresh!r} != {committed!r}"]


def compare_tensors(fresh: pathlib.Path, committed: pathlib.Path,
                    tolerance: Tolerance = FLOAT_TOLERANCE) -> list[str]:
    """Differences between two safetensors files: names, dtypes and shapes
    exactly, values within the tolerance."""
    a = safetensors_io.read(str(fresh))
    b = safetensors_io.read(str(committed))
    if sorted(a) != sorted(b):
        return [f"{committed.name}: tensors {sorted(a)} != {sorted(b)}"]
    found = []
    for name in sorted(b):
        x, y = a[name], b[name]
        if x.dtype != y.dtype or x.shape != y.shape:
            found.append(f"{committed.name}:{name}: {x.dtype}{list(x.shape)} != {y.dtype}{list(y.shape)}")
            continue
        x, y = x.double(), y.double()
        bound = tolerance.atol + tolerance.rtol * y.abs()
        same_inf = torch.isinf(x) & (x == y)
        bad = ~(((x - y).abs() <= bound) | same_inf)
        if bool(bad.any()):
            index = int(bad.flatten().nonzero()[0])
            found.append(f"{committed.name}:{name}: {int(bad.sum())} values beyond rtol {tolerance.rtol}, "
                         f"atol {tolerance.atol}, first at flat index {index}: "
                         f"{x.flatten()[index].item()!r} != {y.flatten()[index].item()!r}")
    return found


def compare_file(fresh: pathlib.Path, committed: pathlib.Path) -> list[str]:
    if committed.name in EXACT_FILES or committed.suffix in EXACT_SUFFIXES:
        return [] if fresh.read_bytes() == committed.read_bytes() else [f"{committed.name}: bytes differ"]
    if committed.suffix == ".json":
        return [f"{committed.name}:{d}" for d in
                compare_json(json.loads(fresh.read_text()), json.loads(committed.read_text()))]
    if committed.suffix == ".safetensors":
        return compare_tensors(fresh, committed)
    return [f"{committed.name}: no rule to compare this file"]


def compare_directory(fresh: pathlib.Path, committed: pathlib.Path) -> list[str]:
    """Every difference between two fixture directories that matters on any
    machine; empty when the committed fixture is what the reference makes now."""
    fresh_names = sorted(p.name for p in fresh.iterdir())
    committed_names = sorted(p.name for p in committed.iterdir())
    if fresh_names != committed_names:
        return [f"files {fresh_names} != {committed_names}"]
    return [d for name in committed_names for d in compare_file(fresh / name, committed / name)]
