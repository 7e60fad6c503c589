"""The reference model's core promises, for every variant:
incremental == teacher-forced, batch invariance, normalised outputs, reorder semantics."""
from __future__ import annotations

import pytest
import torch

from liteformer_ref.dictionary import EOS, PAD
from liteformer_ref.random_model import VARIANTS, RandomModel, decoder_inputs, random_model, random_tokens
from liteformer_ref.tensor_layout import expected_tensor_shapes, tied_aliases

TOL = 1e-5
SRC_LENGTHS = [7, 3, 5]
TGT_LENGTHS = [4, 6, 2]


@pytest.fixture(scope="module", params=VARIANTS)
def rm(request: pytest.FixtureRequest) -> RandomModel:
    return random_model(request.param, seed=11)


def _batch(rm: RandomModel) -> tuple[torch.Tensor | None, torch.Tensor]:
    c = rm.config
    src = None if c.is_language_model else random_tokens(SRC_LENGTHS, c.vocab.source_size or 0, seed=3)
    prev = decoder_inputs(random_tokens(TGT_LENGTHS, c.vocab.target_size, seed=4))
    return src, prev


def _row(src: torch.Tensor | None, b: int) -> torch.Tensor | None:
    if src is None:
        return None
    return src[b:b + 1, :int(src[b].ne(PAD).sum())]


def test_state_dict_names_are_fairseq_layout(rm: RandomModel) -> None:
    state = rm.model.state_dict()
    expected = expected_tensor_shapes(rm.config)
    assert set(state) == set(expected) | set(tied_aliases(rm.config))
    for name, shape in expected.items():
        assert tuple(state[name].shape) == shape, name


def test_output_is_normalised(rm: RandomModel) -> None:
    src, prev = _batch(rm)
    with torch.no_grad():
        lp = rm.model(src, prev)
    assert lp.dtype == torch.float32 and lp.shape == (3, prev.shape[1], rm.config.vocab.target_size)
    assert float(torch.logsumexp(lp, -1).abs().max()) < 1e-5


def test_logits_agree_with_log_probs(rm: RandomModel) -> None:
    src, prev = _batch(rm)
    if rm.config.adaptive_input is not None:
        with pytest.raises(ValueError):
            rm.model.logits(src, prev)
        return
    with torch.no_grad():
        logits = rm.model.logits(src, prev)
        lp = rm.model(src, prev)
    assert torch.allclose(torch.log_softmax(logits, -1), lp, atol=1e-6)


def test_batch_invariance(rm: RandomModel) -> None:
    """A sentence's outputs do not depend on its (differently padded) batch-mates."""
    src, prev = _batch(rm)
    with torch.no_grad():
        batched = rm.model(src, prev)
        for b, n in enumerate(TGT_LENGTHS):
            alone = rm.model(_row(src, b), prev[b:b + 1, :n])
            assert float((alone[0] - batched[b, :n]).abs().max()) <= TOL


def test_incremental_equals_full_pass(rm: RandomModel) -> None:
    src, prev = _batch(rm)
    with torch.no_grad():
        full = rm.model(src, prev)
    dec = rm.model.step_decoder(src, repeat=1, rows=3 if src is None else None)
    assert dec.vocab_size == rm.config.vocab.target_size
    for t in range(prev.shape[1]):
        step = dec.step(prev[:, t])
        for b, n in enumerate(TGT_LENGTHS):
            if t < n:
                assert float((step[b] - full[b, t]).abs().max()) <= TOL, (b, t)


def test_reorder_follows_rows_and_sources(rm: RandomModel) -> None:
    """After reorders that drop and repeat rows, each row equals a full pass over its own history."""
    src, _ = _batch(rm)
    repeat = 2
    n_rows = 3 * repeat
    dec = rm.model.step_decoder(src, repeat=repeat, rows=n_rows if src is None else None)
    g = torch.Generator().manual_seed(5)
    histories = [[EOS] for _ in range(n_rows)]
    sentence = [r // repeat for r in range(n_rows)]
    tokens = torch.full((n_rows,), EOS, dtype=torch.long)
    plans = [None, torch.tensor([1, 1, 0, 4, 5, 2]), torch.tensor([5, 0, 3, 3]), None, torch.tensor([2, 0, 1])]
    for plan in plans:
        if plan is not None:
            dec.reorder(plan)
            histories = [list(histories[i]) for i in plan.tolist()]
            sentence = [sentence[i] for i in plan.tolist()]
            tokens = tokens[plan]
        out = dec.step(tokens)
        assert out.shape == (len(histories), dec.vocab_size)
        with torch.no_grad():
            for r, hist in enumerate(histories):
                full = rm.model(_row(src, sentence[r]), torch.tensor([hist]))
                assert float((out[r] - full[0, -1]).abs().max()) <= TOL, r
        tokens = torch.randint(4, dec.vocab_size, (len(histories),), generator=g)
        for r, hist in enumerate(histories):
            hist.append(int(tokens[r]))


def test_dropout_only_in_training() -> None:
    from liteformer_ref.config import DropoutConfig
    from liteformer_ref.model import build_model
    from liteformer_ref.random_model import randomize_, variant_config

    config = variant_config("lsra_dynamic_shared")
    model = build_model(config, DropoutConfig(dropout=0.3, attention_dropout=0.2, activation_dropout=0.1,
                                              weight_dropout=0.1))
    randomize_(model, 1)
    src = random_tokens([5, 4], 40, seed=1)
    prev = decoder_inputs(random_tokens([3, 4], 40, seed=2))
    model.eval()
    with torch.no_grad():
        assert torch.equal(model(src, prev), model(src, prev))
    model.train()
    torch.manual_seed(0)
    a = model(src, prev)
    b = model(src, prev)
    assert not torch.allclose(a, b)
    a.sum().backward()  # trainable: gradients flow through every branch
    assert model.encoder.layers[0].self_attn.branches[1].weight_linear.weight.grad is not None
