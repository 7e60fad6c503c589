"""Corpus BLEU as sacrebleu 2.x computes it with its defaults (`sacrebleu.corpus_bleu(hyps, [refs])`).

Defaults reproduced: 13a tokenization, case-sensitive, n-gram orders 1..4, one reference per
segment, 'exp' smoothing, no effective order.  Written from the published algorithm, so scores
can be compared with papers that report sacreBLEU without the package being installed:

* tokenization (mteval-v13a): unescape a few entities, pad with spaces, then four regex passes
  (split most ASCII punctuation; split '.' and ',' unless they sit between digits; split '-'
  after a digit); whitespace is collapsed.  Apostrophes and hyphens inside words stay.
* statistics: per segment, hypothesis n-gram counts clipped by the reference counts; the
  matches, the totals and the lengths are summed over the corpus before any division.
* brevity penalty exp(1 - r/c) when c < r (corpus lengths), 0 when c = 0.
* precision p_n = matches_n / totals_n; when matches_n = 0 the 'exp' smoothing uses
  1 / (2^k * totals_n), k counting the zero orders so far; when totals_n = 0 (every hypothesis
  shorter than n) p_n stays 0, and log 0 is taken as -9999999999, so the score is 0.
* no match at any order: score 0 outright.
* score = BP * exp(mean of log p_n) with p_n in percent (as sacrebleu does it), i.e. 0..100.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

MAX_ORDER = 4

# sacrebleu's stand-in for log(0): finite, so a zero precision drives the score to 0.0 rather
# than raising; kept identical so corner cases round the same way.
_LOG_ZERO = -9999999999.0

# The mteval-v13a language-dependent passes, in order.  The first character class is the
# ASCII punctuation except ' - . , (0x27, 0x2D, 0x2E, 0x2C), as ranges: { | } ~, [ \ ] ^ _ `,
# space ! " # $ % &, ( ) * +, : ; < = > ? @, and /.
_V13A_PASSES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),
    # '.' and ',' unless preceded by a digit ...
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),
    # ... or unless followed by a digit: "1,000.5" survives, "end." and "5." do not (the line
    # is padded with spaces first, so a final period is followed by a non-digit).
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),
    # '-' after a digit: "5-6" -> "5 - 6", but "well-known" and "-5" stay.
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),
)


def tokenize_13a(line: str) -> str:
    """The 13a tokenization of one segment, tokens joined by single spaces."""
    line = line.replace("<skipped>", "")
    line = line.replace("-\n", "")
    line = line.replace("\n", " ")
    # Only these four entities (in this order, so "&amp;quot;" becomes "&quot;", not '"').
    line = line.replace("&quot;", '"')
    line = line.replace("&amp;", "&")
    line = line.replace("&lt;", "<")
    line = line.replace("&gt;", ">")
    line = f" {line} "
    for pattern, replacement in _V13A_PASSES:
        line = pattern.sub(replacement, line)
    return " ".join(line.split())


def ngram_counts(tokens: Sequence[str], max_order: int = MAX_ORDER) -> Counter[tuple[str, ...]]:
    """Every n-gram of order 1..max_order with its count."""
    counts: Counter[tuple[str, ...]] = Counter()
    for n in range(1, max_order + 1):
        for i in range(len(tokens) - n + 1):
            counts[tuple(tokens[i:i + n])] += 1
    return counts


@dataclass(frozen=True)
class SegmentStats:
    """Sufficient statistics of one segment; corpus BLEU sums them."""
    hyp_len: int
    ref_len: int
    matches: tuple[int, ...]
    totals: tuple[int, ...]


def segment_stats(hypothesis: str, reference: str, max_order: int = MAX_ORDER) -> SegmentStats:
    """Clipped n-gram matches of one (untokenized) hypothesis against one reference."""
    # sacrebleu strips trailing whitespace before tokenizing; the tokenizer drops the rest.
    hyp = tokenize_13a(hypothesis.rstrip()).split()
    ref = tokenize_13a(reference.rstrip()).split()
    hyp_counts = ngram_counts(hyp, max_order)
    ref_counts = ngram_counts(ref, max_order)
    matches = [0] * max_order
    totals = [0] * max_order
    for gram, count in hyp_counts.items():
        totals[len(gram) - 1] += count
        matches[len(gram) - 1] += min(count, ref_counts.get(gram, 0))
    return SegmentStats(len(hyp), len(ref), tuple(matches), tuple(totals))


@dataclass(frozen=True)
class BleuResult:
    score: float                    # 0..100
    precisions: tuple[float, ...]   # per order, in percent, after smoothing (as sacrebleu shows)
    matches: tuple[int, ...]
    totals: tuple[int, ...]
    bp: float
    hyp_len: int
    ref_len: int

    @property
    def ratio(self) -> float:
        return self.hyp_len / self.ref_len if self.ref_len else 0.0

    def format(self) -> str:
        """sacrebleu's one-line summary, so the numbers can be compared by eye."""
        precisions = "/".join(f"{p:.1f}" for p in self.precisions)
        return (f"BLEU = {self.score:.2f} {precisions} (BP = {self.bp:.3f} ratio = {self.ratio:.3f} "
                f"hyp_len = {self.hyp_len} ref_len = {self.ref_len})")


def bleu_from_stats(stats: Iterable[SegmentStats], max_order: int = MAX_ORDER) -> BleuResult:
    """Corpus BLEU from per-segment statistics (summed first: BLEU is not a mean of sentences)."""
    hyp_len = ref_len = 0
    matches = [0] * max_order
    totals = [0] * max_order
    for s in stats:
        hyp_len += s.hyp_len
        ref_len += s.ref_len
        for n in range(max_order):
            matches[n] += s.matches[n]
            totals[n] += s.totals[n]

    if hyp_len < ref_len:
        bp = math.exp(1 - ref_len / hyp_len) if hyp_len > 0 else 0.0
    else:
        bp = 1.0

    precisions = [0.0] * max_order
    if not any(matches):
        return BleuResult(0.0, tuple(precisions), tuple(matches), tuple(totals), bp, hyp_len, ref_len)

    smooth = 1.0
    for n in range(max_order):
        if totals[n] == 0:
            break  # higher orders have no n-grams either; their precision stays 0
        if matches[n] == 0:
            smooth *= 2  # 'exp' smoothing: 1/2, 1/4, ... of a match for successive empty orders
            precisions[n] = 100.0 / (smooth * totals[n])
        else:
            precisions[n] = 100.0 * matches[n] / totals[n]

    log_mean = sum(math.log(p) if p > 0 else _LOG_ZERO for p in precisions) / max_order
    score = bp * math.exp(log_mean)
    return BleuResult(score, tuple(precisions), tuple(matches), tuple(totals), bp, hyp_len, ref_len)


def corpus_bleu(hypotheses: Sequence[str], references: Sequence[str]) -> BleuResult:
    """BLEU of line-aligned hypotheses against one reference each (sacrebleu's defaults)."""
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} references")
    for number, ref in enumerate(references, start=1):
        # sacrebleu refuses a segment without a non-empty reference; so do we, rather than
        # silently scoring against nothing.
        if ref == "":
            raise ValueError(f"reference line {number} is empty")
    return bleu_from_stats(segment_stats(h, r) for h, r in zip(hypotheses, references))
