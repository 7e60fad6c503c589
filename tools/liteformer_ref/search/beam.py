"""Beam search with fairseq SequenceGenerator semantics (the C++ engine's specification).

Notation: B = beam_size, V = vocab size, step = 0-based index of the token being
generated, max_len[s] from max_len.py.  Scores are float32 (see hypothesis.py).

Per sentence s, each step:

1. The decoder returns log-probs for every row; bans.py rules are applied to each
   live row (step, max_len[s], min_len, n-gram over history[s] + row tokens).
2. Expansion.  Step 0 expands ONLY beam 0 (all rows are identical at step 0, so
   this avoids duplicate hypotheses): candidate (0, t) has score lp[t].  Later
   steps expand every beam j: candidate (j, t) has score float32(cum_j + lp_j[t]),
   cum_j being beam j's cumulative float32 score.  Dead beams (below) yield -inf.
3. The top k = min(2B, n_expanded * V - 1) candidates are taken in the order of
   candidates.py: score descending, ties by flat index j * V + t ascending.
4. Finalization: walking the FIRST B candidates in that order, each </s> candidate
   with a finite score becomes a finished hypothesis (tokens of beam j + </s>,
   token scores = float32 differences of cumulative scores, final score =
   cum / (step + 1) ** length_penalty) -- unless sentence s already has B
   finished hypotheses, in which case it is dropped (first come, first kept).
   </s> candidates beyond the first B are never finalized and never continue.
5. Sentence s is finished when it has B finished hypotheses, or step == max_len[s]
   (every live beam was forced to </s> by bans.py and finalized in step 4), or it
   has no live beam left (see 6).
6. Otherwise the next beams are the first B candidates, in order, that are not
   </s> and have a finite score.  If fewer than B exist (tiny vocabularies or
   heavy bans), the remaining beam slots are DEAD: cumulative score -inf, never
   expanded, never finalized (fairseq keeps -inf candidates as beams, which has
   the same observable effect).  The decoder row of a dead slot is a copy of the
   sentence's old beam-0 row fed </s>; its output is never used.
7. The decoder is reordered so that row a * B + j (a = index of s among the
   unfinished sentences, in input order) holds new beam j; finished sentences'
   rows are dropped.

At the end each sentence's finished list is sorted by score descending with a
STABLE sort (ties keep finalization order: earlier step first, then candidate
order) and the first nbest are returned.  A sentence can end with fewer than
nbest (even zero) hypotheses only in the degenerate dead-beam case.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import torch

from .bans import apply_bans
from .candidates import top_candidates
from .decoder import StepDecoder
from .hypothesis import Hypothesis, make_hypothesis
from .options import SearchOptions

NEG_INF = float("-inf")


@dataclass
class _Beam:
    tokens: list[int] = field(default_factory=list)  # generated so far (no history)
    cumulative: list[float] = field(default_factory=list)  # float32 cumulative score after each token
    alive: bool = True

    @property
    def score(self) -> float:
        if not self.alive:
            return NEG_INF
        return self.cumulative[-1] if self.cumulative else 0.0


@dataclass
class _Sentence:
    index: int
    history: list[int]
    max_len: int
    beams: list[_Beam]
    finished: list[Hypothesis] = field(default_factory=list)


def check_inputs(history: Sequence[Sequence[int]], max_len: Sequence[int]) -> None:
    if len(history) != len(max_len):
        raise ValueError(f"{len(history)} histories but {len(max_len)} max_len values")
    for s, (h, m) in enumerate(zip(history, max_len)):
        if not h:
            raise ValueError(f"sentence {s}: empty history (it must start with </s>)")
        if m < 0:
            raise ValueError(f"sentence {s}: max_len {m} < 0")


def beam_search(
    decoder: StepDecoder,
    history: list[list[int]],
    max_len: list[int],
    options: SearchOptions,
    eos: int = 2,
    pad: int = 1,
) -> list[list[Hypothesis]]:
    """Beam search over len(history) sentences; returns up to nbest hypotheses per sentence.

    The decoder has len(history) * beam_size rows (row r belongs to sentence
    r // beam_size) and has consumed all of history[s] but its last token, which
    is fed at step 0 to every row of s.  See the module docstring for the rules.
    """
    options.validate()
    check_inputs(history, max_len)
    beam = options.beam_size
    sentences = [
        _Sentence(s, list(h), m, [_Beam() for _ in range(beam)]) for s, (h, m) in enumerate(zip(history, max_len))
    ]
    results: list[list[Hypothesis]] = [[] for _ in history]
    active = sentences
    inputs = [s.history[-1] for s in sentences for _ in range(beam)]
    step = 0
    while active:
        lprobs = decoder.step(torch.tensor(inputs, dtype=torch.long))
        vocab = lprobs.size(-1)
        if lprobs.size(0) != len(active) * beam:
            raise RuntimeError(f"decoder returned {lprobs.size(0)} rows, expected {len(active) * beam}")
        next_active: list[_Sentence] = []
        rows: list[int] = []
        inputs = []
        for a, sent in enumerate(active):
            new_beams = _advance(sent, lprobs[a * beam:(a + 1) * beam], step, vocab, options, eos, pad)
            if new_beams is None:
                ranked = sorted(sent.finished, key=lambda h: h.score, reverse=True)  # stable
                results[sent.index] = ranked[: options.nbest]
                continue
            next_active.append(sent)
            for source, new_beam in new_beams:
                rows.append(a * beam + source)
                inputs.append(new_beam.tokens[-1] if new_beam.alive else eos)
            sent.beams = [b for _, b in new_beams]
        active = next_active
        if active:
            decoder.reorder(torch.tensor(rows, dtype=torch.long))
            step += 1
    return results


def _advance(
    sent: _Sentence,
    lprobs: torch.Tensor,
    step: int,
    vocab: int,
    options: SearchOptions,
    eos: int,
    pad: int,
) -> list[tuple[int, _Beam]] | None:
    """One step for one sentence: finalize, then pick the next beams (None = sentence finished)."""
    beam = options.beam_size
    expanded = 1 if step == 0 else beam
    block = torch.full((expanded, vocab), NEG_INF, dtype=torch.float32)
    for j in range(expanded):
        b = sent.beams[j]
        if not b.alive:
            continue  # dead beam: all candidates -inf
        row = apply_bans(
            lprobs[j], step, sent.max_len, options.min_len, options.no_repeat_ngram_size,
            sent.history + b.tokens, eos, pad,
        )
        # float32 + float32 like fairseq's `lprobs + scores[:, :, step - 1]`; step 0 adds nothing
        block[j] = row if step == 0 else row + torch.tensor(b.score, dtype=torch.float32)
    k = min(2 * beam, expanded * vocab - 1)
    scores, flat = top_candidates(block.view(-1), k)
    candidates = [(float(sc), int(f) // vocab, int(f) % vocab) for sc, f in zip(scores.tolist(), flat.tolist())]

    for score, j, token in candidates[:beam]:
        if token == eos and math.isfinite(score) and len(sent.finished) < beam:
            source = sent.beams[j]
            sent.finished.append(
                make_hypothesis(source.tokens + [eos], source.cumulative + [score], options.length_penalty)
            )
    if len(sent.finished) >= beam or step >= sent.max_len:
        return None
    live = [(j, token, score) for score, j, token in candidates if token != eos and math.isfinite(score)][:beam]
    if not live:
        return None
    new_beams: list[tuple[int, _Beam]] = []
    for j, token, score in live:
        source = sent.beams[j]
        new_beams.append((j, _Beam(source.tokens + [token], source.cumulative + [score])))
    while len(new_beams) < beam:
        new_beams.append((0, _Beam(alive=False)))
    return new_beams
