"""Man pages: German translations (manpages-de and packages shipping their own) paired with
the English pages of the packages that own them, found through apt's Contents index.
"""
from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from .align import align_blocks
from .apt import Archive
from .roff import Section, is_mdoc, parse_man

DE_PREFIX = "usr/share/man/de/"
EN_PREFIX = "usr/share/man/"
_EN_PAGE = re.compile(r"^usr/share/man/(man[1-9n][^/]*/[^/]+)$")
# A package is fetched for its pages only while it costs at most this much per page pair:
# game data and office suites that ship one page each are not worth their download.
MAX_BYTES_PER_PAGE = 1_500_000


@dataclass(frozen=True)
class PagePair:
    rel: str  # "man1/ls.1.gz"
    en_package: str
    de_package: str


def find_pairs(archive: Archive) -> list[PagePair]:
    """Every German page whose English original is shipped by some package, cost-limited."""
    de: dict[str, str] = {}
    en: dict[str, str] = {}
    for path, package in archive.contents(EN_PREFIX):
        if path.startswith(DE_PREFIX):
            de.setdefault(path[len(DE_PREFIX):], package)
        else:
            m = _EN_PAGE.match(path)
            if m:
                en.setdefault(m.group(1), package)
    pairs = [PagePair(rel, en[rel], pkg) for rel, pkg in sorted(de.items()) if rel in en]
    known = archive.packages()
    count: dict[str, int] = {}
    for p in pairs:
        for name in (p.en_package, p.de_package):
            count[name] = count.get(name, 0) + 1
    affordable = {name for name, n in count.items()
                  if name in known and known[name].size <= MAX_BYTES_PER_PAGE * n}
    return [p for p in pairs if p.en_package in affordable and p.de_package in affordable]


def read_page(path: Path) -> Optional[str]:
    """Source of one (possibly gzipped) page, or None for .so links and unreadable files."""
    try:
        data = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    except (OSError, EOFError):
        return None
    source = data.decode("utf-8", errors="replace")
    if re.match(r"\s*\.so\s", source) or is_mdoc(source):
        return None
    return source


def blocks_with_heads(sections: list[Section]) -> list[tuple[str, str]]:
    """Flatten sections to (kind, text), section titles as "sh" blocks (they translate too)."""
    out: list[tuple[str, str]] = []
    for section in sections:
        if section.title:
            out.append(("sh", section.title))
        out.extend(section.blocks)
    return out


def paragraph_pairs(en_source: str, de_source: str) -> list[tuple[str, str]]:
    """Aligned (English, German) blocks of a page and its translation."""
    en = blocks_with_heads(parse_man(en_source))
    de = blocks_with_heads(parse_man(de_source))
    return [(en[i][1], de[j][1]) for i, j in align_blocks([k for k, _ in en], [k for k, _ in de])]


def english_pages(root: Path) -> Iterator[tuple[str, Path]]:
    """(relative name, path) of every English page under an unpacked package."""
    base = root / "usr/share/man"
    if not base.is_dir():
        return
    for path in sorted(base.glob("man*/*")):
        if path.is_file() and not path.is_symlink():
            yield str(path.relative_to(base)), path
