"""The `## Data` section: description, build command, sizes from the corpus manifests.

tools/data/build.py writes data/<corpus>/manifest.json (files: {name: {lines, words, bytes,
sha256}}, examples or documents per split, kept_by_source, debian_release); tools/data/spm.py
writes data/<corpus>/spm/manifest.json (the same files as space-separated pieces, vocab_size,
sentencepiece version).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from .inputs import read_json
from .markdown import count, shell, table


def _counts(label: str, values: Any) -> Optional[str]:
    if not isinstance(values, dict) or not values:
        return None
    return f"{label}: " + ", ".join(f"{k} {count(int(v))}" for k, v in sorted(values.items())) + "."


def sizes(data_dir: Path) -> list[str]:
    raw = read_json(data_dir / "manifest.json")
    spm = read_json(data_dir / "spm" / "manifest.json")
    if raw is None:
        return [f"No manifest at {data_dir / 'manifest.json'}: sizes not recorded."]
    pieces: dict[str, Any] = spm.get("files", {}) if spm else {}
    rows = []
    for name, stats in sorted(raw.get("files", {}).items()):
        if "lines" not in stats:
            continue
        spm_words = pieces.get(name, {}).get("words")
        rows.append([name, count(stats["lines"]), count(stats.get("words", 0)),
                     count(spm_words) if spm_words is not None else "-"])
    sources = f"{data_dir / 'manifest.json'}" + (f", {data_dir / 'spm' / 'manifest.json'}" if spm else "")
    lines = [f"Sizes ({sources}):", ""]
    lines += table(["file", "lines", "words", "sentencepiece pieces"], rows, "lrrr")
    lines.append("")
    for label, key in (("Examples per split", "examples"), ("Documents per split", "documents"),
                       ("Kept by source", "kept_by_source"), ("Words by source", "words_by_source")):
        if (text := _counts(label, raw.get(key))) is not None:
            lines.append(text)
    if spm and "vocab_size" in spm:
        version = f" (sentencepiece {spm['sentencepiece']})" if "sentencepiece" in spm else ""
        lines.append(f"Sentencepiece vocabulary: {count(spm['vocab_size'])} pieces{version}.")
    release = raw.get("debian_release")
    if isinstance(release, dict) and "date" in release:
        lines.append(f"Debian archive as of {release['date']} ({release.get('mirror', '')}).")
    return lines


def section(description: Optional[str], command: Optional[str], data_dirs: list[Path],
            trainer_line: Optional[str]) -> list[str]:
    lines = ["## Data", "", description or "(no description given)", "", "Built with:", ""]
    lines += shell(command)
    for data_dir in data_dirs:
        lines += [""] + sizes(data_dir)
    if trainer_line:
        lines.append(f"The trainer read `{trainer_line}` (train.log).")
    return lines + [""]
