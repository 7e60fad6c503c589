"""General-domain English→German pairs from the Ding dictionary, beside the software corpus.

Train gets every usable sense (words, phrases, example sentences): the words teach a
vocabulary that software text never uses.  Valid and test hold example sentences only, so
their scores say how the model does on ordinary sentences.  Sentences are split by a hash of
their entry (`ding:<headword>`), so the example sentences of one entry, often variations of
each other, stay together; only one sense in 14 is a sentence, so 5% + 5% of the entries are
held out to reach 1,000 test sentences.  Words and phrases always train: "the plain truth"
is vocabulary, not a test sentence (an English side equal to a test sentence's is dropped).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from . import ding
from .apt import Archive
from .filters import PAIR_FILTERS, Pair, dedup_source
from .manifest import write_lines, write_manifest
from .split import SPLITS, cap, split_of

HELD_OUT_BUCKETS = 50  # per mille of entries, for each of test and valid

# Example sentences pass the software corpus's filters except the stop-word language test:
# a five-word sentence often has no stop word at all ("Kreativität gehört zum Wesen des Menschen.").
_SENTENCE_FILTERS = tuple((name, check) for name, check in PAIR_FILTERS if name != "language")
# Words and phrases only need to be translations with letters in them.
_PHRASE_FILTERS = tuple((name, check) for name, check in PAIR_FILTERS if name in ("different", "letters"))


def reject_reason(pair: ding.DictPair) -> str | None:
    filters = _SENTENCE_FILTERS if pair.is_sentence else _PHRASE_FILTERS
    for name, check in filters:
        if not check(pair.en, pair.de):
            return name
    return None


def select(pairs: Iterable[ding.DictPair], stats: Counter[str]) -> dict[str, list[Pair]]:
    """Filter, split sentences by entry (phrases all train), de-duplicate on English (test
    first), cap valid and test.  Each kept Pair's group is "<split>:ding:<headword>"."""
    by_split: dict[str, list[Pair]] = {name: [] for name in SPLITS}
    for pair in pairs:
        stats["candidates"] += 1
        reason = reject_reason(pair)
        if reason:
            stats["rejected_" + reason] += 1
            continue
        group = "ding:" + pair.entry
        split = split_of(group, HELD_OUT_BUCKETS) if pair.is_sentence else "train"
        by_split[split].append(Pair(f"{split}:{group}", pair.en, pair.de))
    ordered = by_split["test"] + by_split["valid"] + by_split["train"]
    kept: dict[str, list[Pair]] = {name: [] for name in SPLITS}
    for pair in dedup_source(ordered):
        kept[pair.group.split(":", 1)[0]].append(pair)
    stats["duplicates"] = len(ordered) - sum(len(v) for v in kept.values())
    for name in ("valid", "test"):
        kept[name] = cap(kept[name], key=lambda p: p.src + "\t" + p.tgt)
    return kept


def build(archive: Archive, out: Path) -> dict[str, Any]:
    stats: Counter[str] = Counter()
    kept = select(ding.read_pairs(archive.unpack(ding.PACKAGE)), stats)
    # The example sentences of train again on their own: one sense in 14, they are what
    # ordinary text looks like, so the trainer may give them more weight (--train twice).
    kept["train-sentences"] = [p for p in kept["train"] if ding.is_sentence(p.src, p.tgt)]
    files: list[str] = []
    for name, pairs in kept.items():
        write_lines(out / f"{name}.en", (p.src for p in pairs))
        write_lines(out / f"{name}.de", (p.tgt for p in pairs))
        files += [f"{name}.en", f"{name}.de"]
    sentences = Counter(name for name in SPLITS for p in kept[name] if ding.is_sentence(p.src, p.tgt))
    stats["sentences_kept"] = sum(sentences.values())
    return write_manifest(out, files, {
        "corpus": "general", "direction": "en-de", "source": "Ding dictionary (Debian trans-de-en)",
        "examples": {name: len(v) for name, v in kept.items()}, "sentences": dict(sentences),
        "filter_stats": dict(stats), "debian_packages": dict(sorted(archive.used.items())),
        "debian_release": archive.release_info(),
    })
