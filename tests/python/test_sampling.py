"""Sampling (SplitMix64-driven, bit-reproducible) and teacher-forced scoring tests."""
from __future__ import annotations

import math

import pytest
import torch

from liteformer_ref.search import Hypothesis, SearchOptions, SplitMix64, greedy_search, sample, score_targets
from liteformer_ref.search.sampling import choose, sampling_distribution
from search_fakes import A, B, C, EOS, PAD, for_search, random_model

VOCAB = 12


def hand_rolled_splitmix(seed: int, n: int) -> list[int]:
    """Independent transcription of the published SplitMix64 constants."""
    m = 2**64
    out, state = [], seed
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) % m
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % m
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % m
        out.append(z ^ (z >> 31))
    return out


def test_splitmix64_values():
    rng = SplitMix64(0)
    first = [rng.next_u64() for _ in range(3)]
    assert first[0] == 0xE220A8397B1DCDAF
    assert first == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]
    for seed in (1, 42, 2**64 - 1):
        rng = SplitMix64(seed)
        assert [rng.next_u64() for _ in range(5)] == hand_rolled_splitmix(seed, 5)
    u = SplitMix64(0).uniform()
    assert u == (0xE220A8397B1DCDAF >> 11) / 2**53 and 0.0 <= u < 1.0


def lp_row(probs: dict[int, float], vocab: int = 8) -> torch.Tensor:
    row = torch.full((vocab,), float("-inf"))
    for t, p in probs.items():
        row[t] = math.log(p)
    return row


def test_distribution_and_choice_by_hand():
    # candidates ordered by p desc, ties by id: C .5, A .2, B .2 -> p relative to max: 1, .4, .4
    row = lp_row({A: 0.2, B: 0.2, C: 0.5})
    ids, running = sampling_distribution(row, top_k=0, top_p=1.0, temperature=1.0)
    assert ids == [C, A, B]
    assert running == pytest.approx([1.0, 1.4, 1.8])
    # u*1.8: 0.5*1.8=0.9 < 1.0 -> C;  0.6*1.8=1.08 -> A;  0.99*1.8=1.782 -> B
    assert [choose(ids, running, u) for u in (0.0, 0.5, 0.6, 0.99)] == [C, C, A, B]
    # top_k 2 drops B; top_p 0.7: 1.0/1.8=0.56 < 0.7, 1.4/1.8=0.78 >= 0.7 -> keep C, A
    assert sampling_distribution(row, 2, 1.0, 1.0)[0] == [C, A]
    assert sampling_distribution(row, 0, 0.7, 1.0)[0] == [C, A]
    assert sampling_distribution(row, 0, 0.5, 1.0)[0] == [C]
    # temperature 2: p^(1/2) relative: 1, sqrt(.4)=0.632, 0.632
    assert sampling_distribution(row, 0, 1.0, 2.0)[1] == pytest.approx([1.0, 1.632456, 2.264911], abs=1e-6)
    assert sampling_distribution(lp_row({}), 0, 1.0, 1.0) == ([], [])


def key(h: Hypothesis) -> tuple:
    """Everything a hypothesis holds, for exact comparisons."""
    return h.tokens, h.score, h.token_scores


def run_sample(history, max_len, seeds, salt=0, **opts):
    options = SearchOptions(sampling=True, **opts)
    fn = random_model(VOCAB, salt, sharpness=0.7)  # flat-ish: many plausible tokens
    return sample(for_search(fn, history, 1, VOCAB), history, max_len, options, seeds)


def test_same_seed_same_output_and_seeds_differ():
    history = [[EOS]]
    outs = [run_sample(history, [15], [seed])[0] for seed in range(6)]
    again = [run_sample(history, [15], [seed])[0] for seed in range(6)]
    assert [key(h) for h in outs] == [key(h) for h in again]
    assert len({tuple(h.tokens) for h in outs}) > 1
    for h in outs:
        assert h.tokens[-1] == EOS and PAD not in h.tokens and len(h.tokens) <= 16


def test_sampling_batch_invariant():
    history = [[EOS], [EOS, 5, 6], [EOS]]
    batch = run_sample(history, [10, 4, 7], [11, 12, 13], min_len=2, no_repeat_ngram_size=2)
    for s, (h, m, seed) in enumerate(zip(history, [10, 4, 7], [11, 12, 13])):
        [alone] = run_sample([h], [m], [seed], min_len=2, no_repeat_ngram_size=2)
        assert key(alone) == key(batch[s])


@pytest.mark.parametrize("opts", [dict(top_k=1), dict(top_p=1e-9), dict(top_k=1, temperature=3.0)])
def test_degenerate_sampling_is_greedy(opts):
    # token scores stay the untempered model log-probs, so even temperature 3 equals greedy exactly
    history = [[EOS], [EOS, 4]]
    fn = random_model(VOCAB, 3, sharpness=0.7)
    options = SearchOptions(sampling=True, length_penalty=0.6, min_len=1, **opts)
    sampled = sample(for_search(fn, history, 1, VOCAB), history, [12, 12], options, [5, 6])
    greedy = greedy_search(for_search(fn, history, 1, VOCAB), history, [12, 12], options)
    for x, y in zip(sampled, greedy):
        assert key(x) == key(y)


def test_sampling_respects_bans():
    # min_len 3, max_len 3: exactly four tokens ending in </s>, no </s> or pad before
    for seed in range(5):
        [h] = run_sample([[EOS]], [3], [seed], min_len=3)
        assert len(h.tokens) == 4 and h.tokens[-1] == EOS and EOS not in h.tokens[:-1] and PAD not in h.tokens


def test_score_targets_by_hand():
    # one row, T=2 (second row length 1): p(A)=0.5 then p(</s>)=0.25
    lp = torch.log(torch.tensor([[[0.1, 0.1, 0.3, 0.0, 0.5], [0.25, 0.25, 0.25, 0.0, 0.25]],
                                 [[0.2, 0.2, 0.2, 0.2, 0.2], [0.2, 0.2, 0.2, 0.2, 0.2]]]))
    targets = torch.tensor([[4, 2], [2, 1]])
    r0, r1 = score_targets(lp, targets, [2, 1])
    assert r0.token_scores == pytest.approx([math.log(0.5), math.log(0.25)])
    assert r0.log_prob == pytest.approx(math.log(0.125)) and r0.num_tokens == 2
    assert r0.perplexity == pytest.approx(math.sqrt(8.0))  # exp(-ln(1/8)/2)
    assert r1.num_tokens == 1 and r1.perplexity == pytest.approx(5.0)
    with pytest.raises(ValueError):
        score_targets(lp, targets, [3, 1])
