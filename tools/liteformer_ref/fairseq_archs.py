"""The fairseq architectures the converter knows, and the defaults they fill in.

fairseq stores `args` after the architecture function has filled in its
defaults, but older or hand-built checkpoints may lack some fields, so we
re-apply the same defaults (only where a field is missing, as fairseq's
`getattr(args, name, default)` does). Names and values follow the original
Lite Transformer code (fairseq/models/transformer_multibranch_v2.py,
transformer_lm_multibranch_v2.py, transformer.py of mit-han-lab/lite-transformer)
and fairseq's `transformer_tiny`.
"""
from __future__ import annotations

import argparse
from typing import Any, Callable, Dict, List, Tuple

# Which of our config "arch" values a fairseq arch maps to.
LITE_TRANSLATION = "lite_transformer"
LITE_LM = "lite_transformer_lm"
VANILLA = "transformer"

Defaults = List[Tuple[str, Any]]  # applied in order; a value may be a function of args


def _same_as(field: str) -> Callable[[argparse.Namespace], Any]:
    return lambda args: getattr(args, field)


_TRANSLATION_BASE: Defaults = [
    ("encoder_embed_dim", 512), ("encoder_ffn_embed_dim", 2048), ("encoder_layers", 6),
    ("encoder_attention_heads", 8), ("encoder_normalize_before", False), ("encoder_learned_pos", False),
    ("decoder_embed_dim", _same_as("encoder_embed_dim")),
    ("decoder_ffn_embed_dim", _same_as("encoder_ffn_embed_dim")),
    ("decoder_layers", 6), ("decoder_attention_heads", 8), ("decoder_normalize_before", False),
    ("decoder_learned_pos", False), ("activation_fn", "relu"), ("adaptive_softmax_cutoff", None),
    ("share_decoder_input_output_embed", False), ("share_all_embeddings", False),
    ("no_token_positional_embeddings", False), ("adaptive_input", False),
    ("decoder_output_dim", _same_as("decoder_embed_dim")),
    ("decoder_input_dim", _same_as("decoder_embed_dim")),
    ("max_source_positions", 1024), ("max_target_positions", 1024),
]

# Extra fields of transformer_multibranch_v2 (parser and base_architecture defaults).
_LITE_EXTRA: Defaults = [
    ("encoder_kernel_size_list", [3, 7, 15, 31, 31, 31]), ("decoder_kernel_size_list", [3, 7, 15, 31, 31, 31]),
    ("encoder_glu", True), ("decoder_glu", True), ("weight_softmax", True), ("conv_linear", False),
    ("encoder_branch_type", None), ("decoder_branch_type", None),
]

_IWSLT: Defaults = [
    ("encoder_embed_dim", 512), ("encoder_ffn_embed_dim", 1024), ("encoder_attention_heads", 4),
    ("encoder_layers", 6), ("decoder_embed_dim", 512), ("decoder_ffn_embed_dim", 1024),
    ("decoder_attention_heads", 4), ("decoder_layers", 6),
]
_BIG: Defaults = [
    ("encoder_embed_dim", 1024), ("encoder_ffn_embed_dim", 4096), ("encoder_attention_heads", 16),
    ("encoder_normalize_before", False), ("decoder_embed_dim", 1024), ("decoder_ffn_embed_dim", 4096),
    ("decoder_attention_heads", 16),
]
_T2T: Defaults = [("encoder_normalize_before", True), ("decoder_normalize_before", True)] + _BIG
_TINY: Defaults = [
    ("encoder_embed_dim", 64), ("encoder_ffn_embed_dim", 64), ("encoder_layers", 2),
    ("encoder_attention_heads", 2), ("decoder_layers", 2), ("decoder_attention_heads", 2),
]

_TRANSLATION_VARIANTS: Dict[str, Defaults] = {
    "": [], "_iwslt_de_en": _IWSLT, "_wmt_en_de": [], "_vaswani_wmt_en_de_big": _BIG,
    "_vaswani_wmt_en_fr_big": _BIG, "_wmt_en_de_big": _BIG, "_wmt_en_de_big_t2t": _T2T,
}

_LM_BASE: Defaults = [
    ("decoder_embed_dim", 512), ("decoder_ffn_embed_dim", 2048), ("decoder_layers", 6),
    ("decoder_attention_heads", 8), ("adaptive_softmax_cutoff", None), ("adaptive_softmax_factor", 4),
    ("decoder_learned_pos", False), ("activation_fn", "relu"), ("no_token_positional_embeddings", False),
    ("share_decoder_input_output_embed", False), ("character_embeddings", False),
    ("decoder_output_dim", _same_as("decoder_embed_dim")), ("decoder_input_dim", _same_as("decoder_embed_dim")),
    ("no_decoder_final_norm", False), ("adaptive_input", False), ("adaptive_input_factor", 4),
    ("adaptive_input_cutoff", None), ("tie_adaptive_weights", False), ("tie_adaptive_proj", False),
    ("decoder_kernel_size_list", [3, 7, 15, 31, 31, 31]), ("decoder_glu", True),
    ("weight_softmax", True), ("conv_linear", False), ("decoder_branch_type", None),
    ("max_target_positions", lambda args: getattr(args, "tokens_per_sample", None) or 1024),
]
_LM_BIG: Defaults = [
    ("decoder_layers", 12), ("decoder_embed_dim", 1024), ("decoder_ffn_embed_dim", 4096),
    ("decoder_attention_heads", 16),
]
_LM_ADAPTIVE: Defaults = [
    ("adaptive_input", True), ("tie_adaptive_weights", True), ("adaptive_input_cutoff", "20000,60000"),
    ("adaptive_softmax_cutoff", "20000,60000"), ("no_decoder_final_norm", True), ("tie_adaptive_proj", True),
]
_LM_WIKI103: Defaults = [("decoder_layers", 16), ("decoder_attention_heads", 8)] + _LM_ADAPTIVE + _LM_BIG
_LM_WIKI103_SMALL: Defaults = [
    ("decoder_layers", 12), ("decoder_ffn_embed_dim", 2048), ("decoder_attention_heads", 8),
] + _LM_ADAPTIVE
_LM_GBW: Defaults = [("decoder_embed_dim", 512), ("no_decoder_final_norm", True)] + _LM_BIG
_GELU: Defaults = [("activation_fn", "gelu")]  # the gpt variants: refused later for their activation

_LM_VARIANTS: Dict[str, Defaults] = {
    "": [], "_big": _LM_BIG, "_wiki103": _LM_WIKI103, "_baevski_wiki103": _LM_WIKI103,
    "_wiki103_small": _LM_WIKI103_SMALL, "_baevski_wiki103_small": _LM_WIKI103_SMALL,
    "_gbw": _LM_GBW, "_baevski_gbw": _LM_GBW, "_gpt": _GELU, "_gpt2_small": _GELU,
    "_gpt2_medium": _GELU, "_gpt2_big": _GELU,
}


def _registry() -> Dict[str, Tuple[str, Defaults]]:
    table: Dict[str, Tuple[str, Defaults]] = {}
    for suffix, extra in _TRANSLATION_VARIANTS.items():
        # Arch-specific values come first: fairseq's arch functions set them
        # with getattr() before calling base_architecture.
        table["transformer_multibranch_v2" + suffix] = (LITE_TRANSLATION, extra + _TRANSLATION_BASE + _LITE_EXTRA)
        table["transformer" + suffix] = (VANILLA, extra + _TRANSLATION_BASE)
    table["transformer_tiny"] = (VANILLA, _TINY + _TRANSLATION_BASE)
    for suffix, extra in _LM_VARIANTS.items():
        table["transformer_lm_multibranch_v2" + suffix] = (LITE_LM, extra + _LM_BASE)
    return table


ARCHS: Dict[str, Tuple[str, Defaults]] = _registry()


def supported_archs() -> List[str]:
    return sorted(ARCHS)


def describe_archs() -> str:
    """A compact one-line listing, shell brace style: base{,_suffix,...} (the base name itself included)."""
    groups = [("transformer_multibranch_v2", _TRANSLATION_VARIANTS),
              ("transformer_lm_multibranch_v2", _LM_VARIANTS),
              ("transformer", {**_TRANSLATION_VARIANTS, "_tiny": _TINY})]
    return "; ".join(f"{base}{{{','.join(variants)}}}" for base, variants in groups)


def with_defaults(args: argparse.Namespace, family_defaults: Defaults) -> argparse.Namespace:
    """A copy of args with every missing field filled in (never overwrites)."""
    filled = argparse.Namespace(**vars(args))
    for name, default in family_defaults:
        # fairseq also replaces a stored None for the position limits.
        missing = not hasattr(filled, name) or (name in _NONE_MEANS_MISSING and getattr(filled, name) is None)
        if missing:
            setattr(filled, name, default(filled) if callable(default) else default)
    return filled


_NONE_MEANS_MISSING = {"max_source_positions", "max_target_positions"}
