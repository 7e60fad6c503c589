"""Maps a fairseq checkpoint's `args` to our ModelConfig (config.json).

Everything fairseq could express but our engine does not compute is refused
here, with the option's name, rather than converted into a model that would
silently compute something else.
"""
from __future__ import annotations

import argparse
import dataclasses
from typing import Any, List, Optional, Tuple

from .config import (AdaptiveInputConfig, ConvConfig, DecodingDefaults, ModelConfig, StackConfig,
                     TASKS, VocabConfig)
from .fairseq_archs import ARCHS, LITE_LM, LITE_TRANSLATION, VANILLA, describe_archs, with_defaults
from .fairseq_checkpoint import ConversionError


@dataclasses.dataclass
class VocabFiles:
    """Dictionary file names (inside the model directory) and their sizes (4 specials included)."""

    target: str
    target_size: int
    source: Optional[str] = None
    source_size: Optional[int] = None
    sentencepiece: Optional[str] = None


@dataclasses.dataclass
class Branches:
    """A parsed `*_branch_type` list: the attention branch first, then the convolution."""

    attention_heads: int
    conv_type: str
    conv_kernel: Optional[int]  # None: 'default', i.e. take the per-layer kernel list
    conv_heads: int


def resolve_arch(args: argparse.Namespace) -> Tuple[str, argparse.Namespace]:
    """(our arch family, args with the fairseq arch's defaults filled in)."""
    arch = getattr(args, "arch", None)
    if arch not in ARCHS:
        raise ConversionError(f"unknown arch {arch!r}; supported: {describe_archs()}")
    family, defaults = ARCHS[arch]
    filled = with_defaults(args, defaults)
    if family == LITE_LM:
        _apply_lm_compat(filled)
    return family, filled


def _apply_lm_compat(args: argparse.Namespace) -> None:
    """What base_lm_architecture forces regardless of the stored args."""
    if hasattr(args, "no_tie_adaptive_proj"):  # pre-2019 LM checkpoints
        args.no_decoder_final_norm = True
        if args.no_tie_adaptive_proj is False:
            args.tie_adaptive_proj = True
    if hasattr(args, "decoder_final_norm"):
        args.no_decoder_final_norm = not args.decoder_final_norm
    args.decoder_normalize_before = True  # "Model training is not stable without this"


def _flag(args: argparse.Namespace, name: str) -> bool:
    """fairseq bools may be stored as bool, int (eval_bool) or string."""
    value = getattr(args, name, False)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _refuse_unsupported(args: argparse.Namespace) -> None:
    checks: List[Tuple[bool, str]] = [
        (_flag(args, "encoder_learned_pos"), "learned positional embeddings "
         "(encoder_learned_pos) are not supported, only sinusoidal ones"),
        (_flag(args, "decoder_learned_pos"), "learned positional embeddings (decoder_learned_pos) are not "
         "supported, only sinusoidal ones"),
        (_flag(args, "no_token_positional_embeddings"), "no_token_positional_embeddings is not supported"),
        (getattr(args, "activation_fn", "relu") != "relu",
         f"activation_fn {getattr(args, 'activation_fn', None)!r} is not supported, only 'relu'"),
        (_flag(args, "layernorm_embedding"), "layernorm_embedding is not supported"),
        (_flag(args, "no_scale_embedding"), "no_scale_embedding is not supported (embeddings are scaled by sqrt(C))"),
        (_flag(args, "cross_self_attention"), "cross_self_attention is not supported"),
        (_flag(args, "character_embeddings"), "character_embeddings is not supported"),
        (getattr(args, "encoder_layers_to_keep", None) is not None
         or getattr(args, "decoder_layers_to_keep", None) is not None,
         "encoder/decoder_layers_to_keep (pruned LayerDrop layers) is not supported"),
    ]
    for failed, message in checks:
        if failed:
            raise ConversionError(message)
    for side in ("input", "output"):
        value = getattr(args, f"decoder_{side}_dim", None)
        if value is not None and value != args.decoder_embed_dim:
            raise ConversionError(f"decoder_{side}_dim {value} differs from decoder_embed_dim "
                                  f"{args.decoder_embed_dim}; projections in/out of the decoder are not supported")


def parse_branches(value: Any, side: str, embed_dim: int) -> Optional[Branches]:
    """Parses e.g. ['attn:1:248:4', 'dynamic:default:248:4'] and checks the C/2 + C/2 split."""
    if value is None:
        return None
    if isinstance(value, str):  # a YAML list that reached argparse as one string
        value = [v for v in value.strip("[]").replace(",", " ").split() if v]
    if not isinstance(value, (list, tuple)):
        raise ConversionError(f"{side}_branch_type {value!r} is not a list of 'type:kernel:dim:heads'")
    parts = []
    for item in value:
        fields = str(item).split(":")
        if len(fields) != 4:
            raise ConversionError(f"{side}_branch_type entry {item!r} is not 'type:kernel:dim:heads'")
        parts.append(fields)
    types = [p[0] for p in parts]
    if len(parts) != 2 or types[0] != "attn" or types[1] not in ("dynamic", "lightweight"):
        raise ConversionError(f"{side}_branch_type {list(value)} is not supported: need exactly "
                              "['attn:...', 'dynamic:...' or 'lightweight:...'] (attention branch first)")
    try:
        dims = [int(p[2]) for p in parts]
        heads = [int(p[3]) for p in parts]
        kernel = None if parts[1][1] == "default" else int(parts[1][1])
    except ValueError:
        raise ConversionError(f"{side}_branch_type {list(value)} has a non-integer dim, heads or kernel") from None
    half = embed_dim // 2
    if embed_dim % 2 or dims != [half, half]:
        raise ConversionError(f"{side}_branch_type splits {embed_dim} channels as {dims[0]}+{dims[1]}; "
                              f"only the C/2 + C/2 split ({half}+{half}) is supported")
    if min(heads) < 1:
        raise ConversionError(f"{side}_branch_type {list(value)} has a head count < 1")
    return Branches(attention_heads=heads[0], conv_type=types[1], conv_kernel=kernel, conv_heads=heads[1])


def kernel_sizes(args: argparse.Namespace, side: str, layers: int) -> List[int]:
    """The per-layer kernel list, cut or repeated as base_architecture does."""
    value = getattr(args, f"{side}_kernel_size_list")
    if isinstance(value, int):
        value = [value]
    sizes = [int(k) for k in value]
    if len(sizes) == 1:
        sizes = sizes * layers
    if len(sizes) < layers:
        raise ConversionError(f"{side}_kernel_size_list {sizes} has fewer entries than {side}_layers {layers}")
    return sizes[:layers]


def _stack(args: argparse.Namespace, side: str, family: str, has_encoder: bool,
           final_layer_norm: bool) -> StackConfig:
    embed_dim = int(getattr(args, f"{side}_embed_dim"))
    layers = int(getattr(args, f"{side}_layers"))
    branches = parse_branches(getattr(args, f"{side}_branch_type", None), side, embed_dim) \
        if family != VANILLA else None
    stack = StackConfig(
        embed_dim=embed_dim,
        ffn_dim=int(getattr(args, f"{side}_ffn_embed_dim")),
        layers=layers,
        normalize_before=_flag(args, f"{side}_normalize_before"),
        final_layer_norm=final_layer_norm,
        cross_attention_heads=int(args.decoder_attention_heads) if side == "decoder" and has_encoder else 0,
    )
    if branches is None:
        stack.self_attention = "multihead"
        stack.attention_heads = int(getattr(args, f"{side}_attention_heads"))
        return stack
    if not _flag(args, "conv_linear"):
        raise ConversionError("conv_linear is false: convolution branches without linear1/linear2 are not supported")
    if _flag(args, "conv_bias") or _flag(args, "renorm_padding"):
        raise ConversionError("conv_bias / renorm_padding are not supported")
    sizes = [branches.conv_kernel] * layers if branches.conv_kernel is not None else kernel_sizes(args, side, layers)
    stack.self_attention = "lsra"
    stack.attention_heads = branches.attention_heads
    stack.conv = ConvConfig(
        type=branches.conv_type,
        heads=branches.conv_heads,
        kernel_sizes=sizes,
        # fairseq's LightweightConv has no GLU; only DynamicConv reads *_glu.
        glu=branches.conv_type == "dynamic" and _flag(args, f"{side}_glu"),
        weight_softmax=_flag(args, "weight_softmax"),
    )
    return stack


def _cutoffs(value: Any, name: str) -> Optional[List[int]]:
    """fairseq's eval_str_list: '20000,60000' or a list."""
    if value is None:
        return None
    if isinstance(value, str):
        items = [v for v in value.replace("[", "").replace("]", "").split(",") if v.strip()]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [value]
    try:
        return [int(v) for v in items]
    except (TypeError, ValueError):
        raise ConversionError(f"{name} {value!r} is not a list of integers") from None


def _adaptive(args: argparse.Namespace, family: str, vocab_size: int) -> Optional[AdaptiveInputConfig]:
    softmax = _cutoffs(getattr(args, "adaptive_softmax_cutoff", None), "adaptive_softmax_cutoff")
    adaptive_input = _flag(args, "adaptive_input")
    if family != LITE_LM:
        if softmax is not None or adaptive_input:
            raise ConversionError("adaptive input/softmax is only supported for the language model")
        return None
    if not adaptive_input and softmax is None:
        return None
    if not adaptive_input:
        raise ConversionError("adaptive_softmax_cutoff without adaptive_input is not supported "
                              "(only an adaptive softmax tied to the adaptive input)")
    inputs = _cutoffs(getattr(args, "adaptive_input_cutoff", None), "adaptive_input_cutoff")
    if softmax is None:
        raise ConversionError("adaptive_input without adaptive_softmax_cutoff is not supported "
                              "(only an adaptive softmax tied to the adaptive input)")
    if not _flag(args, "tie_adaptive_weights") or not _flag(args, "tie_adaptive_proj"):
        raise ConversionError("untied adaptive softmax (tie_adaptive_weights and tie_adaptive_proj must both be "
                              "set) is not supported")
    if inputs != softmax:
        raise ConversionError(f"adaptive_input_cutoff {inputs} differs from adaptive_softmax_cutoff {softmax}")
    in_factor = float(getattr(args, "adaptive_input_factor", 4))
    out_factor = float(getattr(args, "adaptive_softmax_factor", 4))
    if in_factor != out_factor:
        raise ConversionError(f"adaptive_input_factor {in_factor} differs from adaptive_softmax_factor {out_factor}")
    # fairseq appends the vocabulary size when it is missing; we store cutoffs without it.
    cutoffs = [c for c in softmax if c != vocab_size]
    if not cutoffs or any(c > vocab_size for c in cutoffs):
        raise ConversionError(f"adaptive cutoffs {softmax} do not fit the vocabulary size {vocab_size}")
    return AdaptiveInputConfig(cutoffs=cutoffs, factor=in_factor)


def _decoding(task: str, arch: str) -> DecodingDefaults:
    """The published decoding settings for each setting (shared/LSRA.md)."""
    if task == "summarization":
        return DecodingDefaults(beam_size=4, length_penalty=2.0, min_len=55, max_len_b=140, no_repeat_ngram_size=3)
    if task == "translation":
        return DecodingDefaults(beam_size=4, length_penalty=1.0 if "iwslt" in arch else 0.6)
    return DecodingDefaults()


def _task(args: argparse.Namespace, family: str, requested: Optional[str]) -> str:
    is_lm = family == LITE_LM
    stored = getattr(args, "task", None)
    if requested is None:
        return "language_modeling" if is_lm else "translation"
    if requested not in TASKS:
        raise ConversionError(f"unknown task {requested!r}; choose one of {', '.join(TASKS)}")
    if (requested == "language_modeling") != is_lm:
        raise ConversionError(f"task {requested!r} does not fit arch {args.arch!r} (checkpoint task {stored!r})")
    return requested


def config_from_args(args: argparse.Namespace, vocab: VocabFiles, *, task: Optional[str] = None,
                     name: str = "", source_lang: Optional[str] = None,
                     target_lang: Optional[str] = None) -> ModelConfig:
    """Builds and validates the ModelConfig for a checkpoint's args."""
    family, args = resolve_arch(args)
    _refuse_unsupported(args)
    chosen_task = _task(args, family, task)
    if family == LITE_LM:
        decoder = _stack(args, "decoder", family, has_encoder=False,
                         final_layer_norm=not _flag(args, "no_decoder_final_norm"))
        config = ModelConfig(
            task=chosen_task, arch=LITE_LM, decoder=decoder, encoder=None,
            vocab=VocabConfig(target=vocab.target, target_size=vocab.target_size,
                              sentencepiece=vocab.sentencepiece),
            share_all_embeddings=False,
            share_decoder_input_output_embed=_flag(args, "share_decoder_input_output_embed"),
            adaptive_input=_adaptive(args, family, vocab.target_size),
            max_source_positions=0, max_target_positions=int(args.max_target_positions),
            source_lang=None, target_lang=None, name=name,
            decoding=_decoding(chosen_task, args.arch),
        )
    else:
        _adaptive(args, family, vocab.target_size)  # refuses adaptive options in translation
        encoder = _stack(args, "encoder", family, has_encoder=True,
                         final_layer_norm=_flag(args, "encoder_normalize_before"))
        decoder = _stack(args, "decoder", family, has_encoder=True,
                         final_layer_norm=_flag(args, "decoder_normalize_before")
                         and not _flag(args, "no_decoder_final_norm"))
        kinds = {encoder.self_attention, decoder.self_attention}
        if len(kinds) != 1:
            raise ConversionError("only one of encoder_branch_type / decoder_branch_type is set; "
                                  "mixed LSRA and plain-attention stacks are not supported")
        # A multibranch model without branches is a plain transformer with the same tensor names.
        arch = VANILLA if kinds == {"multihead"} else LITE_TRANSLATION
        share_all = _flag(args, "share_all_embeddings")
        config = ModelConfig(
            task=chosen_task, arch=arch, encoder=encoder, decoder=decoder,
            vocab=VocabConfig(source=vocab.source, source_size=vocab.source_size, target=vocab.target,
                              target_size=vocab.target_size, sentencepiece=vocab.sentencepiece),
            share_all_embeddings=share_all,
            # fairseq's build_model sets this itself under share_all_embeddings.
            share_decoder_input_output_embed=share_all or _flag(args, "share_decoder_input_output_embed"),
            adaptive_input=None,
            max_source_positions=int(args.max_source_positions),
            max_target_positions=int(args.max_target_positions),
            source_lang=source_lang or getattr(args, "source_lang", None),
            target_lang=target_lang or getattr(args, "target_lang", None),
            name=name, decoding=_decoding(chosen_task, args.arch),
        )
    return config


def language_pair(args: argparse.Namespace, source_lang: Optional[str],
                  target_lang: Optional[str]) -> Tuple[str, str]:
    """The (source, target) language codes of a translation checkpoint, for dict.<lang>.txt."""
    src = source_lang or getattr(args, "source_lang", None)
    tgt = target_lang or getattr(args, "target_lang", None)
    if not src or not tgt:
        raise ConversionError("checkpoint args have no source_lang/target_lang; pass --source-lang and --target-lang")
    return str(src), str(tgt)


def is_language_model(args: argparse.Namespace) -> bool:
    family, _ = resolve_arch(args)
    return family == LITE_LM
