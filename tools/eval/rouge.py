"""ROUGE-1, ROUGE-2 and ROUGE-L F1 as Google's rouge-score package computes them by default.

`RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)`, one score per (summary,
reference) pair, then the plain mean over the corpus, times 100.  Written from the published
algorithm (rouge-score is not packaged here):

* tokenization: lowercase; every run of characters outside [a-z0-9] becomes a space; split.
  No stemming (the default; the Porter stemmer would need nltk) and no stop-word removal.
  Consequence worth knowing: non-ASCII letters are separators, so "Größe" gives "gr", "e"; the
  summarization corpus is English, where this only affects loanwords.
* ROUGE-N: clipped overlap of n-gram counts; P = overlap / hyp n-grams, R = overlap / ref
  n-grams (each denominator at least 1), F = 2PR / (P + R), or 0 when P + R = 0.
* ROUGE-L (sentence level, the whole line as one sequence, not rougeLsum): LCS length l of the
  token lists; P = l / len(hyp), R = l / len(ref), same F; 0 when either side has no tokens.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

_NON_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def tokenize(text: str) -> list[str]:
    """rouge-score's default tokenizer (no stemmer)."""
    return _NON_ALPHANUMERIC.sub(" ", text.lower()).split()


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def rouge_n(hyp: Sequence[str], ref: Sequence[str], n: int) -> float:
    """ROUGE-N F1 of two token lists."""
    hyp_grams = _ngrams(hyp, n)
    ref_grams = _ngrams(ref, n)
    overlap = sum(min(count, hyp_grams[gram]) for gram, count in ref_grams.items())
    # max(.., 1): an empty side gives 0 rather than a division by zero, as rouge-score does.
    precision = overlap / max(sum(hyp_grams.values()), 1)
    recall = overlap / max(sum(ref_grams.values()), 1)
    return f1(precision, recall)


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence (O(len(a) * len(b)) time, O(len(b)) memory)."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0] * (len(b) + 1)
        for j, y in enumerate(b, start=1):
            current[j] = previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1])
        previous = current
    return previous[-1]


def rouge_l(hyp: Sequence[str], ref: Sequence[str]) -> float:
    """Sentence-level ROUGE-L F1 of two token lists."""
    if not hyp or not ref:
        return 0.0
    lcs = lcs_length(ref, hyp)
    return f1(lcs / len(hyp), lcs / len(ref))


@dataclass(frozen=True)
class RougeResult:
    rouge1: float  # mean F1 x 100
    rouge2: float
    rougeL: float
    count: int     # pairs averaged

    def format(self) -> str:
        return f"ROUGE-1 = {self.rouge1:.2f}  ROUGE-2 = {self.rouge2:.2f}  ROUGE-L = {self.rougeL:.2f}  (n = {self.count})"


def corpus_rouge(hypotheses: Sequence[str], references: Sequence[str]) -> RougeResult:
    """Mean per-pair F1 (x 100) of line-aligned summaries against one reference each."""
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} references")
    if not hypotheses:
        raise ValueError("no summaries to score")
    totals = [0.0, 0.0, 0.0]
    for hypothesis, reference in zip(hypotheses, references):
        hyp, ref = tokenize(hypothesis), tokenize(reference)
        totals[0] += rouge_n(hyp, ref, 1)
        totals[1] += rouge_n(hyp, ref, 2)
        totals[2] += rouge_l(hyp, ref)
    count = len(hypotheses)
    return RougeResult(*(100 * t / count for t in totals), count=count)
