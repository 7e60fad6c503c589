"""The fairseq `args` a checkpoint of ours carries, so tools/convert.py (which
reads checkpoints of the original Lite Transformer code) converts ours too."""
from __future__ import annotations

import argparse

from liteformer_ref.config import ModelConfig, StackConfig


def _branch_types(stack: StackConfig) -> list[str]:
    assert stack.conv is not None
    half = stack.embed_dim // 2
    return [f"attn:1:{half}:{stack.attention_heads}", f"{stack.conv.type}:default:{half}:{stack.conv.heads}"]


def fairseq_args(config: ModelConfig, dropout: float) -> argparse.Namespace:
    args = argparse.Namespace(dropout=dropout, attention_dropout=dropout, weight_dropout=dropout,
                              relu_dropout=0.0, activation_fn="relu", conv_linear=True,
                              weight_softmax=True, decoder_learned_pos=False,
                              max_target_positions=config.max_target_positions)
    dec = config.decoder
    args.decoder_embed_dim = dec.embed_dim
    args.decoder_ffn_embed_dim = dec.ffn_dim
    args.decoder_layers = dec.layers
    args.decoder_normalize_before = dec.normalize_before
    args.share_decoder_input_output_embed = config.share_decoder_input_output_embed
    if dec.conv is not None:
        args.decoder_branch_type = _branch_types(dec)
        args.decoder_kernel_size_list = list(dec.conv.kernel_sizes)
        args.decoder_glu = dec.conv.glu
    if config.is_language_model:
        args.arch = "transformer_lm_multibranch_v2"
        args.decoder_attention_heads = dec.attention_heads
        args.tokens_per_sample = config.max_target_positions
        args.no_decoder_final_norm = not dec.final_layer_norm
        adaptive = config.adaptive_input
        args.adaptive_input = adaptive is not None
        args.tie_adaptive_weights = adaptive is not None
        args.tie_adaptive_proj = adaptive is not None
        if adaptive is not None:
            cutoffs = ",".join(str(c) for c in adaptive.cutoffs)
            args.adaptive_input_cutoff = cutoffs
            args.adaptive_softmax_cutoff = cutoffs
            args.adaptive_input_factor = adaptive.factor
            args.adaptive_softmax_factor = adaptive.factor
        return args
    enc = config.encoder
    assert enc is not None
    args.arch = "transformer_multibranch_v2" if enc.conv is not None else "transformer"
    args.source_lang = config.source_lang
    args.target_lang = config.target_lang
    args.encoder_embed_dim = enc.embed_dim
    args.encoder_ffn_embed_dim = enc.ffn_dim
    args.encoder_layers = enc.layers
    args.encoder_normalize_before = enc.normalize_before
    args.encoder_learned_pos = False
    args.max_source_positions = config.max_source_positions
    args.share_all_embeddings = config.share_all_embeddings
    args.decoder_attention_heads = dec.cross_attention_heads
    args.encoder_attention_heads = enc.attention_heads
    if enc.conv is not None:
        args.encoder_branch_type = _branch_types(enc)
        args.encoder_kernel_size_list = list(enc.conv.kernel_sizes)
        args.encoder_glu = enc.conv.glu
    return args
