"""Model sizes for the bundled demo models, chosen for a two-core CPU: each
≤ 25 MB as fp16 and an epoch of its corpus in well under an hour."""
from __future__ import annotations

from liteformer_ref.config import (AdaptiveInputConfig, ConvConfig, DecodingDefaults, ModelConfig, StackConfig,
                                   VocabConfig)


def _stack(width: int, layers: int, kernels: list[int], cross_heads: int, pre_norm: bool) -> StackConfig:
    return StackConfig(embed_dim=width, ffn_dim=width, layers=layers, self_attention="lsra", attention_heads=4,
                       normalize_before=pre_norm, final_layer_norm=False,
                       conv=ConvConfig(type="dynamic", heads=4, kernel_sizes=kernels, glu=True),
                       cross_attention_heads=cross_heads)


def seq2seq(name: str, task: str, width: int, layers: int, vocab: VocabConfig, source_lang: str,
            target_lang: str, decoding: DecodingDefaults, max_positions: int = 256) -> ModelConfig:
    kernels = [3, 7, 15, 31, 31, 31, 31][:layers]
    return ModelConfig(task=task, arch="lite_transformer", name=name, version="1",
                       encoder=_stack(width, layers, kernels, 0, False),
                       decoder=_stack(width, layers, kernels, 8, False), vocab=vocab,
                       share_all_embeddings=True, share_decoder_input_output_embed=True,
                       max_source_positions=max_positions, max_target_positions=max_positions,
                       source_lang=source_lang, target_lang=target_lang, decoding=decoding)


def language_model(name: str, width: int, layers: int, vocab: VocabConfig, cutoffs: list[int] | None,
                   decoding: DecodingDefaults, context: int = 256) -> ModelConfig:
    kernels = ([15, 15, 31, 31, 31, 31, 63, 63, 63, 63, 63, 63] * 2)[:layers]
    adaptive = AdaptiveInputConfig(cutoffs=cutoffs, factor=4) if cutoffs else None
    return ModelConfig(task="language_modeling", arch="lite_transformer_lm", name=name, version="1",
                       decoder=_stack(width, layers, kernels, 0, True), vocab=vocab,
                       share_decoder_input_output_embed=adaptive is None, adaptive_input=adaptive,
                       max_source_positions=0, max_target_positions=context, decoding=decoding)
