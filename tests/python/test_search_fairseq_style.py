"""Cross-check beam_search against an independent, tensor-style transcription of the
fairseq SequenceGenerator loop (batched [bsz*beam] buffers, topk over beam*V, active
hypotheses picked with the `eos_mask * cand_size + offset` trick, no batch shrinking).

Random continuous log-probs make ties practically impossible, so torch.topk's
unspecified tie order does not matter here.
"""
from __future__ import annotations

import math

import pytest
import torch

from liteformer_ref.search import SearchOptions, beam_search
from search_fakes import EOS, PAD, FunctionDecoder, for_search, random_model


def fairseq_style(fn, vocab: int, bsz: int, beam: int, max_len: int, min_len: int, lenpen: float, ngram: int):
    dec = FunctionDecoder(fn, [[] for _ in range(bsz * beam)], vocab)
    tokens = torch.full((bsz * beam, max_len + 2), PAD, dtype=torch.long)
    tokens[:, 0] = EOS
    scores = torch.zeros(bsz * beam, max_len + 1)
    finalized: list[list[tuple[list[int], float]]] = [[] for _ in range(bsz)]
    finished = [False] * bsz
    cand_size = 2 * beam
    bbsz_offsets = (torch.arange(bsz) * beam).unsqueeze(1)
    cand_offsets = torch.arange(cand_size)
    for step in range(max_len + 1):
        if step > 0:
            dec.reorder(reorder)
        lprobs = dec.step(tokens[:, step]).clone()
        lprobs[:, PAD] = -math.inf
        if step >= max_len:
            lprobs[:, :EOS] = -math.inf
            lprobs[:, EOS + 1:] = -math.inf
        elif step < min_len:
            lprobs[:, EOS] = -math.inf
        if ngram > 0 and step + 2 - ngram >= 0 and step < max_len:
            for r in range(bsz * beam):
                seq = tokens[r, :step + 1].tolist()
                grams: dict[tuple, list[int]] = {}
                for i in range(len(seq) - ngram + 1):
                    grams.setdefault(tuple(seq[i:i + ngram - 1]), []).append(seq[i + ngram - 1])
                for t in grams.get(tuple(seq[step + 2 - ngram:step + 1]), []):
                    lprobs[r, t] = -math.inf
        lp = lprobs.view(bsz, beam, vocab)
        if step == 0:
            lp = lp[:, ::beam, :]
        else:
            lp = lp + scores[:, step - 1].view(bsz, beam, 1)
        flat = lp.reshape(bsz, -1)
        cand_scores, cand_idx = torch.topk(flat, k=min(2 * beam, flat.size(1) - 1))
        cand_beams, cand_tokens = cand_idx // vocab, cand_idx % vocab
        cand_bbsz = cand_beams + bbsz_offsets
        eos_mask = cand_tokens.eq(EOS) & cand_scores.ne(-math.inf)
        for s in range(bsz):
            if finished[s]:
                continue
            for c in range(beam):
                if eos_mask[s, c] and len(finalized[s]) < beam:
                    r = int(cand_bbsz[s, c])
                    toks = tokens[r, 1:step + 1].tolist() + [EOS]
                    finalized[s].append((toks, float(cand_scores[s, c] / (step + 1) ** lenpen)))
            if len(finalized[s]) == beam or step == max_len:
                finished[s] = True
        if all(finished):
            break
        active_mask = eos_mask.long() * cand_size + cand_offsets[:eos_mask.size(1)]
        _, active_hypos = torch.topk(active_mask, k=beam, dim=1, largest=False)
        active_bbsz = torch.gather(cand_bbsz, 1, active_hypos).view(-1)
        tokens[:, :step + 1] = tokens[active_bbsz, :step + 1]
        tokens[:, step + 1] = torch.gather(cand_tokens, 1, active_hypos).view(-1)
        scores[:, :step] = scores[active_bbsz, :step]
        scores[:, step] = torch.gather(cand_scores, 1, active_hypos).view(-1)
        reorder = active_bbsz
    return [sorted(f, key=lambda h: h[1], reverse=True) for f in finalized]


@pytest.mark.parametrize("case", range(24))
def test_matches_fairseq_style_loop(case):
    vocab = [9, 13, 30][case % 3]
    beam = [2, 3, 4, 5][case % 4]
    bsz = 1 + case % 3
    max_len = [4, 7, 11][case % 3]
    min_len, lenpen, ngram = case % 3, [1.0, 0.6, 2.0, 0.0][case % 4], [0, 2, 3][case % 3]
    fn = random_model(vocab, 100 + case, sharpness=[1.0, 2.5][case % 2])
    expected = fairseq_style(fn, vocab, bsz, beam, max_len, min_len, lenpen, ngram)
    history = [[EOS]] * bsz
    options = SearchOptions(beam_size=beam, nbest=beam, length_penalty=lenpen, min_len=min_len,
                            no_repeat_ngram_size=ngram)
    # a batch of identical sentences: same model, so every sentence must give the same list
    got = beam_search(for_search(fn, history, beam, vocab), history, [max_len] * bsz, options)
    for s in range(bsz):
        assert [h.tokens for h in got[s]] == [t for t, _ in expected[s]]
        assert [h.score for h in got[s]] == pytest.approx([sc for _, sc in expected[s]], abs=1e-6)
