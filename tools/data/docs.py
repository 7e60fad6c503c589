"""Translated documentation trees: which Debian packages hold them and how their pages pair up.

Each tree is an English directory and a German one with the same file names (the German
pages are generated from the English ones through translation catalogs), so pages pair by
relative path and their blocks align by structure; LibreOffice help even carries stable
paragraph ids (par_id/hd_id), which are the better key there.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional

from .align import align_blocks
from .htmlblocks import Block, extract_blocks


@dataclass(frozen=True)
class Tree:
    name: str
    en_package: str
    de_package: str
    en_dir: str  # path inside the unpacked package
    de_dir: str
    suffix: str  # page file suffix (".html", ".page", ".en.html")
    de_suffix: str
    by_id: bool = False  # align on element ids instead of structure


TREES: tuple[Tree, ...] = (
    Tree("libreoffice", "libreoffice-help-en-us", "libreoffice-help-de",
         "usr/share/libreoffice/help/en-US", "usr/share/libreoffice/help/de", ".html", ".html", True),
    Tree("gimp", "gimp-help-en", "gimp-help-de",
         "usr/share/gimp/2.0/help/en", "usr/share/gimp/2.0/help/de", ".html", ".html"),
    Tree("gnome-user-docs", "gnome-user-docs", "gnome-user-docs",
         "usr/share/help/C", "usr/share/help/de", ".page", ".page"),
    Tree("gnome-devel-docs", "gnome-devel-docs", "gnome-devel-docs",
         "usr/share/help/C", "usr/share/help/de", ".page", ".page"),
    Tree("debian-reference", "debian-reference-en", "debian-reference-de",
         "usr/share/debian-reference", "usr/share/debian-reference", ".en.html", ".de.html"),
    Tree("debian-handbook", "debian-handbook", "debian-handbook",
         "usr/share/doc/debian-handbook/html/en-US", "usr/share/doc/debian-handbook/html/de-DE",
         ".html", ".html"),
)

# Only LibreOffice's paragraph and heading ids are translation keys; other ids are layout.
_ID_PREFIXES = ("par_id", "hd_id")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def pages(tree: Tree, en_root: Path, de_root: Optional[Path]) -> Iterator[tuple[str, Path, Optional[Path]]]:
    """(relative name, English page, German page or None) in sorted order."""
    base = en_root / tree.en_dir
    for path in sorted(base.rglob("*" + tree.suffix)):
        rel = str(path.relative_to(base))[: -len(tree.suffix)]
        de_path = None
        if de_root is not None:
            candidate = de_root / tree.de_dir / (rel + tree.de_suffix)
            de_path = candidate if candidate.is_file() else None
        yield rel, path, de_path


def _by_id(en: list[Block], de: list[Block]) -> list[tuple[str, str]]:
    de_text = {b.ident: b.text for b in de if b.ident and b.ident.startswith(_ID_PREFIXES)}
    return [(b.text, de_text[b.ident]) for b in en
            if b.ident and b.ident.startswith(_ID_PREFIXES) and b.ident in de_text]


def _by_structure(en: list[Block], de: list[Block]) -> list[tuple[str, str]]:
    pairs = align_blocks([b.kind for b in en], [b.kind for b in de])
    return [(en[i].text, de[j].text) for i, j in pairs]


def paragraph_pairs(tree: Tree, en_page: Path, de_page: Path) -> list[tuple[str, str]]:
    """Aligned (English, German) block texts of one page pair."""
    en, de = extract_blocks(_read(en_page)), extract_blocks(_read(de_page))
    align: Callable[[list[Block], list[Block]], list[tuple[str, str]]] = _by_id if tree.by_id else _by_structure
    return align(en, de)


def english_blocks(page: Path) -> list[str]:
    """English block texts of one page (for the LM and nothing else)."""
    return [b.text for b in extract_blocks(_read(page))]
