#!/usr/bin/python3
"""Scores a model from the engine's outputs (and, with --reference, the PyTorch reference's).

    /usr/bin/python3 tools/evaluate.py translate  --model DIR --src FILE --ref FILE [options]
    /usr/bin/python3 tools/evaluate.py summarize  --model DIR --src FILE --ref FILE [options]
    /usr/bin/python3 tools/evaluate.py perplexity --model DIR --text FILE [options]

translate -> corpus BLEU (sacrebleu's defaults), summarize -> ROUGE-1/2/L F1 (rouge-score's
defaults), perplexity -> corpus perplexity of `score` (a language model: one text per line,
blank lines are document separators and skipped; an encoder-decoder model: "source<TAB>target").
Inputs go through the tools in text mode (their own sentencepiece/dictionary).  Lines a tool
refuses count as empty hypotheses (perplexity: are left out) and are listed.

With --reference both tools run on the same input; the metrics must agree (BLEU/ROUGE within
0.1 points, perplexity within 0.1 %), else the exit status is 1.  Exit status 2: a tool could
not run or the inputs are unusable.  Hypotheses, raw JSON outputs and scores.json go to
--out-dir (default build/eval/<command>-<model name>).  Run it under `nice` on shared machines.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any, Optional, Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eval.bleu import corpus_bleu  # noqa: E402
from eval.perplexity import corpus_perplexity  # noqa: E402
from eval.rouge import corpus_rouge  # noqa: E402
from eval.runner import (DEFAULT_ENGINE, REFERENCE_PYTHON, ROOT, ToolFailure, ToolRun,  # noqa: E402
                         engine_command, read_lines, reference_command, run_tool, tool_command,
                         write_lines)

EXIT_DISAGREE = 1
EXIT_UNUSABLE = 2
SCORE_TOLERANCE = 0.1          # BLEU / ROUGE points
PERPLEXITY_TOLERANCE = 1e-3    # relative; float32 engine vs reference differ by ~1e-6

# (flag, type): decoding options handed unchanged to both tools.
_DECODING = (("--beam", int), ("--lenpen", float), ("--max-len-a", float), ("--max-len-b", int),
             ("--min-len", int), ("--no-repeat-ngram", int))
_ENGINE_ONLY = (("--threads", int), ("--batch-size", int), ("--compute-type", str))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="evaluate.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    for command in ("translate", "summarize", "perplexity"):
        s = sub.add_parser(command)
        s.add_argument("--model", type=Path, required=True, help="model directory")
        if command == "perplexity":
            s.add_argument("--text", type=Path, required=True, help="one text per line")
        else:
            s.add_argument("--src", type=Path, required=True, help="source lines")
            s.add_argument("--ref", type=Path, required=True, help="reference lines, aligned")
        s.add_argument("--engine", type=Path, default=DEFAULT_ENGINE, help="liteformer-run binary")
        s.add_argument("--reference", action="store_true", help="also run tools/reference_run.py and compare")
        s.add_argument("--python", default=REFERENCE_PYTHON, help="interpreter for the reference")
        s.add_argument("--limit", type=int, help="only the first N lines (after skipping blank ones: perplexity)")
        s.add_argument("--out-dir", type=Path, help="where hypotheses and scores go")
        for flag, kind in _DECODING + _ENGINE_ONLY:
            s.add_argument(flag, type=kind, help="engine only" if (flag, kind) in _ENGINE_ONLY else None)
    return p


def _tool_options(args: argparse.Namespace, engine: bool) -> list[str]:
    options: list[str] = []
    for flag, _ in _DECODING + (_ENGINE_ONLY if engine else ()):
        value = getattr(args, flag[2:].replace("-", "_"))
        if value is not None:
            options += [flag, str(value)]
    return options


def _run_tools(args: argparse.Namespace, task: str, input_path: Path, count: int) -> list[ToolRun]:
    """The engine, then (with --reference) the reference, each announced with its exact command."""
    plan = [("engine", engine_command(args.engine), _tool_options(args, True))]
    if args.reference:
        plan.append(("reference", reference_command(args.python), _tool_options(args, False)))
    runs = []
    for name, prefix, options in plan:
        command = tool_command(prefix, task, args.model, options)
        print(f"[{name}] $ {shlex.join(command)} < {shlex.quote(str(input_path))}", flush=True)
        run = run_tool(name, command, input_path, count)
        print(f"[{name}] {count} lines in {run.seconds:.1f} s, {len(run.refused)} refused")
        for number, reason in run.refused.items():
            print(f"[{name}]   line {number} refused: {reason}")
        runs.append(run)
    return runs


def _out_dir(args: argparse.Namespace) -> Path:
    if args.out_dir is not None:
        return Path(args.out_dir)
    return ROOT / "build" / "eval" / f"{args.command}-{Path(args.model).resolve().name}"


def _save_run(out_dir: Path, run: ToolRun, hypotheses: Optional[list[str]]) -> None:
    with open(out_dir / f"{run.name}.jsonl", "w", encoding="utf-8") as f:
        for record in run.records:
            f.write(json.dumps(record if record is not None else {"error": "refused"}) + "\n")
    if hypotheses is not None:
        write_lines(out_dir / f"{run.name}.hyp", hypotheses)


def _compare(label: str, engine: float, reference: float, tolerance: float, relative: bool = False) -> bool:
    diff = engine - reference
    bound = tolerance * abs(reference) if relative else tolerance
    agree = abs(diff) <= bound
    limit = f"{tolerance:.1%}" if relative else f"{tolerance}"
    print(f"difference (engine - reference): {label} {diff:+.4f}  -> "
          f"{'agree' if agree else 'DISAGREE'} (tolerance {limit})")
    return agree


def _report_refusal_differences(engine: ToolRun, reference: ToolRun) -> None:
    """Lines only one tool refused: a behaviour difference the scores alone would hide."""
    for run, other in ((engine, reference), (reference, engine)):
        only = sorted(run.refused.keys() - other.refused.keys())
        if only:
            print(f"refused by the {run.name} only: lines {', '.join(map(str, only))}")


def _generation(args: argparse.Namespace) -> int:
    sources = read_lines(args.src)
    references = read_lines(args.ref)
    if len(sources) != len(references):
        raise ToolFailure(f"{args.src} has {len(sources)} lines but {args.ref} has {len(references)}")
    if args.limit is not None:
        sources, references = sources[:args.limit], references[:args.limit]
    if not sources:
        raise ToolFailure("no input lines")
    out_dir = _out_dir(args)
    input_path = out_dir / "input.txt"
    write_lines(input_path, sources)
    write_lines(out_dir / "ref.txt", references)
    runs = _run_tools(args, args.command, input_path, len(sources))

    scores: dict[str, Any] = {"command": args.command, "model": str(args.model), "lines": len(sources)}
    values: dict[str, float] = {}
    for run in runs:
        hypotheses = run.best_texts()
        _save_run(out_dir, run, hypotheses)
        if args.command == "translate":
            bleu = corpus_bleu(hypotheses, references)
            print(f"{run.name}: {bleu.format()}")
            values[run.name] = bleu.score
            scores[run.name] = {**asdict(bleu), "ratio": bleu.ratio}
        else:
            rouge = corpus_rouge(hypotheses, references)
            print(f"{run.name}: {rouge.format()}")
            values[run.name] = rouge.rougeL
            scores[run.name] = asdict(rouge)
        scores[run.name].update(command=run.shell_command(), refused=run.refused, seconds=run.seconds)

    agree = True
    if len(runs) == 2:
        engine, reference = runs
        same = sum(a == b for a, b in zip(engine.best_texts(), reference.best_texts()))
        print(f"identical hypotheses: {same}/{len(sources)}")
        _report_refusal_differences(engine, reference)
        if args.command == "translate":
            agree = _compare("BLEU", values["engine"], values["reference"], SCORE_TOLERANCE)
        else:
            for key in ("rouge1", "rouge2", "rougeL"):
                agree &= _compare(key, scores["engine"][key], scores["reference"][key], SCORE_TOLERANCE)
        scores["agree"] = agree
    (out_dir / "scores.json").write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
    print(f"outputs in {out_dir}")
    return 0 if agree else EXIT_DISAGREE


def _perplexity(args: argparse.Namespace) -> int:
    # Blank lines separate documents in data/lm; the tools refuse an empty text, so drop them.
    all_lines = read_lines(args.text)
    lines = [line for line in all_lines if line.strip()]
    if len(lines) != len(all_lines):
        print(f"skipped {len(all_lines) - len(lines)} blank lines")
    if args.limit is not None:
        lines = lines[:args.limit]
    if not lines:
        raise ToolFailure("no input lines")
    out_dir = _out_dir(args)
    input_path = out_dir / "input.txt"
    write_lines(input_path, lines)
    runs = _run_tools(args, "score", input_path, len(lines))

    scores: dict[str, Any] = {"command": "perplexity", "model": str(args.model), "lines": len(lines)}
    for run in runs:
        _save_run(out_dir, run, None)
        scored = run.scored()
        if not scored:
            raise ToolFailure(f"{run.name} refused every line")
        result = corpus_perplexity(list(scored.values()))
        print(f"{run.name}: {result.format()}")
        scores[run.name] = {**asdict(result), "command": run.shell_command(), "refused": run.refused,
                            "seconds": run.seconds}

    agree = True
    if len(runs) == 2:
        engine, reference = (run.scored() for run in runs)
        _report_refusal_differences(*runs)
        common = sorted(engine.keys() & reference.keys())
        if len(common) != len(engine) or len(common) != len(reference):
            # Compare like with like: a line only one tool scored would skew the comparison.
            print(f"comparing on the {len(common)} lines both tools scored")
        if not common:
            raise ToolFailure("no line was scored by both tools")
        e = corpus_perplexity([engine[i] for i in common])
        r = corpus_perplexity([reference[i] for i in common])
        if len(common) != len(engine) or len(common) != len(reference):
            print(f"engine: {e.format()}\nreference: {r.format()}")
        agree = _compare("perplexity", e.perplexity, r.perplexity, PERPLEXITY_TOLERANCE, relative=True)
        scores["agree"] = agree
        scores["common_lines"] = len(common)
    (out_dir / "scores.json").write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
    print(f"outputs in {out_dir}")
    return 0 if agree else EXIT_DISAGREE


def run(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.limit is not None and args.limit < 1:
        print("error: --limit must be at least 1", file=sys.stderr)
        return EXIT_UNUSABLE
    try:
        return _perplexity(args) if args.command == "perplexity" else _generation(args)
    except (ToolFailure, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_UNUSABLE


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
