"""fairseq's Dictionary (dict.txt): token <-> id mapping.

The four specials ``<s>``=0, ``<pad>``=1, ``</s>``=2, ``<unk>``=3 are implicit;
line i of the file (0-based) is id i + 4. A line is ``token count``, optionally
followed by `` #fairseq:overwrite``, which (as in fairseq) appends a new entry
even when the token already exists and makes the token map to the new id. A
duplicate token without that flag, a missing or non-integer count, or an empty
line is refused with the file and 1-based line number.
"""
from __future__ import annotations

import os
from typing import Iterable, Sequence

from .errors import ModelFormatError

BOS, PAD, EOS, UNK = 0, 1, 2, 3
SPECIAL_SYMBOLS = ("<s>", "<pad>", "</s>", "<unk>")
OVERWRITE_FLAG = "#fairseq:overwrite"


class Dictionary:
    """An ordered vocabulary with counts, as fairseq keeps it."""

    def __init__(self) -> None:
        self.symbols: list[str] = []
        self.counts: list[int] = []
        self.indices: dict[str, int] = {}
        for symbol in SPECIAL_SYMBOLS:
            self.add_symbol(symbol, 1)
        self.nspecial = len(SPECIAL_SYMBOLS)

    bos_index, pad_index, eos_index, unk_index = BOS, PAD, EOS, UNK

    def __len__(self) -> int:
        return len(self.symbols)

    def __contains__(self, token: str) -> bool:
        return token in self.indices

    def __getitem__(self, index: int) -> str:
        return self.symbols[index] if 0 <= index < len(self.symbols) else SPECIAL_SYMBOLS[UNK]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dictionary) and self.symbols == other.symbols and self.counts == other.counts

    def add_symbol(self, token: str, count: int = 1, overwrite: bool = False) -> int:
        """Add a token (or add to its count); with overwrite, always append a new id."""
        if token in self.indices and not overwrite:
            index = self.indices[token]
            self.counts[index] += count
            return index
        index = len(self.symbols)
        self.indices[token] = index
        self.symbols.append(token)
        self.counts.append(count)
        return index

    def index(self, token: str) -> int:
        return self.indices.get(token, UNK)

    def encode(self, tokens: Iterable[str], append_eos: bool = True) -> list[int]:
        ids = [self.index(t) for t in tokens]
        return ids + [EOS] if append_eos else ids

    def string(self, ids: Iterable[int], skip_specials: bool = True) -> str:
        """Space-joined tokens; by default drops <s>, <pad> and </s> like fairseq's string()."""
        skip = {BOS, PAD, EOS} if skip_specials else set()
        return " ".join(self[int(i)] for i in ids if int(i) not in skip)

    def pad_to_multiple(self, multiple: int = 8) -> None:
        """Append ``madeupwordNNNN`` entries (count 0) until len(self) % multiple == 0."""
        i = 0
        while len(self) % multiple:
            self.add_symbol(f"madeupword{i:04d}", 0)
            i += 1

    @staticmethod
    def from_tokens(tokens: Sequence[str], counts: Sequence[int] | None = None) -> "Dictionary":
        d = Dictionary()
        for i, token in enumerate(tokens):
            d.add_symbol(token, counts[i] if counts is not None else 1)
        return d

    @staticmethod
    def load(path: str | os.PathLike[str]) -> "Dictionary":
        name = os.fspath(path)
        try:
            with open(name, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            raise ModelFormatError(f"{name}: dictionary file not found") from None
        except (OSError, UnicodeDecodeError) as e:
            raise ModelFormatError(f"{name}: cannot read dictionary: {e}") from None
        d = Dictionary()
        for number, line in enumerate(lines, start=1):
            token, count, overwrite = _parse_line(name, number, line)
            if token in d and not overwrite:
                raise ModelFormatError(f"{name}:{number}: duplicate token {token!r} (add '{OVERWRITE_FLAG}' "
                                       f"to the line to allow it)")
            d.add_symbol(token, count, overwrite=overwrite)
        return d

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the non-special entries as ``token count`` lines (fairseq's format)."""
        with open(os.fspath(path), "w", encoding="utf-8") as f:
            for index in range(self.nspecial, len(self.symbols)):
                token = self.symbols[index]
                # A token seen at an earlier id needs the flag to load back as a separate entry.
                flag = f" {OVERWRITE_FLAG}" if self.symbols.index(token) != index else ""
                f.write(f"{token} {self.counts[index]}{flag}\n")


def _parse_line(name: str, number: int, line: str) -> tuple[str, int, bool]:
    """Split ``token count [#fairseq:overwrite]`` the way fairseq does (from the right)."""
    text = line.rstrip()
    overwrite = False
    parts = text.rsplit(" ", 1)
    if len(parts) == 2 and parts[1] == OVERWRITE_FLAG:
        overwrite = True
        parts = parts[0].rsplit(" ", 1)
    if len(parts) != 2 or not parts[0]:
        raise ModelFormatError(f"{name}:{number}: malformed line {line!r}, expected '<token> <count>'")
    token, count_text = parts
    try:
        count = int(count_text)
    except ValueError:
        raise ModelFormatError(f"{name}:{number}: count {count_text!r} is not an integer") from None
    return token, count, overwrite
