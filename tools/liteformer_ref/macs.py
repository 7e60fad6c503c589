"""Multiply-add and parameter counts, in the convention of the Lite Transformer paper.

Convention (reproduces the published 90M / 360M / 527M for WMT C = 200 / 408 / 496
at 30 source and 30 target tokens, batch 1, to within 0.2%):
  * every linear layer counts in_features * out_features per token it is applied to
    (q/k/v/out projections, linear1 incl. the GLU's doubled width, weight_linear, linear2,
    fc1, fc2); biases, LayerNorm, softmax, GLU gating and residual adds are free;
  * attention: scores and value products count query_len * key_len * width each;
    decoder self-attention is teacher-forced and causal: query t sees t+1 keys, so
    sum_t (t+1) = T(T+1)/2 keys in total;
  * encoder-decoder attention: q and out projections per target token, k and v
    projections once per *source* token (computed once per sentence), scores and
    values T * S * C each;
  * the convolution costs T * Cb * K (each output channel sums K taps);
  * embeddings, positions and the vocabulary projection are left out; the
    `include_output_projection` variant adds T * C * V (or, for an adaptive softmax,
    the head plus every tail band).
No factor was ambiguous: this literal reading gives 90.14M / 359.55M / 527.45M.
The FFN width comes from config.json's ffn_dim (F = C in the published models).

Parameters: "non-embedding" excludes token embeddings, embed_out and the adaptive
input/softmax tensors (all vocabulary-sized or vocabulary-tied); published 2.88M /
11.74M / 17.28M for C = 200 / 408 / 496.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .config import ConvConfig, ModelConfig, StackConfig, VocabConfig
from .tensor_layout import expected_tensor_shapes


@dataclass
class MacCount:
    encoder: int
    decoder: int
    output_projection: int

    @property
    def total(self) -> int:
        """Encoder + decoder, without the vocabulary projection (the published convention)."""
        return self.encoder + self.decoder

    @property
    def total_with_output_projection(self) -> int:
        return self.total + self.output_projection


def _self_attention_macs(stack: StackConfig, layer: int, length: int, causal: bool) -> int:
    keys_seen = length * (length + 1) // 2 if causal else length * length
    if stack.self_attention == "multihead":
        c = stack.embed_dim
        return 4 * length * c * c + 2 * keys_seen * c
    assert stack.conv is not None
    cb, conv, k = stack.branch_dim, stack.conv, stack.conv.kernel_sizes[layer]
    attention = 4 * length * cb * cb + 2 * keys_seen * cb
    linear1 = length * cb * (2 * cb if conv.glu else cb)
    weight_linear = length * cb * conv.heads * k if conv.type == "dynamic" else 0
    convolution = length * cb * k
    linear2 = length * cb * cb
    return attention + linear1 + weight_linear + convolution + linear2


def _stack_macs(stack: StackConfig, length: int, causal: bool, source_length: int | None) -> int:
    c, total = stack.embed_dim, 0
    for layer in range(stack.layers):
        total += _self_attention_macs(stack, layer, length, causal)
        if source_length is not None:  # encoder-decoder attention
            total += 2 * length * c * c + 2 * source_length * c * c + 2 * length * source_length * c
        total += 2 * length * c * stack.ffn_dim
    return total


def _output_projection_macs(config: ModelConfig, length: int) -> int:
    c, v = config.decoder.embed_dim, config.vocab.target_size
    if config.adaptive_input is None:
        return length * c * v
    edges = config.adaptive_input.band_edges(v)
    dims = config.adaptive_input.band_dims(c)
    head = length * c * (edges[0] + len(edges) - 1)
    tails = sum(length * (c * dims[b] + dims[b] * (edges[b] - edges[b - 1])) for b in range(1, len(edges)))
    return head + tails


def count_macs(config: ModelConfig, source_len: int = 30, target_len: int = 30) -> MacCount:
    """Multiply-adds of one teacher-forced pass, batch 1 (see the module docstring)."""
    encoder = 0
    cross_source: int | None = None
    if config.encoder is not None:
        encoder = _stack_macs(config.encoder, source_len, causal=False, source_length=None)
        cross_source = source_len
    decoder = _stack_macs(config.decoder, target_len, causal=True, source_length=cross_source)
    return MacCount(encoder, decoder, _output_projection_macs(config, target_len))


def _is_embedding_tensor(name: str) -> bool:
    return ".embed_tokens." in name or name.endswith("embed_out") or ".adaptive_softmax." in name


def count_parameters(config: ModelConfig, include_embeddings: bool = False) -> int:
    """Parameters of the model (tied tensors once); by default without the embedding tensors."""
    return sum(math.prod(shape) for name, shape in expected_tensor_shapes(config).items()
               if include_embeddings or not _is_embedding_tensor(name))


def wmt_config(embed_dim: int, source_size: int = 32768, target_size: int = 32768) -> ModelConfig:
    """The published WMT lite transformer shape at width C (6+6 layers, dynamic + GLU, F = C)."""
    def stack(cross_heads: int) -> StackConfig:
        return StackConfig(embed_dim=embed_dim, ffn_dim=embed_dim, layers=6, self_attention="lsra",
                           attention_heads=4,
                           conv=ConvConfig(type="dynamic", heads=4, kernel_sizes=[3, 7, 15, 31, 31, 31], glu=True),
                           cross_attention_heads=cross_heads)

    return ModelConfig(task="translation", arch="lite_transformer", source_lang="en", target_lang="fr",
                       encoder=stack(0), decoder=stack(8), share_all_embeddings=True,
                       share_decoder_input_output_embed=True,
                       vocab=VocabConfig(source="dict.en.txt", target="dict.fr.txt", source_size=source_size,
                                         target_size=target_size))
