"""model.safetensors described from its JSON header alone (no tensor data read, no torch)."""
from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data.manifest import sha256_file
from liteformer_ref.config import ModelConfig
from liteformer_ref.tensor_layout import expected_tensor_shapes

MAX_HEADER_BYTES = 100 * 1024 * 1024  # docs/model-format.md


@dataclass(frozen=True)
class WeightsInfo:
    shapes: dict[str, tuple[int, ...]]
    dtypes: dict[str, str]
    file_bytes: int
    sha256: str

    @property
    def parameters(self) -> int:
        """Stored elements: tied tensors are stored once, so this is the model's parameter count."""
        return sum(math.prod(shape) for shape in self.shapes.values())

    @property
    def dtype_names(self) -> list[str]:
        return sorted(set(self.dtypes.values()))


def read_header(path: Path) -> dict[str, dict[str, Any]]:
    """The tensor entries of the header (`__metadata__` left out)."""
    size = path.stat().st_size
    with open(path, "rb") as stream:
        prefix = stream.read(8)
        if len(prefix) != 8:
            raise ValueError(f"{path}: shorter than the 8-byte safetensors header length")
        (length,) = struct.unpack("<Q", prefix)
        if length > MAX_HEADER_BYTES or 8 + length > size:
            raise ValueError(f"{path}: header length {length} is not within the file ({size} bytes)")
        header = json.loads(stream.read(length).decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError(f"{path}: header is not a JSON object")
    return {name: entry for name, entry in header.items() if name != "__metadata__"}


def inspect(path: Path, config: ModelConfig) -> WeightsInfo:
    """Shapes and dtypes of every stored tensor, checked against what config.json expects."""
    header = read_header(path)
    shapes = {name: tuple(int(d) for d in entry["shape"]) for name, entry in header.items()}
    expected = expected_tensor_shapes(config)
    if shapes != expected:
        wrong = sorted(set(shapes) ^ set(expected)) or sorted(n for n in shapes if shapes[n] != expected[n])
        raise ValueError(f"{path}: tensors differ from what config.json describes (first: {wrong[0]})")
    dtypes = {name: str(entry["dtype"]) for name, entry in header.items()}
    return WeightsInfo(shapes=shapes, dtypes=dtypes, file_bytes=path.stat().st_size, sha256=sha256_file(path))
