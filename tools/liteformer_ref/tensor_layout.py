"""The single source of truth for which tensors a model directory holds.

`expected_tensor_shapes(config)` lists every tensor stored in model.safetensors
(fairseq state-dict names, tied tensors once), with its shape.
`tied_aliases(config)` maps each further state-dict name of a tied tensor to the
stored name it equals. The loader, the saver and the fairseq converter all use
these two functions.
"""
from __future__ import annotations

from .config import ModelConfig, StackConfig

Shape = tuple[int, ...]

# fairseq state-dict entries that hold no model weights (never stored).
IGNORED_SUFFIXES = (".version", "._float_tensor")


def is_ignored_fairseq_name(name: str) -> bool:
    """`*.version` bookkeeping and `*._float_tensor` scratch buffers carry no weights."""
    return name.endswith(IGNORED_SUFFIXES) or name == "version"


def _linear(out: dict[str, Shape], prefix: str, n_out: int, n_in: int, bias: bool = True) -> None:
    out[f"{prefix}.weight"] = (n_out, n_in)
    if bias:
        out[f"{prefix}.bias"] = (n_out,)


def _attention(out: dict[str, Shape], prefix: str, dim: int) -> None:
    for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
        _linear(out, f"{prefix}.{proj}", dim, dim)


def _layer_norm(out: dict[str, Shape], prefix: str, dim: int) -> None:
    out[f"{prefix}.weight"] = (dim,)
    out[f"{prefix}.bias"] = (dim,)


def _self_attention(out: dict[str, Shape], prefix: str, stack: StackConfig, layer: int) -> None:
    if stack.self_attention == "multihead":
        _attention(out, prefix, stack.embed_dim)
        return
    assert stack.conv is not None
    cb, conv, k = stack.branch_dim, stack.conv, stack.conv.kernel_sizes[layer]
    _attention(out, f"{prefix}.branches.0", cb)
    branch = f"{prefix}.branches.1"
    _linear(out, f"{branch}.linear1", 2 * cb if conv.glu else cb, cb)
    if conv.type == "dynamic":
        _linear(out, f"{branch}.weight_linear", conv.heads * k, cb, bias=False)
    else:
        out[f"{branch}.weight"] = (conv.heads, 1, k)
    _linear(out, f"{branch}.linear2", cb, cb)


def _stack(out: dict[str, Shape], name: str, stack: StackConfig, cross_attention: bool) -> None:
    c = stack.embed_dim
    for i in range(stack.layers):
        prefix = f"{name}.layers.{i}"
        _self_attention(out, f"{prefix}.self_attn", stack, i)
        _layer_norm(out, f"{prefix}.self_attn_layer_norm", c)
        if cross_attention:
            _attention(out, f"{prefix}.encoder_attn", c)
            _layer_norm(out, f"{prefix}.encoder_attn_layer_norm", c)
        _linear(out, f"{prefix}.fc1", stack.ffn_dim, c)
        _linear(out, f"{prefix}.fc2", c, stack.ffn_dim)
        _layer_norm(out, f"{prefix}.final_layer_norm", c)
    if stack.final_layer_norm:
        _layer_norm(out, f"{name}.layer_norm", c)


def _band_ranges(config: ModelConfig) -> list[tuple[int, int, int]]:
    """(band size, band width, band index) of every adaptive band."""
    assert config.adaptive_input is not None
    edges = config.adaptive_input.band_edges(config.vocab.target_size)
    starts = [0] + edges[:-1]
    dims = config.adaptive_input.band_dims(config.decoder.embed_dim)
    return [(end - start, dim, b) for b, (start, end, dim) in enumerate(zip(starts, edges, dims))]


def expected_tensor_shapes(config: ModelConfig) -> dict[str, Shape]:
    """Every tensor model.safetensors must hold for `config`, name -> shape (nothing else allowed)."""
    out: dict[str, Shape] = {}
    c = config.decoder.embed_dim
    vt = config.vocab.target_size
    if config.encoder is not None:
        out["encoder.embed_tokens.weight"] = (config.vocab.source_size or 0, config.encoder.embed_dim)
    if config.adaptive_input is not None:
        bands = _band_ranges(config)
        for size, dim, b in bands:
            out[f"decoder.embed_tokens.embeddings.{b}.0.weight"] = (size, dim)
            out[f"decoder.embed_tokens.embeddings.{b}.1.weight"] = (c, dim)
        out["decoder.adaptive_softmax.head.class_proj.weight"] = (len(bands) - 1, c)
    else:
        if not config.share_all_embeddings:
            out["decoder.embed_tokens.weight"] = (vt, c)
        if not config.share_decoder_input_output_embed:
            out["decoder.embed_out"] = (vt, c)
    if config.encoder is not None:
        _stack(out, "encoder", config.encoder, cross_attention=False)
    _stack(out, "decoder", config.decoder, cross_attention=config.encoder is not None)
    return out


def tied_aliases(config: ModelConfig) -> dict[str, str]:
    """State-dict names that are not stored because they equal a stored tensor: alias -> stored name."""
    aliases: dict[str, str] = {}
    if config.adaptive_input is not None:
        aliases["decoder.adaptive_softmax.head.word_proj.weight"] = "decoder.embed_tokens.embeddings.0.0.weight"
        for size, dim, b in _band_ranges(config)[1:]:
            aliases[f"decoder.adaptive_softmax.tail.{b - 1}.0.weight"] = f"decoder.embed_tokens.embeddings.{b}.1.weight"
            aliases[f"decoder.adaptive_softmax.tail.{b - 1}.2.weight"] = f"decoder.embed_tokens.embeddings.{b}.0.weight"
    elif config.share_all_embeddings:
        aliases["decoder.embed_tokens.weight"] = "encoder.embed_tokens.weight"
    return aliases
