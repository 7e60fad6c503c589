"""English→German sentence pairs: DDTP descriptions, documentation trees and man pages."""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from . import ddtp, docs, manpages
from .align import align_paragraph
from .apt import Archive
from .filters import Pair, clean_side, dedup_source, reject_reason
from .manifest import write_lines, write_manifest
from .split import SPLITS, cap, split_of


def _sentence_pairs(group: str, paragraphs: list[tuple[str, str]]) -> Iterator[Pair]:
    for en_par, de_par in paragraphs:
        for en, de in align_paragraph(clean_side(en_par), clean_side(de_par)):
            yield Pair(group, en, de)


def ddtp_pairs(archive: Archive) -> Iterator[Pair]:
    """Descriptions joined on (package, Description-md5); grouped by source package."""
    english = ddtp.by_md5(archive.translation("en"), "en")
    german = ddtp.by_md5(archive.translation("de"), "de")
    for key in sorted(german):
        if key in english:
            group = "ddtp:" + archive.source_of(key[0])
            yield from _sentence_pairs(group, ddtp.aligned_units(english[key], german[key]))


def doc_pairs(archive: Archive) -> Iterator[Pair]:
    """Pages of the translated documentation trees, grouped by page."""
    for tree in docs.TREES:
        en_root, de_root = archive.unpack(tree.en_package), archive.unpack(tree.de_package)
        for rel, en_page, de_page in docs.pages(tree, en_root, de_root):
            if de_page is not None:
                yield from _sentence_pairs(f"doc:{tree.name}:{rel}", docs.paragraph_pairs(tree, en_page, de_page))


def man_pairs(archive: Archive) -> Iterator[Pair]:
    """German man pages against the English originals, grouped by page name."""
    pairs = manpages.find_pairs(archive)
    archive.download(sorted({p.en_package for p in pairs} | {p.de_package for p in pairs}))
    for pair in pairs:
        en_src = manpages.read_page(archive.unpack(pair.en_package) / manpages.EN_PREFIX / pair.rel)
        de_src = manpages.read_page(archive.unpack(pair.de_package) / manpages.DE_PREFIX / pair.rel)
        if en_src is None or de_src is None:
            continue
        group = "man:" + pair.rel.split("/", 1)[1].removesuffix(".gz")
        yield from _sentence_pairs(group, manpages.paragraph_pairs(en_src, de_src))


def select(pairs: Iterator[Pair], stats: Counter[str]) -> dict[str, list[Pair]]:
    """Filter, split by group, de-duplicate on English (test first, so train never repeats a
    test sentence), then cap valid and test."""
    by_split: dict[str, list[Pair]] = {name: [] for name in SPLITS}
    for pair in pairs:
        stats["candidates"] += 1
        reason = reject_reason(pair.src, pair.tgt)
        if reason:
            stats["rejected_" + reason] += 1
            continue
        by_split[split_of(pair.group)].append(pair)
    ordered = by_split["test"] + by_split["valid"] + by_split["train"]
    kept: dict[str, list[Pair]] = {name: [] for name in SPLITS}
    for pair in dedup_source(ordered):
        kept[split_of(pair.group)].append(pair)
    stats["duplicates"] = len(ordered) - sum(len(v) for v in kept.values())
    for name in ("valid", "test"):
        kept[name] = cap(kept[name], key=lambda p: p.src + "\t" + p.tgt)
    return kept


def build(archive: Archive, out: Path, with_mo: bool = False) -> dict[str, Any]:
    stats: Counter[str] = Counter()
    sources: Counter[str] = Counter()

    def tally(name: str, pairs: Iterator[Pair]) -> Iterator[Pair]:
        for pair in pairs:
            sources[name] += 1
            yield pair
        print(f"translation: {name}: {sources[name]} candidate pairs", file=sys.stderr)

    def everything() -> Iterator[Pair]:
        yield from tally("ddtp", ddtp_pairs(archive))
        yield from tally("docs", doc_pairs(archive))
        yield from tally("man", man_pairs(archive))
        if with_mo:
            from .mo import mo_pairs  # optional: only loaded when asked for

            yield from tally("mo", mo_pairs(archive))

    kept = select(everything(), stats)
    files: list[str] = []
    for name, pairs in kept.items():
        write_lines(out / f"{name}.en", (p.src for p in pairs))
        write_lines(out / f"{name}.de", (p.tgt for p in pairs))
        files += [f"{name}.en", f"{name}.de"]
    kept_by_source = Counter(p.group.split(":", 1)[0] for v in kept.values() for p in v)
    return write_manifest(out, files, {
        "corpus": "translation", "direction": "en-de",
        "examples": {name: len(v) for name, v in kept.items()},
        "candidates_by_source": dict(sources), "kept_by_source": dict(kept_by_source),
        "filter_stats": dict(stats), "debian_packages": dict(sorted(archive.used.items())), "debian_release": archive.release_info(),
    })
