"""Runs the engine (`liteformer-run`) or the reference (`reference_run.py`) over an input file.

Both tools share one CLI and, with --json, write exactly one JSON object per input line, with
{"error": ...} for a line they refuse (exit status 1 then); any other status means the tool
could not run at all.  JSON rather than text output because in text mode a refused line and an
empty hypothesis are both an empty line.
"""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ENGINE = ROOT / "build" / "bin" / "liteformer-run"
REFERENCE_SCRIPT = ROOT / "tools" / "reference_run.py"
# The project's rule: the reference needs Debian's interpreter, the one with torch.
REFERENCE_PYTHON = "/usr/bin/python3"

EXIT_BAD_LINE = 1  # both tools: some lines refused, the rest processed


class ToolFailure(RuntimeError):
    """A tool that could not be started or did not process its input."""


@dataclass
class ToolRun:
    name: str                              # "engine" or "reference"
    command: list[str]
    input_path: Path
    records: list[Optional[dict[str, Any]]]  # one per input line; None where refused
    refused: dict[int, str] = field(default_factory=dict)  # 1-based line -> the tool's reason
    seconds: float = 0.0

    def shell_command(self) -> str:
        """The command as one could paste it into a shell."""
        return f"{shlex.join(self.command)} < {shlex.quote(str(self.input_path))}"

    def best_texts(self) -> list[str]:
        """The best hypothesis per line; "" for a refused line or a line with no hypothesis."""
        texts = []
        for record in self.records:
            hyps = record.get("hypotheses") if record else None
            texts.append(str(hyps[0]["text"]) if hyps else "")
        return texts

    def scored(self) -> dict[int, dict[str, Any]]:
        """`score` outputs by 1-based line number, refused lines left out."""
        return {i: r for i, r in enumerate(self.records, start=1) if r is not None}


def engine_command(engine: Path) -> list[str]:
    if not engine.is_file() or not os.access(engine, os.X_OK):
        raise ToolFailure(f"engine binary not found or not executable: {engine} "
                          "(build it first: scripts/test.sh, or cmake -S . -B build && cmake --build build)")
    return [str(engine)]


def reference_command(python: str = REFERENCE_PYTHON) -> list[str]:
    return [python, str(REFERENCE_SCRIPT)]


def tool_command(prefix: Sequence[str], task: str, model: Path, options: Sequence[str]) -> list[str]:
    """`prefix task --model M --json options`: the same arguments for the engine and the reference."""
    return [*prefix, task, "--model", str(model), "--json", *options]


def run_tool(name: str, command: Sequence[str], input_path: Path, line_count: int) -> ToolRun:
    """Runs `command < input_path` and parses the tool's per-line JSON."""
    command = list(command)
    start = time.monotonic()
    with open(input_path, "rb") as stdin:
        try:
            proc = subprocess.run(command, stdin=stdin, capture_output=True, check=False)
        except OSError as e:
            raise ToolFailure(f"{name}: cannot run {shlex.join(command)}: {e}") from e
    seconds = time.monotonic() - start
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode not in (0, EXIT_BAD_LINE):
        raise ToolFailure(f"{name} exited with status {proc.returncode}: {shlex.join(command)}\n{stderr.strip()}")
    # split("\n"), not splitlines(): a JSON string may hold a raw U+2028 from the engine.
    lines = proc.stdout.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != line_count:
        raise ToolFailure(f"{name} wrote {len(lines)} lines for {line_count} input lines\n{stderr.strip()}")
    run = ToolRun(name, command, input_path, [], seconds=seconds)
    for number, line in enumerate(lines, start=1):
        record = json.loads(line)
        if "error" in record:
            run.refused[number] = str(record["error"])
            run.records.append(None)
        else:
            run.records.append(record)
    return run


def read_lines(path: Path) -> list[str]:
    """The lines of a UTF-8 file as the tools see them: split on '\\n' only, a final '\\r' dropped.

    Not str.splitlines(): that also splits on U+2028, U+0085 and friends, which the tools keep
    inside a line, and the line numbers would drift apart.
    """
    text = path.read_bytes().decode("utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def write_lines(path: Path, lines: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line + "\n")
