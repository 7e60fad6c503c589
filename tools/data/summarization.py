"""Document → one-line summary: DDTP long description → synopsis, man DESCRIPTION → NAME text."""
from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

from . import ddtp, manpages
from . import text as T
from .apt import Archive
from .manifest import write_lines, write_manifest
from .roff import name_line, parse_man
from .split import SPLITS, cap, split_of

MIN_DOC_WORDS = 15
MAX_DOC_WORDS = 400
MIN_SUM_WORDS = 2
MAX_SUM_WORDS = 30


@dataclass(frozen=True)
class Example:
    group: str  # source package: foo, foo-dev and foo-doc stay in one split
    doc: str
    summary: str


def reject_reason(doc: str, summary: str) -> Optional[str]:
    """Why a (document, summary) pair is not a useful example, or None."""
    if not MIN_DOC_WORDS <= len(doc.split()) <= MAX_DOC_WORDS:
        return "doc_words"
    if not MIN_SUM_WORDS <= len(summary.split()) <= MAX_SUM_WORDS:
        return "summary_words"
    if T.letter_ratio(doc) < 0.6 or T.letter_ratio(summary) < 0.6:
        return "letters"
    if summary.casefold() in doc.casefold()[: len(summary) + 10]:
        return "summary_is_lead"  # the document starts with its summary: nothing to learn
    if not T.looks_english(doc):
        return "language"
    return None


def ddtp_examples(archive: Archive) -> Iterator[Example]:
    for (package, _md5), desc in sorted(ddtp.by_md5(archive.translation("en"), "en").items()):
        doc = " ".join(desc.paragraphs)
        yield Example("ddtp:" + archive.source_of(package), doc, desc.synopsis)


def man_examples(archive: Archive) -> Iterator[Example]:
    """English pages of the packages fetched for the translation corpus."""
    packages = sorted({p.en_package for p in manpages.find_pairs(archive)})
    archive.download(packages)
    for package in packages:
        for _rel, path in manpages.english_pages(archive.unpack(package)):
            source = manpages.read_page(path)
            if source is None:
                continue
            sections = parse_man(source)
            _names, summary = name_line(sections)
            body = [t for s in sections if s.title.upper() == "DESCRIPTION" for k, t in s.blocks if k == "p"]
            words: list[str] = []
            for paragraph in body:  # whole paragraphs up to the length limit
                if len(words) + len(paragraph.split()) > MAX_DOC_WORDS:
                    break
                words.extend(paragraph.split())
            if summary and words:
                yield Example("man:" + archive.source_of(package), " ".join(words), summary)


def build(archive: Archive, out: Path, with_man: bool = True) -> dict[str, Any]:
    stats: Counter[str] = Counter()
    by_split: dict[str, list[Example]] = {name: [] for name in SPLITS}
    sources = [ddtp_examples(archive)] + ([man_examples(archive)] if with_man else [])
    for source in sources:
        for ex in source:
            stats["candidates"] += 1
            reason = reject_reason(ex.doc, ex.summary)
            if reason:
                stats["rejected_" + reason] += 1
                continue
            by_split[split_of(ex.group)].append(ex)
    seen: set[str] = set()
    kept: dict[str, list[Example]] = {name: [] for name in SPLITS}
    for name in ("test", "valid", "train"):  # test first: train never repeats a test document
        for ex in by_split[name]:
            key = ex.doc.casefold()
            if key in seen:
                stats["duplicates"] += 1
                continue
            seen.add(key)
            kept[name].append(ex)
    for name in ("valid", "test"):
        kept[name] = cap(kept[name], key=lambda e: e.doc + "\t" + e.summary)
    files: list[str] = []
    for name, examples in kept.items():
        write_lines(out / f"{name}.doc", (e.doc for e in examples))
        write_lines(out / f"{name}.sum", (e.summary for e in examples))
        files += [f"{name}.doc", f"{name}.sum"]
    print(f"summarization: {stats}", file=sys.stderr)
    return write_manifest(out, files, {
        "corpus": "summarization", "examples": {n: len(v) for n, v in kept.items()},
        "kept_by_source": dict(Counter(e.group.split(":", 1)[0] for v in kept.values() for e in v)),
        "filter_stats": dict(stats), "debian_packages": dict(sorted(archive.used.items())), "debian_release": archive.release_info(),
    })
