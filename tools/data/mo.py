"""gettext .mo catalogs (optional source: short UI strings, 1.8 GB of downloads).

A German catalog maps each English msgid to its German msgstr; no alignment is needed.
Plural forms and context-qualified ids are handled; fuzzy entries are not in .mo files.
"""
from __future__ import annotations

import struct
from typing import Iterator

from .apt import Archive
from .filters import Pair, clean_side

PREFIX = "usr/share/locale/de/LC_MESSAGES/"


def parse_mo(data: bytes) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs of a compiled catalog; plural entries give their singular form."""
    if len(data) < 28:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic == 0x950412DE else ">" if magic == 0xDE120495 else ""
    if not endian:
        return []
    _rev, count, originals, translations = struct.unpack(endian + "4I", data[4:20])
    out: list[tuple[str, str]] = []
    for i in range(count):
        olen, ooff = struct.unpack(endian + "2I", data[originals + 8 * i: originals + 8 * i + 8])
        tlen, toff = struct.unpack(endian + "2I", data[translations + 8 * i: translations + 8 * i + 8])
        msgid = data[ooff:ooff + olen].decode("utf-8", errors="replace")
        msgstr = data[toff:toff + tlen].decode("utf-8", errors="replace")
        if not msgid:
            continue  # the header entry
        msgid = msgid.split("\x04", 1)[-1].split("\x00", 1)[0]  # drop context, keep singular
        msgstr = msgstr.split("\x00", 1)[0]
        if msgstr:
            out.append((msgid, msgstr))
    return out


def mo_pairs(archive: Archive) -> Iterator[Pair]:
    """Every German catalog in the archive, grouped by catalog domain."""
    owners = sorted({(path, pkg) for path, pkg in archive.contents(PREFIX) if path.endswith(".mo")})
    archive.download(sorted({pkg for _, pkg in owners}))
    for path, package in owners:
        file = archive.unpack(package) / path
        if not file.is_file():
            continue
        domain = path.rsplit("/", 1)[-1].removesuffix(".mo")
        for en, de in parse_mo(file.read_bytes()):
            yield Pair("mo:" + domain, clean_side(en), clean_side(de))
