#!/usr/bin/python3
"""Converts a trained checkpoint into a liteformer model directory.

    /usr/bin/python3 tools/convert.py fairseq CHECKPOINT --dicts DIR --out MODEL_DIR
        [--name NAME] [--task translation|summarization|language_modeling]
        [--dtype float32|float16|bfloat16] [--spm FILE]
        [--source-lang L --target-lang L] [--force]

DIR holds dict.<src>.txt and dict.<tgt>.txt (languages from the checkpoint's
args), or dict.txt for a language model. A checkpoint that cannot be converted
exactly is refused with one line on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

EXIT_REFUSED = 2
EXIT_INTERNAL = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="convert.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="source", required=True)
    fs = sub.add_parser("fairseq", help="a fairseq / Lite Transformer checkpoint (.pt)")
    fs.add_argument("checkpoint")
    fs.add_argument("--dicts", required=True, help="directory with dict.<lang>.txt or dict.txt")
    fs.add_argument("--out", required=True, help="model directory to write")
    fs.add_argument("--name", help="model name in config.json (default: the --out directory's name)")
    fs.add_argument("--task", choices=("translation", "summarization", "language_modeling"),
                    help="default: translation, or language_modeling for a language model")
    fs.add_argument("--dtype", choices=("float32", "float16", "bfloat16"), default="float32",
                    help="storage dtype of model.safetensors")
    fs.add_argument("--spm", help="sentencepiece model to ship with the model")
    fs.add_argument("--source-lang", help="override the checkpoint's source_lang")
    fs.add_argument("--target-lang", help="override the checkpoint's target_lang")
    fs.add_argument("--force", action="store_true", help="replace a non-empty --out directory")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    import torch

    torch.set_num_threads(1)  # two shared cores; conversion is I/O-bound anyway
    from liteformer_ref.convert_fairseq import ConvertOptions, convert
    from liteformer_ref.fairseq_checkpoint import ConversionError

    opts = ConvertOptions(checkpoint=args.checkpoint, dicts=args.dicts, out=args.out, name=args.name,
                          task=args.task, dtype=args.dtype, spm=args.spm, source_lang=args.source_lang,
                          target_lang=args.target_lang, force=args.force)
    try:
        model = convert(opts)
    except ConversionError as exc:
        print(f"convert.py: refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except OSError as exc:
        print(f"convert.py: error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except Exception as exc:  # a bug, not bad input: still one line, but a different status
        print(f"convert.py: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    cfg = model.config
    print(f"wrote {args.out}: arch {cfg.arch}, task {cfg.task}, {len(model.tensors)} tensors "
          f"({sum(t.numel() for t in model.tensors.values())} parameters), dtype {args.dtype}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
