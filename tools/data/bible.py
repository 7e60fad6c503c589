"""The World English Bible from Debian's sword-text-web, exported with SWORD's own mod2imp.

mod2imp comes from libsword-utils; rather than installing it, the builder unpacks it with
its libraries and runs it with LD_LIBRARY_PATH, pulling in (through Contents) whatever
shared library the machine lacks.  The .imp export is "$$$Book ch:v" keys followed by OSIS
markup; paragraphs are OSIS x-p divisions, documents are books.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from . import text as T
from .apt import Archive

MODULE = "engWEB2015eb"
_KEY = re.compile(r"^\$\$\$(.*?)(?: (\d+):(\d+))?$")
# Notes and headings go with their content; self-closing milestones ("<title .../>") have none.
_NOTE = re.compile(r"<(note|title)\b[^>]*(?<!/)>.*?</\1>", re.S)
_PARA = re.compile(r"<div\b[^>]*type=\"(?:x-p|paragraph)\"[^>]*/>|<lb\b[^>]*/>|<lg\b[^>]*>|</lg>")
_TAG = re.compile(r"<[^>]+>")
_CHAPTER_BREAK = '<div type="x-p"/>'
_WORD_GAP = re.compile(r"</w>(?=<w[\s>])")  # "<w>God</w><w>created</w>": two words
_COMMA = re.compile(r",(?=[A-Za-z])")  # the module drops the space after some commas


def _missing_libraries(binary: Path, env: dict[str, str]) -> list[str]:
    out = subprocess.run(["ldd", str(binary)], env=env, capture_output=True, text=True).stdout
    return sorted(line.split()[0] for line in out.splitlines() if "not found" in line)


def export_imp(archive: Archive) -> str:
    """Run mod2imp on the module and return the .imp text (kept in the cache)."""
    cached = archive.unpacked / f"{MODULE}.imp"
    if cached.exists():
        for package in ("sword-text-web", "libsword-utils", "libsword1.9.0"):
            archive.used[package] = archive.packages()[package].version
        return cached.read_text(encoding="utf-8")
    module = archive.unpack("sword-text-web")
    tool = archive.unpack("libsword-utils") / "usr/bin/mod2imp"
    lib_dirs = [archive.unpack(p) / "usr/lib/x86_64-linux-gnu" for p in ("libsword1.9.0", "libclucene-core1v5")]
    env = dict(os.environ, SWORD_PATH=str(module / "usr/share/sword"), HOME=str(archive.unpacked))
    for _ in range(4):  # each round may reveal the dependencies of the libraries just added
        env["LD_LIBRARY_PATH"] = ":".join(str(d) for d in lib_dirs)
        missing = _missing_libraries(tool, env)
        if not missing:
            break
        wanted = {f"usr/lib/x86_64-linux-gnu/{name}" for name in missing}
        owners = sorted({pkg for path, pkg in archive.contents("usr/lib/x86_64-linux-gnu/") if path in wanted})
        lib_dirs.extend(archive.unpack(p) / "usr/lib/x86_64-linux-gnu" for p in owners)
    result = subprocess.run([str(tool), MODULE, "-r"], env=env, capture_output=True, check=True)
    text = result.stdout.decode("utf-8", errors="replace")
    cached.write_text(text, encoding="utf-8")
    return text


def books(imp: str) -> list[tuple[str, list[str]]]:
    """(book name, paragraphs) in canonical order, introductions and headings left out."""
    verses: dict[str, list[str]] = {}
    order: list[str] = []
    book, chapter = "", ""
    for line in imp.splitlines():
        key = _KEY.match(line)
        if key:
            book = key.group(1) if key.group(2) and key.group(2) != "0" and key.group(3) != "0" else ""
            if book and book not in verses:
                verses[book] = []
                order.append(book)
            if book and key.group(2) != chapter:
                # Poetry (Psalms, Proverbs) has line milestones but no paragraph divisions;
                # a chapter break keeps those books from becoming one enormous line.
                verses[book].append(_CHAPTER_BREAK)
                chapter = key.group(2)
            continue
        if book:
            verses[book].append(line)
    out: list[tuple[str, list[str]]] = []
    for name in order:
        markup = _NOTE.sub(" ", _WORD_GAP.sub(" ", " ".join(verses[name])))
        markup = _PARA.sub("\n", markup)
        paragraphs = [T.normalize_space(_COMMA.sub(", ", _TAG.sub("", p))) for p in markup.split("\n")]
        out.append((name, [p for p in paragraphs if p]))
    return out
