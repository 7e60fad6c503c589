"""The `## Training` section: hardware, command and options, time and steps, validation, checkpoints."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Optional

from .markdown import count, shell, table
from .train_log import Checkpoint, TrainLog, format_duration

_PATH_OPTIONS = ("train", "valid", "dict", "out")  # shown in the command itself


def options(command: Optional[str]) -> Optional[str]:
    """Every tools/train.py option of the command, defaults filled in (train/cli.py's parser)."""
    if not command:
        return None
    words = shlex.split(command)
    script = next((i for i, w in enumerate(words) if w.endswith("train.py")), None)
    if script is None:
        return None
    from train.cli import _parser  # imports torch: only when there is a command to read

    try:
        parsed = vars(_parser().parse_args(words[script + 1:]))
    except SystemExit:  # argparse has printed why
        return None
    return ", ".join(f"{k.replace('_', '-')} {' '.join(map(str, v)) if isinstance(v, list) else v}"
                     for k, v in parsed.items() if k not in _PATH_OPTIONS)


def used_checkpoints(text: str, log: TrainLog) -> list[Checkpoint]:
    """The saves the --checkpoint text names; `checkpoint_A.pt..checkpoint_B.pt` is a range."""
    steps = [int(s) for s in re.findall(r"checkpoint_(\d+)", text)]
    if not steps:
        return []
    if ".." in text and len(steps) == 2:
        low, high = min(steps), max(steps)
        chosen = sorted({c.step for c in log.checkpoints if low <= c.step <= high})
    else:
        chosen = steps
    return [c for c in (log.checkpoint(s) for s in chosen) if c is not None]


def _log_lines(log: TrainLog) -> list[str]:
    resumes = log.runs - 1
    lines = [f"- Wall-clock training time: {format_duration(log.seconds)} ({log.seconds} s) over "
             f"{log.runs} run{'s' if log.runs != 1 else ''} ({resumes} resume{'s' if resumes != 1 else ''}); "
             f"the time between runs is not counted."]
    epochs = log.epochs
    epoch_text = (f", epoch {log.epoch} (≈ {epochs:.2f} epochs of {count(log.batches_per_epoch or 0)} batches)"
                  if epochs is not None else "")
    lines.append(f"- Steps: {count(log.step)}{epoch_text}.")
    if log.final is not None and log.best is not None:
        lines.append(f"- Validation: final nll {log.final.valid_nll:.3f} (ppl {log.final.valid_ppl:.2f}) at step "
                     f"{log.final.step}; best nll {log.best.valid_nll:.3f} (ppl {log.best.valid_ppl:.2f}) "
                     f"at step {log.best.step}.")
    return lines


@dataclass(frozen=True)
class Stage:
    """One training run of the model (a base run, a fine-tune): its command and log."""

    command: Optional[str]
    log: Optional[TrainLog]
    log_name: Optional[str]


def _stage_lines(stage: Stage) -> list[str]:
    lines = ["- Command:", ""] + ["  " + line for line in shell(stage.command)] + [""]
    if (opts := options(stage.command)) is not None:
        lines += [f"- Options (with tools/train.py's defaults): {opts}."]
    if stage.log is None:
        return lines + ["- No training log given: time, steps and validation not recorded."]
    return lines + _log_lines(stage.log)


def _validation_table(stage: Stage) -> list[str]:
    if stage.log is None or not stage.log.checkpoints:
        return []
    lines = ["", f"Validation at each save ({stage.log_name}):", ""]
    return lines + table(["step", "time", "valid nll", "valid ppl"],
                         [[c.step, c.time, f"{c.valid_nll:.3f}", f"{c.valid_ppl:.2f}"]
                          for c in stage.log.checkpoints], "rlrr")


def section(hardware: str, stages: list[Stage], checkpoint: Optional[str]) -> list[str]:
    lines = ["## Training", "", f"- Hardware: {hardware}."]
    if len(stages) == 1:
        lines += _stage_lines(stages[0])
    else:
        seconds = sum(s.log.seconds for s in stages if s.log is not None)
        lines.append(f"- {len(stages)} stages, each starting from the weights of the one before; "
                     f"wall-clock training time of all: {format_duration(seconds)} ({seconds} s).")
    last = stages[-1].log
    lines.append(f"- Checkpoint used: {checkpoint or '(not recorded)'}" + (" (last stage)." if len(stages) > 1 else "."))
    used = used_checkpoints(checkpoint or "", last) if last else []
    if used:
        lines.append("  Validation of those: " + ", ".join(
            f"step {c.step} nll {c.valid_nll:.3f}" for c in used) + ".")
    if len(stages) == 1:
        return lines + _validation_table(stages[0]) + [""]
    for number, stage in enumerate(stages, start=1):
        lines += ["", f"### Stage {number}", ""] + _stage_lines(stage) + _validation_table(stage)
    return lines + [""]
