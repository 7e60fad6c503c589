"""Writing outputs and describing them: line/word counts and SHA-256 of every file."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable


def write_lines(path: Path, lines: Iterable[str]) -> None:
    """UTF-8, "\\n" after every line, no BOM: the byte layout the trainer and hashes assume."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for line in lines:
            if "\n" in line:
                raise ValueError(f"line break inside an example written to {path}")
            out.write(line + "\n")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


BINARY_SUFFIXES = (".model",)  # sentencepiece models: protobuf, no lines or words


def file_stats(path: Path) -> dict[str, Any]:
    """{"lines", "words", "bytes", "sha256"} of one output file (words = whitespace tokens)."""
    if path.name.endswith(BINARY_SUFFIXES):
        return {"bytes": path.stat().st_size, "sha256": sha256_file(path)}
    lines = words = 0
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            lines += 1
            words += len(line.split())
    return {"lines": lines, "words": words, "bytes": path.stat().st_size, "sha256": sha256_file(path)}


def write_manifest(directory: Path, files: list[str], extra: dict[str, Any]) -> dict[str, Any]:
    """manifest.json beside the files; sorted keys and fixed indentation keep it reproducible."""
    manifest: dict[str, Any] = dict(extra)
    manifest["files"] = {name: file_stats(directory / name) for name in sorted(files)}
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
    return manifest
