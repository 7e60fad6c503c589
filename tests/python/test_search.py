"""Hand-checked tests of the reference search algorithms (liteformer_ref.search).

Vocabulary of every hand case (search_fakes): 0 <s>, 1 <pad>, 2 </s>, 3 <unk>,
4 A, 5 B, 6 C, 7 D.  A probability table gives p(next | row history); tokens not
listed share the remaining mass equally.  Numbers in comments are ln(p).
"""
from __future__ import annotations

import math

import pytest
import torch

from liteformer_ref.search import (
    Hypothesis,
    SearchOptions,
    beam_search,
    greedy_search,
    max_len_for_source,
)
from search_fakes import A, B, BOS, C, D, EOS, UNK, V, for_search, logprob_table, prob_table, random_model

L = math.log

# T1: greedy takes A (0.5) then C, but "B </s>" is the better hypothesis.
T1 = {
    (EOS,): {A: 0.5, B: 0.4},  # others 0.1/6 each (</s> too)
    (EOS, A): {C: 0.4, D: 0.3, EOS: 0.2},  # others 0.02
    (EOS, B): {EOS: 0.9},  # others 0.1/7
    (EOS, A, C): {EOS: 0.9},
    (EOS, A, D): {EOS: 0.5},
}
DEFAULT = {EOS: 0.5}  # others 0.5/7


def run_beam(table, history, max_len, **opts) -> list[list[Hypothesis]]:
    options = SearchOptions(**opts)
    dec = for_search(prob_table(table, DEFAULT), history, options.beam_size)
    return beam_search(dec, history, max_len, options)


def run_greedy(fn, history, max_len, **opts) -> list[Hypothesis]:
    options = SearchOptions(**opts)
    return greedy_search(for_search(fn, history, 1), history, max_len, options)


def assert_hyp(h: Hypothesis, tokens: list[int], token_lps: list[float], lenpen: float) -> None:
    assert h.tokens == tokens
    assert h.token_scores == pytest.approx(token_lps, abs=1e-5)
    assert h.score == pytest.approx(sum(token_lps) / len(tokens) ** lenpen, abs=1e-5)


def assert_same(x: Hypothesis, y: Hypothesis) -> None:
    """Bit-identical hypotheses (what the C++ engine must achieve against this reference)."""
    assert (x.tokens, x.score, x.token_scores) == (y.tokens, y.score, y.token_scores)


# ---------------------------------------------------------------- beam search, hand-checked


def test_beam_beats_greedy_and_eos_finishes_early():
    # step 0 (</s> banned by min_len=1): A -0.693, B -0.916                 -> beams A, B
    # step 1: B</s> -0.916-0.105=-1.022 | AC -0.693-0.916=-1.609 | AD -1.897 | A</s> -2.303
    #         first 2 candidates: B</s> finalized (score -1.022/2=-0.511); live AC, AD
    # step 2: AC</s> -1.609-0.105=-1.715 | AD</s> -1.897-0.693=-2.590: both in the first 2,
    #         AC</s> finalized (2nd hypothesis, -1.715/3=-0.572), AD</s> dropped (list full)
    [[best]] = run_beam(T1, [[EOS]], [10], beam_size=2)
    assert_hyp(best, [B, EOS], [L(0.4), L(0.9)], 1.0)
    # greedy: A (0.5), C (0.4), </s> (0.9)
    [g] = run_greedy(prob_table(T1, DEFAULT), [[EOS]], [10])
    assert_hyp(g, [A, C, EOS], [L(0.5), L(0.4), L(0.9)], 1.0)
    assert g.score < best.score


def test_nbest_two_sorted_by_score():
    hyps = run_beam(T1, [[EOS]], [10], beam_size=2, nbest=2)[0]
    assert [h.tokens for h in hyps] == [[B, EOS], [A, C, EOS]]
    assert_hyp(hyps[1], [A, C, EOS], [L(0.5), L(0.4), L(0.9)], 1.0)  # -0.572 < -0.511


def test_length_penalty_changes_the_winner():
    # same search (lenpen only rescales finished hypotheses): B</s> sum -1.022 (len 2),
    # AC</s> sum -1.715 (len 3).  lenpen 0: -1.022 > -1.715.  lenpen 2: -1.022/4=-0.255 < -1.715/9=-0.191
    [[h0]] = run_beam(T1, [[EOS]], [10], beam_size=2, length_penalty=0.0)
    assert_hyp(h0, [B, EOS], [L(0.4), L(0.9)], 0.0)
    [[h2]] = run_beam(T1, [[EOS]], [10], beam_size=2, length_penalty=2.0)
    assert_hyp(h2, [A, C, EOS], [L(0.5), L(0.4), L(0.9)], 2.0)


def test_min_len_bans_eos():
    # min_len 2: step 1 bans </s>, so B</s> is impossible; live AC (-1.609), AD (-1.897)
    # step 2: AC</s> -1.715 (/3 = -0.572), AD</s> -2.590 (/3 = -0.863), both finalized
    hyps = run_beam(T1, [[EOS]], [10], beam_size=2, nbest=2, min_len=2)[0]
    assert_hyp(hyps[0], [A, C, EOS], [L(0.5), L(0.4), L(0.9)], 1.0)
    assert_hyp(hyps[1], [A, D, EOS], [L(0.5), L(0.3), L(0.5)], 1.0)


def test_max_len_forces_eos():
    # max_len 1: step 1 allows only </s>: B</s> -1.022 (/2=-0.511), A</s> -0.693-1.609=-2.303 (/2=-1.151)
    hyps = run_beam(T1, [[EOS]], [1], beam_size=2, nbest=2)[0]
    assert_hyp(hyps[0], [B, EOS], [L(0.4), L(0.9)], 1.0)
    assert_hyp(hyps[1], [A, EOS], [L(0.5), L(0.2)], 1.0)
    # max_len 0 beats min_len 1: the only hypothesis is "</s>" with p = 0.1/6
    [[h]] = run_beam(T1, [[EOS]], [0], beam_size=2)
    assert_hyp(h, [EOS], [L(0.1 / 6)], 1.0)


def test_at_most_max_len_plus_one_tokens():
    fn = prob_table({}, {A: 0.9})  # never wants to stop
    [[h]] = beam_search(for_search(fn, [[EOS]], 1), [[EOS]], [4], SearchOptions(beam_size=1))
    assert h.tokens == [A, A, A, A, EOS]
    hyps = beam_search(for_search(fn, [[EOS]], 3), [[EOS]], [4], SearchOptions(beam_size=3, nbest=3))[0]
    assert all(len(h.tokens) <= 5 for h in hyps) and len(hyps) == 3


def test_step0_expands_only_first_beam():
    # min_len 0.  step 0 (beam 0 only): </s> -0.511 finalized; A -1.204; then <s>, <unk>, B, C, D
    # tie at ln(0.1/6) -> lowest id <s> is the 2nd live beam.  Expanding both identical beams
    # would have finalized "</s>" twice.
    # step 1: A</s> -1.204-0.693=-1.897 first -> finalized (/2 = -0.949); sentence done.
    table = {(EOS,): {EOS: 0.6, A: 0.3}}
    hyps = run_beam(table, [[EOS]], [10], beam_size=2, nbest=2, min_len=0)[0]
    assert_hyp(hyps[0], [EOS], [L(0.6)], 1.0)
    assert_hyp(hyps[1], [A, EOS], [L(0.3), L(0.5)], 1.0)


def test_ties_prefer_lower_flat_index():
    # step 0: A and B tie (0.4): A (lower id) becomes beam 0, B beam 1.
    # step 1: AC and BC tie (same float32 sums): AC first (flat 0*V+C < 1*V+C)
    # step 2: AC</s> and BC</s> tie, finalized in that order; the stable final sort keeps it.
    table = {(EOS,): {A: 0.4, B: 0.4}, (EOS, A): {C: 0.5}, (EOS, B): {C: 0.5},
             (EOS, A, C): {EOS: 0.9}, (EOS, B, C): {EOS: 0.9}}
    hyps = run_beam(table, [[EOS]], [10], beam_size=2, nbest=2)[0]
    assert [h.tokens for h in hyps] == [[A, C, EOS], [B, C, EOS]]
    assert hyps[0].score == hyps[1].score
    [g] = run_greedy(prob_table(table, DEFAULT), [[EOS]], [10])
    assert g.tokens == [A, C, EOS]


def test_no_repeat_ngram_bigram_ban():
    # without the ban: A B A B </s>.  With n=2, after "</s> A B A" the bigram (A, B) exists -> B banned,
    # C (0.3) chosen, then </s>.
    table = {(EOS,): {A: 0.9}, (EOS, A): {B: 0.9}, (EOS, A, B): {A: 0.9},
             (EOS, A, B, A): {B: 0.6, C: 0.3}, (EOS, A, B, A, C): {EOS: 0.9}, (EOS, A, B, A, B): {EOS: 0.9}}
    fn = prob_table(table, DEFAULT)
    [free] = run_greedy(fn, [[EOS]], [10])
    assert free.tokens == [A, B, A, B, EOS]
    [g] = run_greedy(fn, [[EOS]], [10], no_repeat_ngram_size=2)
    assert_hyp(g, [A, B, A, C, EOS], [L(0.9), L(0.9), L(0.9), L(0.3), L(0.9)], 1.0)
    [[b]] = beam_search(for_search(fn, [[EOS]], 2), [[EOS]], [10], SearchOptions(beam_size=2, no_repeat_ngram_size=2))
    assert b.tokens == [A, B, A, C, EOS]


def test_no_repeat_ngram_sees_the_prompt():
    # LM prompt "A B" (history </s> A B): the model wants A then B, but (A, B) is in the prompt.
    table = {(EOS, A, B): {A: 0.9}, (EOS, A, B, A): {B: 0.6, C: 0.3}, (EOS, A, B, A, C): {EOS: 0.9}}
    [g] = run_greedy(prob_table(table, DEFAULT), [[EOS, A, B]], [10], no_repeat_ngram_size=2)
    assert_hyp(g, [A, C, EOS], [L(0.9), L(0.3), L(0.9)], 1.0)


def test_no_repeat_unigram_bans_the_start_eos_until_max_len():
    # n=1 bans every token already present, including the start </s>: the default model
    # (</s> 0.5, others 0.5/7 tied) walks <s>, <unk>, A by lowest id, then max_len=3 forces </s>.
    [g] = run_greedy(prob_table({}, DEFAULT), [[EOS]], [3], no_repeat_ngram_size=1, min_len=0)
    assert_hyp(g, [BOS, UNK, A, EOS], [L(0.5 / 7)] * 3 + [L(0.5)], 1.0)


def test_batch_with_different_max_len_equals_alone():
    history = [[EOS], [EOS, A], [EOS]]
    max_len = [10, 1, 2]
    opts = dict(beam_size=2, nbest=2)
    batch = run_beam(T1, history, max_len, **opts)
    for s in range(3):
        alone = run_beam(T1, [history[s]], [max_len[s]], **opts)[0]
        assert len(alone) == len(batch[s])
        for x, y in zip(alone, batch[s]):
            assert_same(x, y)


@pytest.mark.parametrize("salt", range(6))
def test_random_batch_invariance(salt):
    fn = random_model(11, salt, sharpness=1.5)
    history = [[EOS], [EOS, 5, 6], [EOS, 7], [EOS]]
    max_len = [6, 3, 8, 0]
    options = SearchOptions(beam_size=3, nbest=3, length_penalty=0.6, no_repeat_ngram_size=2, min_len=2)
    batch = beam_search(for_search(fn, history, 3, 11), history, max_len, options)
    for s in range(len(history)):
        alone = beam_search(for_search(fn, [history[s]], 3, 11), [history[s]], [max_len[s]], options)[0]
        # max_len 0: step 0 expands only beam 0, so there is a single hypothesis "</s>"
        assert len(alone) == len(batch[s]) == (3 if max_len[s] > 0 else 1)
        for x, y in zip(alone, batch[s]):
            assert_same(x, y)
            assert len(x.tokens) <= max_len[s] + 1 and x.tokens[-1] == EOS
            assert len(x.tokens) >= min(options.min_len, max_len[s]) + 1


# ---------------------------------------------------------------- greedy == beam 1


@pytest.mark.parametrize("salt", range(8))
def test_greedy_equals_beam_one(salt):
    fn = random_model(9, salt, sharpness=1.0 + salt % 3)
    history = [[EOS], [EOS, 4], [EOS, 6, 7, 8]]
    max_len = [12, 5, 9]
    opts = dict(beam_size=1, length_penalty=[1.0, 0.6, 2.0][salt % 3], min_len=salt % 4,
                no_repeat_ngram_size=[0, 2, 3][salt % 3])
    options = SearchOptions(**opts)
    greedy = greedy_search(for_search(fn, history, 1, 9), history, max_len, options)
    beam = beam_search(for_search(fn, history, 1, 9), history, max_len, options)
    for g, [b] in zip(greedy, beam):
        assert_same(g, b)


def test_greedy_breaks_float32_ties_like_beam():
    # step 0: A with ln p = -20.  Step 1: B -1.0000005 and C -1.0 differ as float32, but
    # -20 + each rounds to the same float32 (-21.0, spacing 1.9e-6 there), so beam search
    # sees a tie and takes the lower id B; greedy must do the same.
    fn = logprob_table({(EOS,): {A: -20.0}, (EOS, A): {B: -1.0000005, C: -1.0}, (EOS, A, B): {EOS: -0.1}})
    [g] = run_greedy(fn, [[EOS]], [5])
    [[b]] = beam_search(for_search(fn, [[EOS]], 1), [[EOS]], [5], SearchOptions(beam_size=1))
    assert g.tokens == [A, B, EOS]
    assert_same(g, b)


# ---------------------------------------------------------------- dead beams, options, max_len


def test_everything_banned_gives_no_hypothesis():
    # vocab of 4 (<s> <pad> </s> <unk>), n=1, min_len high, max_len 5: step 0 bans </s> and pad;
    # <s> then <unk> are used up; at step 2 nothing is allowed -> no hypothesis at all.
    fn = lambda h: torch.log_softmax(torch.zeros(4), 0)  # noqa: E731
    options = SearchOptions(beam_size=2, min_len=9, no_repeat_ngram_size=1)
    assert beam_search(for_search(fn, [[EOS]], 2, 4), [[EOS]], [5], options) == [[]]
    [g] = greedy_search(for_search(fn, [[EOS]], 1, 4), [[EOS]], [5], options)
    assert g.tokens == [] and g.score == float("-inf")


def test_options_validation():
    with pytest.raises(ValueError, match="nbest"):
        SearchOptions(beam_size=2, nbest=3).validate()
    with pytest.raises(ValueError, match="top_p"):
        SearchOptions(top_p=0.0).validate()
    with pytest.raises(ValueError, match="temperature"):
        SearchOptions(temperature=0.0).validate()
    for lenpen in (3e38, -10.5, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"length_penalty must be in \[-10, 10\]"):
            SearchOptions(length_penalty=lenpen).validate()
    SearchOptions(length_penalty=-10.0).validate()
    SearchOptions().validate()


def test_max_len_for_source():
    assert max_len_for_source(7, SearchOptions(), 1024) == 200
    assert max_len_for_source(7, SearchOptions(max_len_a=1.2, max_len_b=10), 1024) == 18  # int(18.4)
    assert max_len_for_source(7, SearchOptions(max_len_b=5000), 1024) == 1023


# ---------------------------------------------------------------- building blocks


def test_banned_ngram_tokens():
    from liteformer_ref.search.ngram import banned_ngram_tokens

    seq = [EOS, A, B, C, A, B]
    assert banned_ngram_tokens(seq, 3) == [C]  # context (A, B) was followed by C
    assert banned_ngram_tokens(seq, 2) == [C]  # context (B,) was followed by C
    assert banned_ngram_tokens(seq + [A], 2) == [B]
    assert banned_ngram_tokens(seq, 1) == [EOS, A, B, C]  # n = 1: everything present, the start </s> too
    assert banned_ngram_tokens([EOS], 3) == [] and banned_ngram_tokens(seq, 0) == []


def test_normalized_score_is_fairseq_float32_division():
    from liteformer_ref.search.hypothesis import normalized_score

    values = torch.randn(500, generator=torch.Generator().manual_seed(1)) * 20
    for length, lenpen in [(3, 0.6), (7, 2.0), (11, 0.6), (5, 1.0)]:
        expected = values / (length ** lenpen)  # what fairseq's `eos_scores /= (step + 1) ** len_penalty` does
        assert [normalized_score(float(v), length, lenpen) for v in values] == expected.tolist()


def test_bans_order():
    from liteformer_ref.search.bans import apply_bans

    row = torch.log(torch.full((V,), 1.0 / V))
    row[C] = float("nan")
    out = apply_bans(row, step=0, max_len=5, min_len=1, no_repeat_ngram_size=2, sequence=[EOS, A, B, A],
                     eos=EOS, pad=1)
    assert [t for t in range(V) if out[t] == float("-inf")] == [1, EOS, B, C]  # pad, min_len, (A,B) bigram, NaN
    forced = apply_bans(row, step=5, max_len=5, min_len=9, no_repeat_ngram_size=1, sequence=[EOS],
                        eos=EOS, pad=1)
    assert [t for t in range(V) if forced[t] != float("-inf")] == [EOS]  # max_len wins over min_len and n-grams
    assert forced[EOS] == row[EOS]
