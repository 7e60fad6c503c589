"""Building blocks checked against independent, literal implementations of shared/LSRA.md."""
from __future__ import annotations

import math

import torch

from liteformer_ref.attention import MultiheadAttention
from liteformer_ref.conv_branch import ConvBranch
from liteformer_ref.positions import positions_of, sinusoidal_table
from liteformer_ref.random_model import decoder_inputs, random_model, random_tokens, randomize_


def _naive_conv(branch: ConvBranch, x: torch.Tensor) -> torch.Tensor:
    """y_t[c] = sum_j w[c div R, j] * u_{t+j-P}[c], u outside [0, T) = 0, loop by loop."""
    u = branch.linear1(x)
    if branch.glu:
        cb = u.shape[-1] // 2
        u = u[..., :cb] * torch.sigmoid(u[..., cb:])
    t_len, c_len = u.shape
    k, h = branch.kernel_size, branch.heads
    r = c_len // h
    p = k - 1 if branch.causal else k // 2
    y = torch.zeros_like(u)
    for t in range(t_len):
        if branch.conv_type == "dynamic":
            logits = branch.weight_linear(u[t]).view(h, k)  # head-major rows
        else:
            logits = branch.weight.view(h, k)
        w = torch.softmax(logits, -1) if branch.weight_softmax else logits
        for c in range(c_len):
            for j in range(k):
                s = t + j - p
                if 0 <= s < t_len:
                    y[t, c] += w[c // r, j] * u[s, c]
    return branch.linear2(y)


def test_conv_branch_matches_the_equation() -> None:
    torch.manual_seed(0)
    for conv_type in ("dynamic", "lightweight"):
        for causal in (False, True):
            for glu in (True, False):
                branch = ConvBranch(8, 2, 5, conv_type, glu, True, causal)
                randomize_(branch, 3)
                x = torch.randn(6, 8)
                with torch.no_grad():
                    got = branch(x.unsqueeze(0))[0]
                    want = _naive_conv(branch, x)
                assert torch.allclose(got, want, atol=1e-5), (conv_type, causal, glu)


def test_attention_matches_torch() -> None:
    """torch's MultiheadAttention also scales q after the biased projection."""
    torch.manual_seed(0)
    ours = MultiheadAttention(16, 4)
    randomize_(ours, 2)
    ref = torch.nn.MultiheadAttention(16, 4, batch_first=True)
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        ref.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        ref.out_proj.weight.copy_(ours.out_proj.weight)
        ref.out_proj.bias.copy_(ours.out_proj.bias)
        q, kv = torch.randn(2, 3, 16), torch.randn(2, 5, 16)
        mask = torch.tensor([[False] * 5, [False, False, False, True, True]])
        want, _ = ref(q, kv, kv, key_padding_mask=mask)
        got = ours(q, kv, key_padding_mask=mask)
    assert torch.allclose(got, want, atol=1e-5)


def test_positions_formula() -> None:
    dim = 8
    table = sinusoidal_table(40, dim)
    assert torch.all(table[1] == 0)
    half = dim // 2
    for p in (2, 3, 37):
        for i in range(half):
            f = math.exp(-i * math.log(10000) / (half - 1))
            assert abs(float(table[p, i]) - math.sin(p * f)) < 1e-5
            assert abs(float(table[p, half + i]) - math.cos(p * f)) < 1e-5
    tokens = torch.tensor([[5, 6, 2, 1, 1], [7, 8, 9, 10, 2]])
    assert positions_of(tokens).tolist() == [[2, 3, 4, 1, 1], [2, 3, 4, 5, 6]]


def test_adaptive_softmax_matches_literal_definition() -> None:
    rm = random_model("lm_adaptive", seed=2)
    dec = rm.model.decoder
    prev = decoder_inputs(random_tokens([5], 64, seed=1))
    with torch.no_grad():
        h = dec.features(prev, None)[0]
        got = rm.model(None, prev)[0]
        emb = dec.embed_tokens.embeddings
        e0 = emb[0][0].weight
        head = torch.log_softmax(torch.cat([h @ e0.t(), h @ dec.adaptive_softmax.head.class_proj.weight.t()], -1), -1)
        parts = [head[:, :20]]
        for i, band in enumerate((1, 2)):
            e, w = emb[band][0].weight, emb[band][1].weight
            parts.append(torch.log_softmax((h @ w) @ e.t(), -1) + head[:, 20 + i:21 + i])
        want = torch.cat(parts, -1)
    assert torch.allclose(got, want, atol=1e-5)


def test_adaptive_input_bands() -> None:
    rm = random_model("lm_adaptive", seed=2)
    emb = rm.model.decoder.embed_tokens
    tokens = torch.tensor([[3, 19, 20, 39, 40, 63]])
    with torch.no_grad():
        got = emb(tokens)[0]
        for col, (tok, band, start) in enumerate([(3, 0, 0), (19, 0, 0), (20, 1, 20), (39, 1, 20), (40, 2, 40),
                                                  (63, 2, 40)]):
            e, w = emb.embeddings[band][0].weight, emb.embeddings[band][1].weight
            assert torch.allclose(got[col], w @ e[tok - start], atol=1e-6)


def test_padding_quirk_is_avoided() -> None:
    """Masking u after linear1/GLU: a padded sentence equals its unpadded self (fairseq's pre-linear1 mask would not)."""
    rm = random_model("lsra_dynamic_shared", seed=4)
    enc = rm.model.encoder
    src = random_tokens([4, 9], 40, seed=8)
    with torch.no_grad():
        batched = enc(src).encoder_out[0, :4]
        alone = enc(src[:1, :4]).encoder_out[0]
    assert float((batched - alone).abs().max()) <= 1e-5
