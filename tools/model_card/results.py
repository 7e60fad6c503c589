"""The `## Test scores`, `## Examples` and `## Limitations` sections.

Scores are evaluate.py's scores.json: {"command": translate|summarize|perplexity, "model", "lines",
"engine": {metric fields, "command", "refused", "seconds"}, ["reference": {...}, "agree"]};
translate metrics are BleuResult fields + ratio, summarize RougeResult, perplexity PerplexityResult.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from .markdown import count, shell, table

# task -> (evaluate.py command, metric label, scores.json field, target)
TARGETS = {"translation": ("translate", "BLEU", "score", 20.0),
           "summarization": ("summarize", "ROUGE-L", "rougeL", 30.0)}

Row = tuple[str, Callable[[dict[str, Any]], object]]
_METRICS: dict[str, list[Row]] = {
    "translate": [("BLEU", lambda s: f"{s['score']:.2f}"),
                  ("n-gram precisions", lambda s: "/".join(f"{p:.1f}" for p in s["precisions"])),
                  ("brevity penalty / length ratio", lambda s: f"{s['bp']:.3f} / {s['ratio']:.3f}"),
                  ("hypothesis / reference length", lambda s: f"{count(s['hyp_len'])} / {count(s['ref_len'])}")],
    "summarize": [("ROUGE-1", lambda s: f"{s['rouge1']:.2f}"), ("ROUGE-2", lambda s: f"{s['rouge2']:.2f}"),
                  ("ROUGE-L", lambda s: f"{s['rougeL']:.2f}")],
    "perplexity": [("perplexity", lambda s: f"{s['perplexity']:.2f}"), ("tokens scored", lambda s: count(s["tokens"])),
                   ("lines scored", lambda s: count(s["lines"]))],
}
_COMMON: list[Row] = [("lines refused", lambda s: len(s.get("refused", {}))),
                      ("decoding seconds", lambda s: f"{s.get('seconds', 0.0):.1f}")]


@dataclass(frozen=True)
class TestSet:
    """One evaluate.py run: its scores.json, out-dir, command and (with several) what it tests."""

    scores: dict[str, Any]
    eval_dir: str
    command: Optional[str]
    name: Optional[str]


def scores_section(tests: list[TestSet]) -> list[str]:
    lines = ["## Test scores", ""]
    if not tests:
        return lines + ["Not evaluated (no --eval-dir given).", ""]
    if len(tests) == 1:
        return lines + _scores_lines(tests[0].scores, tests[0].eval_dir, tests[0].command)
    for test in tests:
        lines += [f"### {test.name or test.eval_dir}", ""] + _scores_lines(test.scores, test.eval_dir, test.command)
    return lines


def _scores_lines(scores: dict[str, Any], eval_dir: str, command: Optional[str]) -> list[str]:
    lines: list[str] = []
    tools = [t for t in ("engine", "reference") if t in scores]
    rows = [[label, *(value(scores[t]) for t in tools)] for label, value in
            _METRICS.get(scores["command"], []) + _COMMON]
    lines += [f"`evaluate.py {scores['command']}` on {count(scores['lines'])} test lines "
              f"(from {eval_dir}/scores.json):", ""]
    lines += table(["metric", *tools], rows, "l" + "r" * len(tools)) + [""]
    if "agree" in scores:
        lines.append(f"Engine and reference {'agree' if scores['agree'] else 'DISAGREE'} "
                     f"(evaluate.py's tolerance).")
        lines.append("")
    lines += ["Reproduce with:", ""] + shell(command) + [""]
    lines += ["The engine ran:", ""] + shell(scores["engine"].get("command")) + [""]
    return lines


def examples_section(sources: list[str], outputs: list[str], refs: Optional[list[str]], task: str,
                     origin: str) -> list[str]:
    lines = ["## Examples", ""]
    if not sources:
        return lines + ["No examples given (--examples).", ""]
    header = ["prompt", "continuation"] if task == "language_modeling" else ["source", "output"]
    if refs is not None:
        header.append("reference")
    rows = [[s, o, *([refs[i]] if refs is not None else [])] for i, (s, o) in enumerate(zip(sources, outputs))]
    return lines + [f"Outputs {origin}.", ""] + table(header, rows) + [""]


def target_line(task: str, scores: Optional[dict[str, Any]]) -> str:
    if task not in TARGETS:
        ppl = (f" Test perplexity {scores['engine']['perplexity']:.2f}."
               if scores and scores["command"] == "perplexity" else "")
        return f"No score target is set for {task.replace('_', ' ')} models.{ppl}"
    command, label, field, target = TARGETS[task]
    goal = f"Target: {label} ≥ {target:g} on the test set"
    if scores is None or scores["command"] != command:
        return f"{goal}: not measured (no `evaluate.py {command}` scores given)."
    value = float(scores["engine"][field])
    verdict = "met" if value >= target else "NOT met"
    return f"{goal}: {verdict} ({label} {value:.2f} from the engine)."


def limitations_section(notes: Optional[str], task: str, scores: Optional[dict[str, Any]]) -> list[str]:
    lines = ["## Limitations", ""]
    if notes:
        lines += [notes, ""]
    return lines + [f"- {target_line(task, scores)}", ""]
