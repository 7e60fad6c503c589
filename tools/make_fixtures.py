#!/usr/bin/python3
"""Writes the engine's parity fixtures to tests/data/: for every model variant
of the reference, a small random model directory plus the reference's outputs
on fixed inputs (encoder output, teacher-forced logits and log-probs, beam /
greedy / sampling results under several option sets, scores, MACs).

  /usr/bin/python3 tools/make_fixtures.py [--out tests/data]

Deterministic: the same code writes byte-identical files. Layout of each
tests/data/<variant>/: the model directory (config.json, model.safetensors,
dict files), cases.json (inputs and discrete results) and expected.safetensors
(float tensors: encoder_out.<i> [S, C], log_probs.<i> [T, V], logits.<i>).
"""
from __future__ import annotations

import argparse
import json
import pathlib
import shutil
import sys
from dataclasses import asdict
from typing import Any

import torch

from liteformer_ref import api, safetensors_io
from liteformer_ref.dictionary import EOS
from liteformer_ref.model_dir import load_model, save_model
from liteformer_ref.random_model import VARIANTS, random_model
from liteformer_ref.search.options import SearchOptions

SEQ2SEQ_SOURCES = [5, 9, 3, 12]  # lengths without </s>
SEQ2SEQ_TARGETS = [6, 4, 10, 7]
LM_TEXTS = [8, 5, 12]
LM_PROMPTS = [0, 3, 6]

SEQ2SEQ_SEARCHES: list[dict[str, Any]] = [
    {"beam_size": 1, "length_penalty": 1.0, "max_len_a": 1.0, "max_len_b": 5},
    {"beam_size": 4, "length_penalty": 0.6, "max_len_a": 1.0, "max_len_b": 5},
    {"beam_size": 3, "length_penalty": 1.0, "nbest": 3, "max_len_a": 1.0, "max_len_b": 5},
    {"beam_size": 4, "length_penalty": 2.0, "min_len": 5, "no_repeat_ngram_size": 2, "max_len_b": 12},
    {"beam_size": 2, "length_penalty": 1.0, "max_len_a": 0.5, "max_len_b": 3, "nbest": 2},
]
LM_SEARCHES: list[dict[str, Any]] = [
    {"beam_size": 1, "max_tokens": 8},
    {"beam_size": 3, "length_penalty": 1.0, "nbest": 2, "max_tokens": 8},
    {"beam_size": 1, "sampling": True, "top_k": 5, "seed": 7, "max_tokens": 10},
    {"beam_size": 1, "sampling": True, "top_p": 0.9, "temperature": 0.8, "seed": 3, "max_tokens": 10},
    {"beam_size": 1, "sampling": True, "seed": 11, "no_repeat_ngram_size": 2, "min_len": 4, "max_tokens": 10},
]


def _ids(lengths: list[int], vocab: int, seed: int) -> list[list[int]]:
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(4, vocab, (n,), generator=g).tolist() for n in lengths]


def _hypotheses(found: list[Any]) -> list[dict[str, Any]]:
    return [{"tokens": h.tokens, "score": h.score, "token_scores": h.token_scores} for h in found]


def _options(spec: dict[str, Any]) -> tuple[SearchOptions, int]:
    fields = {k: v for k, v in spec.items() if k != "max_tokens"}
    options = SearchOptions(**fields)
    options.validate()
    return options, spec.get("max_tokens", 0)


@torch.no_grad()
def write_variant(variant: str, out_dir: pathlib.Path) -> None:
    made = random_model(variant, seed=1234)
    directory = out_dir / variant
    if directory.exists():
        shutil.rmtree(directory)
    save_model(directory, made.model, made.config, made.dicts)
    loaded = load_model(directory)  # Everything below runs from the files the engine reads.
    config = loaded.config
    model = loaded.model
    tensors: dict[str, torch.Tensor] = {}
    cases: dict[str, Any] = {"variant": variant}
    if config.is_language_model:
        texts = _ids(LM_TEXTS, config.vocab.target_size, seed=1)
        prompts = _ids(LM_PROMPTS, config.vocab.target_size, seed=2)
        cases.update(texts=texts, prompts=prompts)
        for i, text in enumerate(texts):
            prev = torch.tensor([[EOS] + text])
            tensors[f"log_probs.{i}"] = model(None, prev)[0]
            if config.adaptive_input is None:
                tensors[f"logits.{i}"] = model.logits(None, prev)[0]
        cases["scores"] = [asdict(s) for s in api.score(loaded, [(None, t) for t in texts])]
        searches = []
        for spec in LM_SEARCHES:
            options, max_tokens = _options(spec)
            macs: list[int] = []
            found = api.generate(loaded, prompts, options, max_tokens, macs_out=macs)
            searches.append({"options": spec, "results": [_hypotheses(f) for f in found], "macs": macs})
        cases["searches"] = searches
    else:
        sources = _ids(SEQ2SEQ_SOURCES, config.vocab.source_size, seed=1)
        targets = _ids(SEQ2SEQ_TARGETS, config.vocab.target_size, seed=2)
        cases.update(sources=sources, targets=targets)
        for i, (source, target) in enumerate(zip(sources, targets)):
            src = torch.tensor([source + [EOS]])
            prev = torch.tensor([[EOS] + target])
            tensors[f"encoder_out.{i}"] = model.encode(src).encoder_out[0]
            tensors[f"log_probs.{i}"] = model(src, prev)[0]
            tensors[f"logits.{i}"] = model.logits(src, prev)[0]
        cases["scores"] = [asdict(s) for s in api.score(loaded, list(zip(sources, targets)))]
        searches = []
        for spec in SEQ2SEQ_SEARCHES:
            options, _ = _options(spec)
            macs = []
            found = api.translate(loaded, sources, options, macs_out=macs)
            searches.append({"options": spec, "results": [_hypotheses(f) for f in found], "macs": macs})
        cases["searches"] = searches
    (directory / "cases.json").write_text(json.dumps(cases, indent=1) + "\n")
    safetensors_io.write(str(directory / "expected.safetensors"),
                         {k: v.contiguous().float() for k, v in sorted(tensors.items())})


SPM_TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "Ein Übersetzungsserver bündelt viele Anfragen.",
    "Naïve café — “quotes” 🙂 and unseen words like zyxwvut.",
    "  spaces   around  ",
]


def write_sentencepiece_cases(out_dir: pathlib.Path) -> None:
    """Pieces and round trips of the committed tiny sentencepiece model (tests/data/spm/tiny.model,
    trained once with Debian's spm_train on training_text.txt), as the Python library computes them."""
    import sentencepiece

    model = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "spm" / "tiny.model"
    processor = sentencepiece.SentencePieceProcessor(model_file=str(model))
    cases = []
    for text in SPM_TEXTS:
        pieces = list(processor.encode(text, out_type=str))
        cases.append({"text": text, "pieces": pieces, "decoded": processor.decode(pieces)})
    (out_dir / "spm").mkdir(parents=True, exist_ok=True)
    (out_dir / "spm" / "cases.json").write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path(__file__).resolve().parent.parent / "tests" / "data")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    for variant in VARIANTS:
        write_variant(variant, args.out)
    write_sentencepiece_cases(args.out)
    total = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    print(f"wrote {len(VARIANTS)} fixtures to {args.out} ({total / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
