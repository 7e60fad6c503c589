"""safetensors reader/writer: round trips and refusal of malformed files."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
import torch

from liteformer_ref import safetensors_io
from liteformer_ref.errors import ModelFormatError


def _raw(path: Path, header: dict, data: bytes) -> None:  # type: ignore[type-arg]
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)


def _refused(path: Path) -> str:
    with pytest.raises(ModelFormatError) as info:
        safetensors_io.load(path)
    assert str(path) in str(info.value)
    return str(info.value)


def test_round_trip_all_dtypes(tmp_path: Path) -> None:
    tensors = {"a": torch.randn(3, 4), "b.c": torch.randn(5), "i": torch.arange(6).view(2, 3),
               "j": torch.arange(3, dtype=torch.int32), "empty": torch.zeros(0, 4)}
    for dtype, tol in (("F32", 0.0), ("F16", 1e-3), ("BF16", 1e-2)):
        path = tmp_path / f"{dtype}.safetensors"
        safetensors_io.write(path, tensors, dtype=dtype, metadata={"format": "pt"})
        got = safetensors_io.load(path)
        assert got.metadata == {"format": "pt"}
        assert got.dtypes["a"] == dtype and got.dtypes["i"] == "I64" and got.dtypes["j"] == "I32"
        assert got.tensors["a"].dtype == torch.float32
        assert torch.equal(got.tensors["i"], tensors["i"]) and torch.equal(got.tensors["j"], tensors["j"])
        for name in ("a", "b.c"):
            assert torch.allclose(got.tensors[name], tensors[name], rtol=tol, atol=tol)
        assert got.tensors["empty"].shape == (0, 4)
        header_len = struct.unpack("<Q", path.read_bytes()[:8])[0]
        assert header_len % 8 == 0


def test_bf16_bit_pattern(tmp_path: Path) -> None:
    path = tmp_path / "x.safetensors"
    safetensors_io.write(path, {"x": torch.tensor([1.0, -2.5, 3.0e38])}, dtype="BF16")
    assert safetensors_io.read(path)["x"].tolist() == torch.tensor([1.0, -2.5, 3.0e38]).bfloat16().float().tolist()


def test_refusals(tmp_path: Path) -> None:
    p = tmp_path / "m.safetensors"
    p.write_bytes(b"1234")
    assert "shorter than the 8-byte" in _refused(p)
    p.write_bytes(struct.pack("<Q", 1000) + b"{}")
    assert "runs past the end" in _refused(p)
    p.write_bytes(struct.pack("<Q", 4) + b"\xff\xfe{}")
    assert "not valid JSON" in _refused(p)
    _raw(p, [1, 2], b"")  # type: ignore[arg-type]
    assert "not a JSON object" in _refused(p)
    f4 = struct.pack("<4f", 1, 2, 3, 4)
    _raw(p, {"w": {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]}}, f4)
    assert "tensor 'w': unsupported dtype" in _refused(p)
    _raw(p, {"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}}, f4)
    assert "tensor 'w'" in _refused(p) and "needs 12" in _refused(p)
    _raw(p, {"w": {"dtype": "F32", "shape": [8], "data_offsets": [0, 32]}}, f4)
    assert "tensor 'w'" in _refused(p) and "run past" in _refused(p)
    _raw(p, {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "v": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, f4)
    assert "overlap" in _refused(p)
    _raw(p, {"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}, f4)
    assert "hole" in _refused(p)
    _raw(p, {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, f4)
    assert "bytes after the last tensor" in _refused(p)
    _raw(p, {"w": {"dtype": "F32", "shape": [-4], "data_offsets": [0, 16]}}, f4)
    assert "non-negative" in _refused(p)
    _raw(p, {"w": {"dtype": "F32", "shape": [4], "data_offsets": [16, 0]}}, f4)
    assert "tensor 'w'" in _refused(p)
    _raw(p, {"w": {"dtype": "F32", "shape": [4]}}, f4)
    assert "tensor 'w'" in _refused(p)
    text = b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}'
    p.write_bytes(struct.pack("<Q", len(text)) + text + f4)
    assert "twice" in _refused(p)
    _raw(p, {"__metadata__": {"a": 1}}, b"")
    assert "__metadata__" in _refused(p)
    with pytest.raises(ModelFormatError):
        safetensors_io.load(tmp_path / "absent.safetensors")
