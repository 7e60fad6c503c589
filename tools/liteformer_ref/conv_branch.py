"""The LSRA convolution branch (fairseq/lite-transformer "conv_linear" layer).

    u   = linear1(x)            then GLU when glu (Cb -> 2Cb -> Cb), else Cb -> Cb
    w   = softmax_K(weight_linear(u_t) viewed (H, K))   dynamic: one kernel per position
        = softmax_K(weight (H, 1, K))                     lightweight: one kernel for all
    y_t[c] = sum_j w[c div R, j] * u_{t+j-P}[c]           u outside [0, T) is 0
    out = linear2(y)

P = K div 2 in the encoder ("same"), K - 1 in the decoder (causal: tap K-1 is the
current token). weight_linear's output rows are head-major (row h*K + j).

Batch invariance: u is set to 0 at source pad positions *after* linear1/GLU, so
a right-padded sentence sees exactly the zeros it would see alone (fairseq zeroes
x before linear1, where the bias and GLU make pads non-zero again).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .caches import ConvCache

DYNAMIC, LIGHTWEIGHT = "dynamic", "lightweight"


class ConvBranch(nn.Module):
    def __init__(self, dim: int, heads: int, kernel_size: int, conv_type: str, glu: bool,
                 weight_softmax: bool, causal: bool, weight_dropout: float = 0.0) -> None:
        super().__init__()
        if conv_type not in (DYNAMIC, LIGHTWEIGHT):
            raise ValueError(f"unknown conv type {conv_type!r}")
        self.dim = dim
        self.heads = heads
        self.kernel_size = kernel_size
        self.conv_type = conv_type
        self.glu = glu
        self.weight_softmax = weight_softmax
        self.causal = causal
        self.weight_dropout = weight_dropout
        self.padding_left = kernel_size - 1 if causal else kernel_size // 2
        self.linear1 = nn.Linear(dim, 2 * dim if glu else dim)
        if conv_type == DYNAMIC:
            self.weight_linear = nn.Linear(dim, heads * kernel_size, bias=False)
        else:
            self.weight = nn.Parameter(torch.empty(heads, 1, kernel_size))
        self.linear2 = nn.Linear(dim, dim)

    def conv_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """u = linear1(x), then GLU: [..., Cb]."""
        u = self.linear1(x)
        return F.glu(u, dim=-1) if self.glu else u

    def kernels(self, u: torch.Tensor) -> torch.Tensor:
        """Normalised kernels: [B, T, H, K] (dynamic) or [1, 1, H, K] (lightweight)."""
        if self.conv_type == DYNAMIC:
            w = self.weight_linear(u).view(*u.shape[:-1], self.heads, self.kernel_size)
        else:
            w = self.weight.view(1, 1, self.heads, self.kernel_size)
        if self.weight_softmax:
            w = F.softmax(w.float(), dim=-1)
        return F.dropout(w, p=self.weight_dropout, training=self.training)

    def forward(self, x: torch.Tensor, padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        """x: [B, T, Cb]; padding_mask: [B, T] bool, True at pads (u is zeroed there)."""
        u = self.conv_inputs(x)
        if padding_mask is not None:
            u = u.masked_fill(padding_mask.unsqueeze(-1), 0.0)
        w = self.kernels(u)
        b, t, c = u.shape
        k = self.kernel_size
        padded = F.pad(u, (0, 0, self.padding_left, k - 1 - self.padding_left))  # [B, T+K-1, Cb]
        windows = padded.unfold(1, k, 1)  # [B, T, Cb, K]; windows[..., j] = u_{t+j-P}
        y = (windows.reshape(b, t, self.heads, c // self.heads, k) * w.unsqueeze(3)).sum(-1)
        return self.linear2(y.reshape(b, t, c))

    def step(self, x: torch.Tensor, cache: ConvCache) -> torch.Tensor:
        """One causal step for [N, 1, Cb] inputs, using and extending the buffered inputs.

        With L buffered inputs only the last L+1 taps of the (fully softmaxed)
        kernel apply: the same as zero padding before the first token.
        """
        assert self.causal, "step() is only defined for the causal (decoder) branch"
        u = self.conv_inputs(x)  # [N, 1, Cb]
        window = torch.cat([cache.inputs, u], dim=1)  # [N, L+1, Cb]
        n, span, c = window.shape
        w = self.kernels(u)[:, 0, :, self.kernel_size - span:]  # [N or 1, H, L+1]
        w = w.expand(n, self.heads, span)
        per_head = window.transpose(1, 2).reshape(n, self.heads, c // self.heads, span)
        y = (per_head * w.unsqueeze(2)).sum(-1).reshape(n, 1, c)
        cache.inputs = window[:, max(0, span - (self.kernel_size - 1)):] if self.kernel_size > 1 else window[:, :0]
        return self.linear2(y)
