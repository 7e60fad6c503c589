"""Reads a tools/train.py log: the stdout of every run, appended (train/cli.py, train/train_loop.py).

Each run starts with untimestamped header lines (`train N pairs (D dropped), valid V` or
`train N blocks of C, valid V`, then `model NAME: X.XXM parameters`); a resumed run's first
timestamped line is `resumed from ...`.  Timestamped lines are `HH:MM:SS message`.  Training
time is the sum of the gaps between consecutive timestamped lines of one run; the gap between
runs (the machine was off, or busy) is not counted.  Times are of day only: a negative gap
inside a run is taken as a midnight wrap.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

DAY = 24 * 3600
_TIMESTAMP = re.compile(r"^(\d\d):(\d\d):(\d\d) (.*)$")
_STEP = re.compile(r"^epoch (\d+) step (\d+) batch (\d+)/(\d+) nll (\S+) lr \S+ tokens/s (\S+)")
_SAVED = re.compile(r"^saved checkpoint_(\d+)\.pt: valid nll (\S+) ppl (\S+)")
_RESUMED = re.compile(r"^resumed from .*: epoch (\d+), step (\d+), batch (\d+)")
_DATA = re.compile(r"^train \d+ (pairs|blocks)")
_MODEL = re.compile(r"^model (\S+): ([\d.]+)M parameters")


@dataclass(frozen=True)
class Checkpoint:
    step: int
    valid_nll: float
    valid_ppl: float  # as logged: exp of the unrounded nll
    time: str         # HH:MM:SS as logged


@dataclass
class TrainLog:
    seconds: int = 0                      # wall-clock training time, gaps between runs left out
    runs: int = 0
    step: int = 0                         # the last step the log reaches
    epoch: int = 0                        # epoch of that step
    batch: int = 0                        # batch within that epoch
    batches_per_epoch: Optional[int] = None
    checkpoints: list[Checkpoint] = field(default_factory=list)
    data_line: Optional[str] = None       # the trainer's corpus summary (last run)
    reported_parameters_m: Optional[float] = None

    @property
    def epochs(self) -> Optional[float]:
        """Epochs done, as a fraction (needs one step line for the epoch length)."""
        if not self.batches_per_epoch or not self.epoch:
            return None
        return self.epoch - 1 + self.batch / self.batches_per_epoch

    @property
    def best(self) -> Optional[Checkpoint]:
        return min(self.checkpoints, key=lambda c: c.valid_nll) if self.checkpoints else None

    @property
    def final(self) -> Optional[Checkpoint]:
        return self.checkpoints[-1] if self.checkpoints else None

    def checkpoint(self, step: int) -> Optional[Checkpoint]:
        """The last save of that step (a step saved again after a resume: the later one)."""
        found = [c for c in self.checkpoints if c.step == step]
        return found[-1] if found else None


def parse(lines: Iterable[str]) -> TrainLog:
    log = TrainLog()
    previous: Optional[int] = None   # seconds of day of the run's previous timestamped line
    fresh_run = False                # a header started a run that has no timestamped line yet
    for raw in lines:
        line = raw.rstrip("\r\n")
        stamped = _TIMESTAMP.match(line)
        if stamped is None:
            if _DATA.match(line):
                log.data_line, log.runs, previous, fresh_run = line, log.runs + 1, None, True
            elif (model := _MODEL.match(line)) is not None:
                log.reported_parameters_m = float(model.group(2))
            continue
        hours, minutes, seconds, message = stamped.groups()
        now = int(hours) * 3600 + int(minutes) * 60 + int(seconds)
        if (resumed := _RESUMED.match(message)) is not None:
            if not fresh_run:
                log.runs += 1
            previous = None
            log.epoch, log.step, log.batch = (int(g) for g in resumed.groups())
        elif log.runs == 0:
            log.runs = 1
        fresh_run = False
        if previous is not None:
            log.seconds += (now - previous) % DAY
        previous = now
        if (step := _STEP.match(message)) is not None:
            log.epoch, log.step, log.batch, log.batches_per_epoch = (int(g) for g in step.groups()[:4])
        elif (saved := _SAVED.match(message)) is not None:
            saved_step = int(saved.group(1))
            log.batch += saved_step - log.step
            log.step = saved_step
            log.checkpoints.append(Checkpoint(saved_step, float(saved.group(2)), float(saved.group(3)), line[:8]))
    return log


def read(path: Path) -> TrainLog:
    with open(path, encoding="utf-8") as stream:
        return parse(stream)


def format_duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60:02d} min" if hours else f"{rest // 60} min {rest % 60:02d} s"
