#!/usr/bin/python3
"""Train sentencepiece models with Debian's spm_train, write fairseq dict.txt, encode the splits.

    /usr/bin/python3 tools/data/spm.py {translation,general,summarization,lm,all} [--data DIR] [--vocab-size N]

For each corpus, DIR/<corpus>/spm/ receives sentencepiece.model/.vocab, dict.txt and the
splits encoded as space-separated pieces (one line per example, same file names).

Id layout: spm is trained with <s>=0 <pad>=1 </s>=2 <unk>=3, fairseq's own order, so a piece
has the same id in both worlds.  dict.txt lists the pieces from id 4 on, in spm order, with
their count in the encoded train split; fairseq adds the four specials itself.  The file is
padded with "madeupwordNNNN 0" lines to a multiple of 8 ids, as fairseq pads its dictionaries.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Iterable

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT / "tools"))

from data.manifest import sha256_file, write_manifest  # noqa: E402

SPECIALS = ("<s>", "<pad>", "</s>", "<unk>")  # fairseq ids 0-3, implicit in dict.txt
PAD_MULTIPLE = 8
# Which files train each model and which get encoded (all splits of every side).
CORPUS_FILES = {
    "translation": (("en", "de"), ("train", "valid", "test")),
    "general": (("en", "de"), ("train", "train-sentences", "valid", "test")),
    "summarization": (("doc", "sum"), ("train", "valid", "test")),
    "lm": (("txt",), ("train", "valid", "test")),
}
# Corpora that train no model of their own: they are encoded with another corpus's model,
# so one translation model reads both (the general corpus is added to translation's train).
SHARED_MODEL = {"general": "translation"}


def ensure_spm() -> None:
    """spm_train comes from Debian's sentencepiece package (scripts/install-deps.sh lists it)."""
    if shutil.which("spm_train") is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "sentencepiece"], check=True)


def control_pieces(vocab_lines: Iterable[str]) -> list[str]:
    """The pieces of a .vocab file in id order (the file is "piece<TAB>score" per id)."""
    return [line.split("\t", 1)[0] for line in vocab_lines if line.strip("\n")]


def dict_lines(pieces: list[str], counts: Counter[str]) -> list[str]:
    """fairseq dict.txt lines for spm pieces in id order, specials left out, padded to 8.

    The first len(SPECIALS) spm ids must be fairseq's specials (see module docstring); any
    other control symbol would shift ids, so it is an error rather than silently dropped.
    """
    if tuple(pieces[: len(SPECIALS)]) != SPECIALS:
        raise ValueError(f"spm ids 0-3 must be {SPECIALS}, got {pieces[:4]}")
    body = pieces[len(SPECIALS):]
    for piece in body:
        if piece in SPECIALS or any(c.isspace() for c in piece):
            raise ValueError(f"piece {piece!r} cannot be a dict.txt entry")
    lines = [f"{piece} {counts.get(piece, 0)}" for piece in body]
    total = len(SPECIALS) + len(lines)
    for i in range((-total) % PAD_MULTIPLE):
        lines.append(f"madeupword{i:04d} 0")
    return lines


def train(directory: Path, inputs: list[str], prefix: str, vocab_size: int) -> None:
    """Unigram model over all input lines, deterministically (no sampling, fixed seed).

    Paths are passed relative to `directory` because spm stores them in the model's trainer
    spec: relative paths keep the model bytes independent of where the data tree lives.
    """
    (directory / prefix).parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([
        "spm_train", "--input=" + ",".join(inputs), f"--model_prefix={prefix}",
        f"--vocab_size={vocab_size}", "--model_type=unigram", "--character_coverage=0.9999",
        "--bos_id=0", "--pad_id=1", "--eos_id=2", "--unk_id=3",
        "--input_sentence_size=0", "--shuffle_input_sentence=false", "--random_seed=1",
        "--num_threads=2", "--max_sentence_length=65536", "--minloglevel=1",
    ], cwd=directory, check=True)


def encode(model: Path, source: Path, target: Path) -> None:
    with open(source, "rb") as src, open(target, "wb") as dst:
        subprocess.run(["spm_encode", f"--model={model}", "--output_format=piece"], stdin=src, stdout=dst,
                       check=True)


def piece_counts(paths: Iterable[Path]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in paths:
        with open(path, encoding="utf-8") as stream:
            for line in stream:
                counts.update(line.split())
    return counts


def build(data: Path, corpus: str, vocab_size: int) -> dict[str, object]:
    sides, splits = CORPUS_FILES[corpus]
    source_dir, out = data / corpus, data / corpus / "spm"
    if corpus in SHARED_MODEL:
        return encode_with_shared(data, corpus)
    prefix = out / "sentencepiece"
    train(source_dir, [f"train.{side}" for side in sides], "spm/sentencepiece", vocab_size)
    files = ["sentencepiece.model", "sentencepiece.vocab", "dict.txt"]
    for split in splits:
        for side in sides:
            encode(prefix.with_suffix(".model"), source_dir / f"{split}.{side}", out / f"{split}.{side}")
            files.append(f"{split}.{side}")
    pieces = control_pieces(prefix.with_suffix(".vocab").read_text(encoding="utf-8").splitlines())
    counts = piece_counts(out / f"train.{side}" for side in sides)
    (out / "dict.txt").write_text("\n".join(dict_lines(pieces, counts)) + "\n", encoding="utf-8")
    version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "sentencepiece"], capture_output=True,
                             text=True).stdout
    return write_manifest(out, files, {"corpus": corpus, "vocab_size": vocab_size, "sentencepiece": version,
                                       "id_layout": list(SPECIALS)})


def encode_with_shared(data: Path, corpus: str) -> dict[str, object]:
    """Encode `corpus`'s splits with the model of SHARED_MODEL[corpus] (built first)."""
    sides, splits = CORPUS_FILES[corpus]
    owner = data / SHARED_MODEL[corpus] / "spm"
    model = owner / "sentencepiece.model"
    if not model.exists():
        raise FileNotFoundError(f"{model}: run `spm.py {SHARED_MODEL[corpus]}` before `spm.py {corpus}`")
    out = data / corpus / "spm"
    out.mkdir(parents=True, exist_ok=True)
    files: list[str] = []
    for split in splits:
        for side in sides:
            encode(model, data / corpus / f"{split}.{side}", out / f"{split}.{side}")
            files.append(f"{split}.{side}")
    unknown = piece_counts(out / f"train.{side}" for side in sides)["<unk>"]
    return write_manifest(out, files, {"corpus": corpus, "sentencepiece_model": f"{SHARED_MODEL[corpus]}/spm",
                                       "model_sha256": sha256_file(model), "unknown_pieces_in_train": unknown})


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", choices=tuple(CORPUS_FILES) + ("all",))
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="corpus root (default: data/)")
    parser.add_argument("--vocab-size", type=int, default=8000)
    args = parser.parse_args(argv)
    ensure_spm()
    # CORPUS_FILES lists a shared model's owner before its users.
    for corpus in tuple(CORPUS_FILES) if args.corpus == "all" else (args.corpus,):
        start = time.monotonic()
        build(args.data.resolve(), corpus, args.vocab_size)
        print(f"spm {corpus}: {time.monotonic() - start:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
