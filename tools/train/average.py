#!/usr/bin/python3
"""Averages checkpoints (fairseq's average_checkpoints) into one file that
tools/convert.py fairseq reads.

  /usr/bin/python3 tools/train/average.py --out AVG.pt CKPT1.pt CKPT2.pt ...
  /usr/bin/python3 tools/train/average.py --out AVG.pt --last 3 CHECKPOINT_DIR
"""
from __future__ import annotations

import argparse
import os
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from train import checkpoint  # noqa: E402


def numbered(directory: pathlib.Path) -> list[pathlib.Path]:
    """checkpoint_<step>.pt files, oldest first."""
    found = [(int(m.group(1)), p) for p in directory.glob("checkpoint_*.pt")
             if (m := re.fullmatch(r"checkpoint_(\d+)\.pt", p.name))]
    return [p for _, p in sorted(found)]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("--last", type=int, help="with one directory: its newest N numbered checkpoints")
    parser.add_argument("inputs", type=pathlib.Path, nargs="+")
    args = parser.parse_args(argv)
    if args.last is not None:
        if len(args.inputs) != 1 or not args.inputs[0].is_dir():
            parser.error("--last takes exactly one checkpoint directory")
        paths = numbered(args.inputs[0])[-args.last:]
    else:
        paths = args.inputs
    if not paths:
        parser.error("no checkpoint to average")
    for path in paths:
        if not path.is_file():
            parser.error(f"{path}: no such checkpoint")
    averaged = checkpoint.average(paths)
    tmp = args.out.with_name(args.out.name + ".tmp")
    torch.save(averaged, tmp)
    os.replace(tmp, args.out)
    print(f"averaged {', '.join(p.name for p in paths)} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
