"""The card's other sources: the CPU, the data manifests, evaluate.py's scores, example outputs."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional

from eval.runner import engine_command, read_lines, run_tool, tool_command

# config.json task -> the data/<corpus> directory tools/data/build.py writes, and the
# liteformer-run command that produces the task's outputs.
CORPUS = {"translation": "translation", "summarization": "summarization", "language_modeling": "lm"}
RUN_COMMAND = {"translation": "translate", "summarization": "summarize", "language_modeling": "generate"}


def hardware(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """`<model name> x N cores` (N as `nproc` counts: the CPUs this process may use)."""
    name = "unknown CPU"
    try:
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                name = value.strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{name}, {cores} cores (nproc)"


def read_json(path: Path) -> Optional[dict[str, Any]]:
    """A JSON object, or None when the file does not exist."""
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return data


def read_scores(eval_dir: Path) -> dict[str, Any]:
    """evaluate.py's scores.json (keys: command, model, lines, engine, [reference, agree])."""
    scores = read_json(eval_dir / "scores.json")
    if scores is None:
        raise ValueError(f"{eval_dir / 'scores.json'}: missing (is {eval_dir} an evaluate.py --out-dir?)")
    if "engine" not in scores or "command" not in scores:
        raise ValueError(f"{eval_dir / 'scores.json'}: not written by tools/evaluate.py (no engine scores)")
    return scores


def output_text(record: Any) -> str:
    """One output line: liteformer-run/reference_run --json objects, {"text": ...}, or a string."""
    if isinstance(record, str):
        return record
    if isinstance(record, dict):
        if "error" in record:
            return f"(refused: {record['error']})"
        hypotheses = record.get("hypotheses")
        if isinstance(hypotheses, list):
            return str(hypotheses[0]["text"]) if hypotheses else ""
        if "text" in record:
            return str(record["text"])
    raise ValueError(f"cannot find the output text in {json.dumps(record)[:80]}")


def read_outputs(path: Path) -> list[str]:
    """A JSON lines file of outputs, one per example line."""
    return [output_text(json.loads(line)) for line in read_lines(path)]


def run_engine(engine: Path, task: str, model: Path, examples: Path, count: int) -> tuple[list[str], str]:
    """The engine's outputs for the example lines, and the command that produced them."""
    command = tool_command(engine_command(engine), RUN_COMMAND[task], model, ["--threads", "1"])
    run = run_tool("engine", command, examples, count)
    texts = [output_text(record) if record is not None else f"(refused: {run.refused[i]})"
             for i, record in enumerate(run.records, start=1)]
    return texts, run.shell_command()
