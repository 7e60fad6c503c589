"""Writes MODEL_CARD.md into a model directory.

  /usr/bin/python3 tools/model_card.py --model models/en-de \\
      --data-command "nice /usr/bin/python3 tools/data/build.py translation && ..." \\
      --data-description "English→German pairs from ..." \\
      --train-command "nice /usr/bin/python3 tools/train.py seq2seq ..." \\
      --train-log /var/lib/liteformer/checkpoints/en-de/train.log \\
      --checkpoint "average of checkpoint_1334.pt..checkpoint_1451.pt" \\
      --eval-dir /tmp/eval-en-de --eval-command "nice /usr/bin/python3 tools/evaluate.py translate ..." \\
      [--examples FILE [--example-outputs FILE.jsonl] [--example-refs FILE]] [--notes TEXT]

A model trained in stages (a base run, then a fine-tune from it) gives --train-command and
--train-log once per stage, in order; a model trained on several corpora gives --data-dir
once per corpus; several test sets give --eval-dir/--eval-command (and --eval-name) once
each, the first being the one the task's target is judged on.

Without --example-outputs the example lines go through `build/bin/liteformer-run
translate|summarize|generate --model DIR --json --threads 1` (run the tool under `nice`).
--example-outputs takes JSON lines: liteformer-run/reference_run --json objects (evaluate.py's
engine.jsonl), {"text": ...} objects or JSON strings, one per example line.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

from eval.runner import DEFAULT_ENGINE, ROOT, ToolFailure, read_lines
from liteformer_ref.errors import ModelFormatError
from liteformer_ref.model_dir import WEIGHTS_FILE, load_config

from . import architecture, data, inputs, results, train_log, training, weights

CARD_FILE = "MODEL_CARD.md"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="model_card.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, required=True, help="model directory (docs/model-format.md)")
    p.add_argument("--out", type=Path, help=f"where the card goes (default MODEL/{CARD_FILE})")
    p.add_argument("--data-description")
    p.add_argument("--data-command", help="the commands that built the corpus")
    p.add_argument("--data-dir", type=Path, action="append",
                   help="data/<corpus> with manifest.json (default: from the task); once per corpus")
    p.add_argument("--train-command", action="append", help="the exact tools/train.py command; once per stage")
    p.add_argument("--train-log", type=Path, action="append",
                   help="the trainer's log (every run appended); once per stage")
    p.add_argument("--hardware", help="override the CPU read from /proc/cpuinfo and nproc")
    p.add_argument("--checkpoint", help="which checkpoint(s) the model directory was converted from")
    p.add_argument("--eval-dir", type=Path, action="append",
                   help="tools/evaluate.py --out-dir (its scores.json); once per test set")
    p.add_argument("--eval-command", action="append", help="the exact tools/evaluate.py command; once per test set")
    p.add_argument("--eval-name", action="append", help="what each test set is (when there are several)")
    p.add_argument("--examples", type=Path, help="example inputs, one per line")
    p.add_argument("--example-outputs", type=Path, help="their outputs, JSON lines (else: run the engine)")
    p.add_argument("--example-refs", type=Path, help="their reference targets, one per line")
    p.add_argument("--engine", type=Path, default=DEFAULT_ENGINE, help="liteformer-run binary")
    p.add_argument("--notes", help="limitations: what is weak, what would improve it")
    return p


def _examples(args: argparse.Namespace, task: str) -> list[str]:
    if args.examples is None:
        return results.examples_section([], [], None, task, "")
    sources = read_lines(args.examples)
    if args.example_outputs is not None:
        outputs, origin = inputs.read_outputs(args.example_outputs), f"from {args.example_outputs}"
    else:
        outputs, command = inputs.run_engine(args.engine, task, args.model, args.examples, len(sources))
        origin = f"of `{command}`"
    refs = read_lines(args.example_refs) if args.example_refs is not None else None
    for name, lines in (("--example-outputs", outputs), ("--example-refs", refs)):
        if lines is not None and len(lines) != len(sources):
            raise ValueError(f"{name} has {len(lines)} lines but --examples has {len(sources)}")
    return results.examples_section(sources, outputs, refs, task, origin)


def _paired(name: str, values: Optional[list[Any]], count: int) -> list[Any]:
    """One value per stage or test set: absent means None for each, otherwise one each."""
    if values is None:
        return [None] * count
    if len(values) != count:
        raise ValueError(f"{name} is given {len(values)} times for {count} (once each or not at all)")
    return values


def build(args: argparse.Namespace) -> str:
    config = load_config(args.model)
    info = weights.inspect(args.model / WEIGHTS_FILE, config)
    count = len(args.train_log or args.train_command or [None])  # stages (one, when nothing is given)
    stages = [training.Stage(command, train_log.read(path) if path else None, str(path) if path else None)
              for command, path in zip(_paired("--train-command", args.train_command, count),
                                       _paired("--train-log", args.train_log, count))]
    eval_dirs = args.eval_dir or []
    tests = [results.TestSet(inputs.read_scores(d), str(d), command, name) for d, command, name in
             zip(eval_dirs, _paired("--eval-command", args.eval_command, len(eval_dirs)),
                 _paired("--eval-name", args.eval_name, len(eval_dirs)))]
    data_dirs = args.data_dir or [ROOT / "data" / inputs.CORPUS[config.task]]
    last_log = stages[-1].log
    lines = [f"# Model card: {config.name or args.model.name} (version {config.version})", "",
             f"`{args.model}`: a {config.arch} {config.task.replace('_', ' ')} model for the liteformer "
             f"engine (docs/model-format.md). Written by tools/model_card.py.", ""]
    lines += data.section(args.data_description, args.data_command, data_dirs,
                          last_log.data_line if last_log else None)
    lines += architecture.section(config, info, last_log.reported_parameters_m if last_log else None)
    lines += training.section(args.hardware or inputs.hardware(), stages, args.checkpoint)
    lines += results.scores_section(tests)
    lines += _examples(args, config.task)
    lines += results.limitations_section(args.notes, config.task, tests[0].scores if tests else None)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        card = build(args)
    except (ModelFormatError, ToolFailure, OSError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = args.out or args.model / CARD_FILE
    out.write_text(card, encoding="utf-8")
    print(f"wrote {out}")
    return 0
