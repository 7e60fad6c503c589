"""The `## Architecture` section: config.json, the weights file, parameters and MACs."""
from __future__ import annotations

from typing import Callable, Optional

from liteformer_ref.config import ModelConfig, StackConfig
from liteformer_ref.macs import count_macs, count_parameters

from .markdown import count, millions, table
from .weights import WeightsInfo

SENTENCE_TOKENS = 30  # the Lite Transformer paper's MACs convention: a 30-token sentence


def _stack_rows(stacks: list[tuple[str, StackConfig]]) -> list[list[object]]:
    def row(label: str, value: Callable[[StackConfig], object]) -> list[object]:
        return [label, *(value(s) for _, s in stacks)]

    def conv(s: StackConfig) -> str:
        if s.conv is None:
            return "none"
        return f"{s.conv.type}, {s.conv.heads} heads, {'GLU' if s.conv.glu else 'no GLU'}"

    return [
        row("layers", lambda s: s.layers),
        row("width (embed_dim)", lambda s: s.embed_dim),
        row("FFN (ffn_dim)", lambda s: s.ffn_dim),
        row("self-attention", lambda s: "LSRA (attention C/2 + conv C/2)" if s.self_attention == "lsra"
            else "multi-head"),
        row("attention heads", lambda s: s.attention_heads),
        row("cross-attention heads", lambda s: s.cross_attention_heads or "-"),
        row("convolution", conv),
        row("conv kernel sizes", lambda s: ", ".join(map(str, s.conv.kernel_sizes)) if s.conv else "-"),
        row("normalization", lambda s: "pre-norm" if s.normalize_before else "post-norm"),
    ]


def macs(config: ModelConfig) -> int:
    """Multiply-adds of a 30-token sentence (30 source + 30 output tokens; LM: 30 tokens)."""
    return count_macs(config, SENTENCE_TOKENS, SENTENCE_TOKENS).total


def section(config: ModelConfig, weights: WeightsInfo, reported_m: Optional[float]) -> list[str]:
    lm = config.encoder is None
    mac_count = count_macs(config, SENTENCE_TOKENS, SENTENCE_TOKENS)
    langs = "" if lm else f" ({config.source_lang} → {config.target_lang})"
    vocab = (f"{count(config.vocab.target_size)}" if lm else
             f"source {count(config.vocab.source_size or 0)}, target {count(config.vocab.target_size)}")
    vocab += f" (sentencepiece `{config.vocab.sentencepiece}`)" if config.vocab.sentencepiece else " (no sentencepiece)"
    shared = ("all (encoder input, decoder input, output projection)" if config.share_all_embeddings
              else "decoder input = output projection" if config.share_decoder_input_output_embed else "none")
    if config.adaptive_input is not None:
        shared = (f"adaptive input, tied adaptive softmax (cutoffs {config.adaptive_input.cutoffs}, "
                  f"factor {config.adaptive_input.factor:g})")
    positions = (f"{config.max_target_positions}" if lm else
                 f"source {config.max_source_positions}, target {config.max_target_positions}")
    params = weights.parameters
    params_note = f"{count(params)} ({millions(params)}; {millions(count_parameters(config))} without embeddings)"
    if reported_m is not None:
        params_note += f"; the trainer reported {reported_m:.2f}M"
    sentence = f"{SENTENCE_TOKENS} tokens" if lm else f"{SENTENCE_TOKENS} source + {SENTENCE_TOKENS} output tokens"
    model_rows: list[list[object]] = [
        ["name / version", f"{config.name or '-'} / {config.version}"],
        ["arch", config.arch],
        ["task", config.task + langs],
        ["vocabulary", vocab],
        ["shared embeddings", shared],
        ["max positions", positions],
        ["parameters", params_note],
        ["MACs, 30-token sentence", f"{count(mac_count.total)} ({millions(mac_count.total)}): {sentence}, batch 1, "
                                    f"without the output projection (Lite Transformer paper convention, "
                                    f"liteformer_ref/macs.py); {millions(mac_count.total_with_output_projection)} "
                                    f"with it"],
        ["weights", f"{', '.join(weights.dtype_names)}, {weights.file_bytes / 1e6:.2f} MB "
                    f"({count(weights.file_bytes)} bytes), sha256 {weights.sha256[:16]}…"],
    ]
    stacks = [("decoder", config.decoder)] if config.encoder is None else [
        ("encoder", config.encoder), ("decoder", config.decoder)]
    lines = ["## Architecture", ""]
    lines += table(["", "value"], model_rows)
    lines += [""]
    lines += table(["", *(name for name, _ in stacks)], _stack_rows(stacks), "l" + "r" * len(stacks))
    lines += ["", "Parameters are the sum of the model.safetensors tensor shapes (tied tensors are stored once).", ""]
    return lines
