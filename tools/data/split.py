"""The split rule: whole groups go to one split, chosen by a hash, so near-duplicates never leak."""
from __future__ import annotations

import hashlib
from typing import Callable, Sequence, TypeVar

E = TypeVar("E")

SPLITS = ("train", "valid", "test")
CAP = 1000


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def bucket(group: str) -> int:
    """int(md5(group)[:8], 16) % 1000, exactly as DATA.md states it."""
    return int(md5_hex(group)[:8], 16) % 1000


def split_of(group: str, held_out_buckets: int = 20) -> str:
    """Buckets 0-19 test, 20-39 valid, the rest train (2% + 2% + 96%); a corpus whose
    held-out candidates are rarer widens both to `held_out_buckets` each."""
    b = bucket(group)
    if b < held_out_buckets:
        return "test"
    if b < 2 * held_out_buckets:
        return "valid"
    return "train"


def cap(examples: Sequence[E], key: Callable[[E], str], limit: int = CAP) -> list[E]:
    """At most `limit` examples, the ones with the smallest md5 of their key, in input order.

    Selecting by hash (not by position) keeps the choice independent of the order sources were
    read in; keeping the survivors in input order keeps related lines next to each other.
    """
    if len(examples) <= limit:
        return list(examples)
    ranked = sorted(range(len(examples)), key=lambda i: (md5_hex(key(examples[i])), i))
    chosen = sorted(ranked[:limit])
    return [examples[i] for i in chosen]
