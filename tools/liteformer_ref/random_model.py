"""Small random models of every supported variant, for tests and engine fixtures.

Weights are random but well-scaled, with non-zero biases and non-trivial
LayerNorm weights/biases, so a test that ignores a bias, a LayerNorm parameter or
a transposition fails. Everything is seeded and deterministic.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .config import (AdaptiveInputConfig, ConvConfig, DecodingDefaults, ModelConfig, StackConfig,
                     VocabConfig)
from .dictionary import EOS, PAD, Dictionary
from .model import ReferenceModel, build_model
from .model_dir import ModelDictionaries

VARIANTS = (
    "lsra_dynamic_shared",  # WMT-like: dynamic conv + GLU, one shared embedding matrix
    "lsra_lightweight_separate",  # IWSLT-like: lightweight conv, no GLU, separate embeddings + embed_out
    "transformer",  # vanilla transformer, pre-norm with final LayerNorms, tied decoder in/out
    "lm_adaptive",  # LSRA LM, adaptive input + tied adaptive softmax
    "lm_tied",  # LSRA LM, plain embedding tied with the output projection
)


@dataclass
class RandomModel:
    config: ModelConfig
    model: ReferenceModel  # eval mode
    dicts: ModelDictionaries


def _lsra_stack(dim: int, ffn: int, kernels: list[int], conv_type: str, glu: bool, cross_heads: int = 0,
                normalize_before: bool = False, final_layer_norm: bool = False) -> StackConfig:
    return StackConfig(embed_dim=dim, ffn_dim=ffn, layers=len(kernels), self_attention="lsra", attention_heads=4,
                       normalize_before=normalize_before, final_layer_norm=final_layer_norm,
                       conv=ConvConfig(type=conv_type, heads=4, kernel_sizes=kernels, glu=glu),
                       cross_attention_heads=cross_heads)


def variant_config(variant: str) -> ModelConfig:
    """The (small) ModelConfig of a named variant."""
    if variant == "lsra_dynamic_shared":
        return ModelConfig(
            task="translation", arch="lite_transformer", source_lang="xx", target_lang="yy", name=variant,
            encoder=_lsra_stack(32, 48, [3, 5], "dynamic", True),
            decoder=_lsra_stack(32, 48, [3, 5], "dynamic", True, cross_heads=8),
            share_all_embeddings=True, share_decoder_input_output_embed=True,
            vocab=VocabConfig(source="dict.xx.txt", target="dict.yy.txt", source_size=40, target_size=40),
            decoding=DecodingDefaults(beam_size=4, length_penalty=0.6))
    if variant == "lsra_lightweight_separate":
        return ModelConfig(
            task="translation", arch="lite_transformer", source_lang="xx", target_lang="yy", name=variant,
            encoder=_lsra_stack(32, 40, [3, 7], "lightweight", False),
            decoder=_lsra_stack(32, 40, [3, 7], "lightweight", False, cross_heads=4),
            share_all_embeddings=False, share_decoder_input_output_embed=False,
            vocab=VocabConfig(source="dict.xx.txt", target="dict.yy.txt", source_size=40, target_size=48))
    if variant == "transformer":
        def stack(cross: int) -> StackConfig:
            return StackConfig(embed_dim=32, ffn_dim=64, layers=2, self_attention="multihead", attention_heads=4,
                               normalize_before=True, final_layer_norm=True, cross_attention_heads=cross)
        return ModelConfig(
            task="translation", arch="transformer", source_lang="xx", target_lang="yy", name=variant,
            encoder=stack(0), decoder=stack(4),
            share_all_embeddings=False, share_decoder_input_output_embed=True,
            vocab=VocabConfig(source="dict.xx.txt", target="dict.yy.txt", source_size=48, target_size=40))
    if variant == "lm_adaptive":
        return ModelConfig(
            task="language_modeling", arch="lite_transformer_lm", name=variant,
            decoder=_lsra_stack(64, 64, [3, 7], "dynamic", True, normalize_before=True),
            share_all_embeddings=False, share_decoder_input_output_embed=False,
            adaptive_input=AdaptiveInputConfig(cutoffs=[20, 40], factor=4),
            max_source_positions=0, vocab=VocabConfig(target="dict.txt", target_size=64))
    if variant == "lm_tied":
        return ModelConfig(
            task="language_modeling", arch="lite_transformer_lm", name=variant,
            decoder=_lsra_stack(32, 48, [5, 3], "dynamic", True, normalize_before=True, final_layer_norm=True),
            share_all_embeddings=False, share_decoder_input_output_embed=True,
            max_source_positions=0, vocab=VocabConfig(target="dict.txt", target_size=48))
    raise ValueError(f"unknown variant {variant!r}; known: {', '.join(VARIANTS)}")


@torch.no_grad()
def randomize_(model: torch.nn.Module, seed: int = 0) -> None:
    """Fill every parameter (each tied group once) with seeded, well-scaled random values."""
    g = torch.Generator().manual_seed(seed)
    for name, p in model.named_parameters():
        noise = torch.randn(p.shape, generator=g)
        if name.endswith("layer_norm.weight"):
            p.copy_(1.0 + 0.2 * noise)
        elif name.endswith(".bias"):
            p.copy_(0.2 * noise)
        elif p.dim() == 3:  # lightweight kernel logits (H, 1, K)
            p.copy_(noise)
        elif ".embed_tokens.embeddings." in name and name.endswith(".1.weight"):
            # adaptive band projection (C, d), also the tail's C -> d map: keep both unit-gain
            p.copy_(noise * p.shape[0] ** -0.5)
        else:  # linear weights (out, in) and embeddings (V, C): sqrt(C) * E is about unit scale
            p.copy_(noise * p.shape[-1] ** -0.5)


def synthetic_dictionary(size: int, prefix: str) -> Dictionary:
    """A dictionary of exactly `size` entries (4 specials + tokens prefix0, prefix1, ...)."""
    d = Dictionary()
    for i in range(size - len(d)):
        d.add_symbol(f"{prefix}{i}", 100 - i if i < 100 else 1)
    return d


def random_model(variant: str, seed: int = 0) -> RandomModel:
    config = variant_config(variant)
    config.validate()
    model = build_model(config)
    randomize_(model, seed)
    model.eval()
    target = synthetic_dictionary(config.vocab.target_size, "t")
    source = None
    if config.vocab.source_size is not None:
        source = target if config.share_all_embeddings else synthetic_dictionary(config.vocab.source_size, "s")
    return RandomModel(config, model, ModelDictionaries(target=target, source=source))


def random_tokens(lengths: list[int], vocab_size: int, seed: int = 0, end_with_eos: bool = True) -> torch.Tensor:
    """A right-padded [B, max(lengths)] batch of real tokens (ids >= 4), each row ending with </s>."""
    g = torch.Generator().manual_seed(seed)
    batch = torch.full((len(lengths), max(lengths)), PAD, dtype=torch.long)
    for row, n in enumerate(lengths):
        batch[row, :n] = torch.randint(4, vocab_size, (n,), generator=g)
        if end_with_eos:
            batch[row, n - 1] = EOS
    return batch


def decoder_inputs(targets: torch.Tensor) -> torch.Tensor:
    """prev_output_tokens for right-padded targets ending in </s>: </s> then the target shifted right."""
    prev = torch.full_like(targets, PAD)
    prev[:, 0] = EOS
    lengths = targets.ne(PAD).sum(1)
    for row, n in enumerate(lengths.tolist()):
        prev[row, 1:n] = targets[row, :n - 1]
    return prev
