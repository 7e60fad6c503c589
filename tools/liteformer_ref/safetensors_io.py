"""Reader and writer for the safetensors format, written from its specification.

Layout: 8-byte little-endian unsigned header length N, N bytes of JSON header,
then the data buffer. The header maps tensor names to
``{"dtype", "shape", "data_offsets": [begin, end]}`` (offsets relative to the
data buffer) plus an optional ``"__metadata__"`` object of string values.

Validation (every failure is a ModelFormatError naming the file, and the tensor
when one is at fault) follows the reference Rust implementation: the tensors must
cover the data buffer exactly, without holes, overlaps or trailing bytes. A file
with bytes after the last tensor is refused rather than ignored, because such a
file is most likely truncated-then-appended or otherwise corrupt, and the C++
engine applies the same rule.

Floating tensors are widened to float32 on read (F16/BF16 are storage formats
only); I64/I32 are read as int64/int32 (used by test fixtures, never by models).
"""
from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import torch

from .errors import ModelFormatError

MAX_HEADER_BYTES = 100 * 1024 * 1024  # same limit as the reference implementation

# dtype name -> (bytes per element, little-endian numpy dtype used to read raw data)
DTYPES: dict[str, tuple[int, str]] = {
    "F32": (4, "<f4"),
    "F16": (2, "<f2"),
    "BF16": (2, "<u2"),
    "I64": (8, "<i8"),
    "I32": (4, "<i4"),
}
FLOAT_DTYPES = ("F32", "F16", "BF16")


@dataclass
class SafetensorsContents:
    """Everything a safetensors file holds: tensors, their stored dtypes, metadata."""

    tensors: dict[str, torch.Tensor]
    dtypes: dict[str, str]
    metadata: dict[str, str] = field(default_factory=dict)


def read(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """Read all tensors (floating ones widened to float32)."""
    return load(path).tensors


def load(path: str | os.PathLike[str]) -> SafetensorsContents:
    """Read and validate a safetensors file; see the module docstring for the rules."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            blob = f.read()
    except OSError as e:
        raise ModelFormatError(f"{name}: cannot read: {e.strerror or e}") from None
    if len(blob) < 8:
        raise ModelFormatError(f"{name}: file is {len(blob)} bytes, shorter than the 8-byte header length")
    (header_len,) = struct.unpack("<Q", blob[:8])
    if header_len > MAX_HEADER_BYTES:
        raise ModelFormatError(f"{name}: header length {header_len} exceeds the {MAX_HEADER_BYTES}-byte limit")
    if 8 + header_len > len(blob):
        raise ModelFormatError(f"{name}: header length {header_len} runs past the end of the {len(blob)}-byte file")
    header = _parse_header(name, blob[8:8 + header_len])
    data = memoryview(blob)[8 + header_len:]
    metadata = _parse_metadata(name, header.pop("__metadata__", None))
    entries = {tname: _parse_entry(name, tname, info) for tname, info in header.items()}
    _check_layout(name, entries, len(data))
    tensors: dict[str, torch.Tensor] = {}
    dtypes: dict[str, str] = {}
    for tname, (dtype, shape, begin, end) in entries.items():
        tensors[tname] = _decode(data[begin:end], dtype, shape)
        dtypes[tname] = dtype
    return SafetensorsContents(tensors=tensors, dtypes=dtypes, metadata=metadata)


def write(path: str | os.PathLike[str], tensors: Mapping[str, torch.Tensor], dtype: str = "F32",
          metadata: Mapping[str, str] | None = None) -> None:
    """Write floating tensors as `dtype` (F32/F16/BF16); integer tensors keep I64/I32.

    Tensors are laid out in name order; the header is padded with spaces to a
    multiple of 8 bytes so the data buffer is 8-byte aligned for memory mapping.
    """
    if dtype not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be one of {FLOAT_DTYPES}, got {dtype!r}")
    header: dict[str, Any] = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks: list[bytes] = []
    offset = 0
    for tname in sorted(tensors):
        raw, stored = _encode(tensors[tname], dtype)
        header[tname] = {"dtype": stored, "shape": list(tensors[tname].shape),
                         "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(os.fspath(path), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)


def _parse_header(name: str, raw: bytes) -> dict[str, Any]:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ModelFormatError(f"{name}: header names tensor '{key}' twice")
            out[key] = value
        return out

    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFormatError(f"{name}: header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise ModelFormatError(f"{name}: header is not a JSON object")
    return header


def _parse_metadata(name: str, metadata: Any) -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ModelFormatError(f"{name}: __metadata__ must be an object of string values")
    return dict(metadata)


def _parse_entry(name: str, tname: str, info: Any) -> tuple[str, tuple[int, ...], int, int]:
    def bad(problem: str) -> ModelFormatError:
        return ModelFormatError(f"{name}: tensor '{tname}': {problem}")

    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        raise bad("header entry must be an object with exactly dtype, shape and data_offsets")
    dtype = info["dtype"]
    if dtype not in DTYPES:
        raise bad(f"unsupported dtype {dtype!r} (supported: {', '.join(DTYPES)})")
    shape = info["shape"]
    if not isinstance(shape, list) or any(isinstance(d, bool) or not isinstance(d, int) or d < 0 for d in shape):
        raise bad(f"shape {shape!r} is not a list of non-negative integers")
    offsets = info["data_offsets"]
    if (not isinstance(offsets, list) or len(offsets) != 2
            or any(isinstance(o, bool) or not isinstance(o, int) or o < 0 for o in offsets)):
        raise bad(f"data_offsets {offsets!r} is not a pair of non-negative integers")
    begin, end = offsets
    if end < begin:
        raise bad(f"data_offsets [{begin}, {end}] end before they begin")
    elements = 1
    for d in shape:
        elements *= d
    size = elements * DTYPES[dtype][0]
    if end - begin != size:
        raise bad(f"data_offsets [{begin}, {end}] hold {end - begin} bytes, but shape {shape} of {dtype} "
                  f"needs {size}")
    return dtype, tuple(shape), begin, end


def _check_layout(name: str, entries: Mapping[str, tuple[str, tuple[int, ...], int, int]], data_len: int) -> None:
    """Tensors must tile the data buffer exactly: no overlap, no hole, nothing after the last."""
    position = 0
    for tname, (_, _, begin, end) in sorted(entries.items(), key=lambda kv: (kv[1][2], kv[1][3])):
        if end > data_len:
            raise ModelFormatError(f"{name}: tensor '{tname}': data_offsets [{begin}, {end}] run past the "
                                   f"{data_len}-byte data buffer (file truncated?)")
        if begin < position:
            raise ModelFormatError(f"{name}: tensor '{tname}': data_offsets [{begin}, {end}] overlap the "
                                   f"previous tensor")
        if begin > position:
            raise ModelFormatError(f"{name}: tensor '{tname}': data_offsets [{begin}, {end}] leave a hole "
                                   f"at bytes [{position}, {begin})")
        position = end
    if position != data_len:
        raise ModelFormatError(f"{name}: {data_len - position} bytes after the last tensor "
                               f"(data buffer is {data_len} bytes, tensors cover {position})")


def _decode(raw: memoryview, dtype: str, shape: tuple[int, ...]) -> torch.Tensor:
    array = np.frombuffer(raw, dtype=DTYPES[dtype][1])
    if dtype == "BF16":
        # bfloat16 is the top half of a float32: shift into place and reinterpret.
        array = (array.astype(np.uint32) << 16).view(np.float32)
    elif dtype == "F16":
        array = array.astype(np.float32)
    else:
        array = array.astype(array.dtype.newbyteorder("="), copy=True)
    return torch.from_numpy(array.reshape(shape))


def _encode(tensor: torch.Tensor, dtype: str) -> tuple[bytes, str]:
    t = tensor.detach().cpu().contiguous()
    if t.dtype == torch.int64:
        return t.numpy().astype("<i8").tobytes(), "I64"
    if t.dtype == torch.int32:
        return t.numpy().astype("<i4").tobytes(), "I32"
    if not t.is_floating_point():
        raise ValueError(f"cannot store tensor of dtype {t.dtype}")
    t = t.float()
    if dtype == "F32":
        return t.numpy().astype("<f4").tobytes(), "F32"
    if dtype == "F16":
        return t.numpy().astype("<f2").tobytes(), "F16"
    # torch rounds float32 -> bfloat16 to nearest even; keep its bit pattern.
    bits = t.to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
    return bits.astype("<u2").tobytes(), "BF16"
