#!/usr/bin/python3
"""The PyTorch reference on the command line; the C++ engine's `liteformer-run` has the same interface.

    /usr/bin/python3 tools/reference_run.py translate|summarize|score|generate --model DIR
        [--beam N] [--lenpen X] [--max-len-a A] [--max-len-b B] [--min-len N]
        [--no-repeat-ngram N] [--nbest N] [--max-tokens N]
        [--sampling] [--topk K] [--topp P] [--temperature T] [--seed S] [--context-window N]
        [--ids] [--json]

Reads stdin, one request per line, and writes exactly one line per input line:

  translate / summarize  a source sentence (text, or ids without </s> with --ids)
  generate               a prompt for a language model
  score                  "source<TAB>target" for an encoder-decoder model, the text for a language model

Output without --json: the best hypothesis (text, or ids without the final </s> with
--ids) for translate/summarize/generate; "log_prob<TAB>perplexity" for score.
With --json (the hypothesis "ids" include the final </s>, aligned with "token_scores"):

  {"hypotheses": [{"ids": [...], "text": "...", "score": s, "token_scores": [...]}], "macs": n}
  the same with "dropped_prompt_tokens": n (generate: the prompt's first tokens left out)
  {"token_scores": [...], "score": s, "perplexity": p}                          (score)

A language model scores a text of any length in windows (liteformer_ref/score_windows.py),
each after the first with --context-window tokens of context (default: half the positions).

Options left out take the model's config.json "decoding" defaults (--seed: 0).
An invalid line writes one line "line N: problem" to stderr and an empty line
(text) or {"error": "problem"} (--json) to stdout, and processing continues; the
exit status is then 1.  A model that cannot be loaded or invalid options: exit 2.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Optional, TextIO

if TYPE_CHECKING:
    from liteformer_ref.api import TextCodec
    from liteformer_ref.model_dir import LoadedModel
    from liteformer_ref.search import Hypothesis, SearchOptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

EXIT_BAD_LINE = 1
EXIT_UNUSABLE = 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reference_run.py", description=__doc__.split("\n\n")[0])
    p.add_argument("command", choices=("translate", "summarize", "score", "generate"))
    p.add_argument("--model", required=True, help="model directory (docs/model-format.md)")
    p.add_argument("--beam", type=int, dest="beam_size")
    p.add_argument("--lenpen", type=float, dest="length_penalty")
    p.add_argument("--max-len-a", type=float, dest="max_len_a")
    p.add_argument("--max-len-b", type=int, dest="max_len_b")
    p.add_argument("--min-len", type=int, dest="min_len")
    p.add_argument("--no-repeat-ngram", type=int, dest="no_repeat_ngram_size")
    p.add_argument("--nbest", type=int)
    p.add_argument("--max-tokens", type=int, dest="max_tokens", help="generate: most new tokens before </s>")
    p.add_argument("--sampling", action="store_true", default=None, help="sample instead of beam search")
    p.add_argument("--topk", type=int, dest="top_k")
    p.add_argument("--topp", type=float, dest="top_p")
    p.add_argument("--temperature", type=float)
    p.add_argument("--seed", type=int)
    p.add_argument("--context-window", type=int, dest="context_window",
                   help="score, language model: context tokens of each window after the first")
    p.add_argument("--ids", action="store_true", help="input and output are space-separated token ids")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--compute-type", choices=("float32", "int8"), default="float32",
                   help="int8: the engine's int8 arithmetic (liteformer_ref/int8.py)")
    return p


def _hypothesis_json(h: "Hypothesis", codec: "TextCodec") -> dict:
    return {"ids": h.tokens, "text": codec.decode(h.tokens), "score": h.score, "token_scores": h.token_scores}


def _process(line: str, args: argparse.Namespace, loaded: "LoadedModel", codec: "TextCodec",
             options: "SearchOptions", max_tokens: int) -> str:
    """One input line -> one output line (raises RequestError for an invalid line)."""
    from liteformer_ref import api

    def ids_of(text: str, target: bool) -> list[int]:
        if not text.strip():
            raise api.RequestError("empty line")  # as liteformer-run: nothing to translate, score or continue
        if args.ids:
            return api.parse_ids(text)
        return codec.encode_target(text) if target else codec.encode_source(text)

    if args.command == "score":
        if loaded.config.is_language_model:
            pair = (None, ids_of(line, True))
        else:
            if line.count("\t") != 1:
                raise api.RequestError("expected 'source<TAB>target' (exactly one tab)")
            source, target = line.split("\t")
            pair = (ids_of(source, False), ids_of(target, True))
        [r] = api.score(loaded, [pair], args.context_window)
        if args.json:
            return json.dumps({"token_scores": r.token_scores, "score": r.log_prob, "perplexity": r.perplexity})
        return f"{r.log_prob:.6f}\t{r.perplexity:.6f}"

    macs: list[int] = []
    dropped: list[int] = []
    if args.command == "generate":
        [hyps] = api.generate(loaded, [ids_of(line, True)], options, max_tokens, macs_out=macs,
                              dropped_out=dropped)
    else:
        source = ids_of(line, False)
        if args.command == "summarize":
            # A summary is of the document's beginning, as liteformer-run and
            # the server do (fairseq's --truncate-source): room for </s>.
            source = source[:loaded.config.max_source_positions - 1]
        [hyps] = api.translate(loaded, [source], options, macs_out=macs)
    if args.json:
        output = {"hypotheses": [_hypothesis_json(h, codec) for h in hyps], "macs": macs[0]}
        if dropped:
            output["dropped_prompt_tokens"] = dropped[0]
        return json.dumps(output)
    if not hyps:
        return ""
    best = hyps[0].tokens[:-1] if hyps[0].tokens[-1:] == [2] else hyps[0].tokens
    return " ".join(map(str, best)) if args.ids else codec.decode(best)


def _context_window_problem(args: argparse.Namespace, loaded: "LoadedModel") -> Optional[str]:
    """Why --context-window (or --max-tokens for generate) cannot be used here, as liteformer-run says it."""
    from liteformer_ref.score_windows import context_window_problem

    positions = loaded.config.max_target_positions
    if args.context_window is not None:
        if args.command != "score" or not loaded.config.is_language_model:
            return "--context-window is for scoring with a language model (score on an LM directory)"
        return context_window_problem(args.context_window, positions, "--context-window")
    if args.command == "generate" and args.max_tokens is not None and args.max_tokens >= positions:
        return f"--max-tokens {args.max_tokens}: must be below max_target_positions {positions}"
    return None


def run(argv: Optional[list[str]], stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    args = _parser().parse_args(argv)
    import torch

    torch.set_num_threads(1)
    from liteformer_ref import api
    from liteformer_ref.errors import ModelFormatError
    from liteformer_ref.model_dir import load_model

    try:
        loaded = load_model(args.model)
    except ModelFormatError as e:
        print(f"error: {e}", file=stderr)
        return EXIT_UNUSABLE
    if args.compute_type == "int8":
        from liteformer_ref.int8 import quantize_model
        quantize_model(loaded.model)
    wants_lm = args.command == "generate"
    if args.command != "score" and loaded.config.is_language_model != wants_lm:
        kind = "a language model" if loaded.config.is_language_model else "an encoder-decoder model"
        print(f"error: {args.command} is not available on {kind} ({args.model})", file=stderr)
        return EXIT_UNUSABLE
    problem = _context_window_problem(args, loaded)
    if problem is not None:
        print(f"error: {problem}", file=stderr)
        return EXIT_UNUSABLE
    fields = api.OptionOverrides.__dataclass_fields__
    overrides = api.OptionOverrides(**{name: getattr(args, name) for name in fields})
    try:
        options, max_tokens = api.resolve_options(loaded.config.decoding, overrides)
        codec = api.TextCodec(loaded)
    except (api.RequestError, OSError, RuntimeError) as e:
        print(f"error: {e}", file=stderr)
        return EXIT_UNUSABLE
    status = 0
    for number, raw in enumerate(stdin, start=1):
        line = raw.rstrip("\n").rstrip("\r")
        try:
            out = _process(line, args, loaded, codec, options, max_tokens)
        except api.RequestError as e:
            print(f"line {number}: {e}", file=stderr)
            out = json.dumps({"error": str(e)}) if args.json else ""
            status = EXIT_BAD_LINE
        print(out, file=stdout, flush=True)
    return status


def main() -> None:
    sys.exit(run(None, sys.stdin, sys.stdout, sys.stderr))


if __name__ == "__main__":
    main()
