"""The model description of config.json (docs/model-format.md), as dataclasses.

`ModelConfig.from_json` parses and validates; `to_json` writes the same schema
back. Validation errors are `ModelFormatError`s naming the file and the field.
Training-only settings (dropout rates) are not part of config.json; they live in
`DropoutConfig` and are passed to the model builder separately.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .errors import ModelFormatError
from .json_fields import JsonObjectReader

FORMAT_NAME = "liteformer-model"
FORMAT_VERSION = 1
TASKS = ("translation", "summarization", "language_modeling")
ARCHS = ("lite_transformer", "transformer", "lite_transformer_lm")
SELF_ATTENTION_KINDS = ("lsra", "multihead")
CONV_TYPES = ("dynamic", "lightweight")
# fairseq's fixed special ids; positions (pad + 1 + index) depend on pad = 1.
FAIRSEQ_SPECIALS = {"bos": 0, "pad": 1, "eos": 2, "unk": 3}


@dataclass
class ConvConfig:
    """The LSRA convolution branch of every layer of one stack."""

    type: str  # "dynamic" | "lightweight"
    heads: int
    kernel_sizes: list[int]
    glu: bool
    weight_softmax: bool = True

    @staticmethod
    def from_reader(r: JsonObjectReader) -> "ConvConfig":
        conv = ConvConfig(
            type=r.string("type", choices=CONV_TYPES),
            heads=r.integer("heads", minimum=1),
            kernel_sizes=r.integer_list("kernel_sizes"),
            glu=r.boolean("glu"),
            weight_softmax=r.boolean("weight_softmax", True),
        )
        r.finish()
        return conv

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "heads": self.heads, "kernel_sizes": list(self.kernel_sizes),
                "glu": self.glu, "weight_softmax": self.weight_softmax}


@dataclass
class StackConfig:
    """An encoder or decoder stack."""

    embed_dim: int
    ffn_dim: int
    layers: int
    self_attention: str = "lsra"  # "lsra" | "multihead"
    attention_heads: int = 4
    normalize_before: bool = False
    final_layer_norm: bool = False
    conv: ConvConfig | None = None
    cross_attention_heads: int = 0

    @property
    def branch_dim(self) -> int:
        """Width of each LSRA branch (the split is always C/2 + C/2)."""
        return self.embed_dim // 2

    @staticmethod
    def from_reader(r: JsonObjectReader) -> "StackConfig":
        conv_reader = r.child("conv", None)
        stack = StackConfig(
            embed_dim=r.integer("embed_dim", minimum=1),
            ffn_dim=r.integer("ffn_dim", minimum=1),
            layers=r.integer("layers", minimum=1),
            normalize_before=r.boolean("normalize_before", False),
            final_layer_norm=r.boolean("final_layer_norm", False),
            self_attention=r.string("self_attention", choices=SELF_ATTENTION_KINDS),
            attention_heads=r.integer("attention_heads", minimum=1),
            conv=ConvConfig.from_reader(conv_reader) if conv_reader is not None else None,
            cross_attention_heads=r.integer("cross_attention_heads", 0, minimum=0),
        )
        r.finish()
        return stack

    def to_json(self) -> dict[str, Any]:
        return {
            "embed_dim": self.embed_dim, "ffn_dim": self.ffn_dim, "layers": self.layers,
            "normalize_before": self.normalize_before, "final_layer_norm": self.final_layer_norm,
            "self_attention": self.self_attention, "attention_heads": self.attention_heads,
            "conv": self.conv.to_json() if self.conv is not None else None,
            "cross_attention_heads": self.cross_attention_heads,
        }

    def validate(self, file: str, name: str, is_decoder: bool, has_encoder: bool) -> None:
        def fail(key: str, problem: str) -> ModelFormatError:
            return ModelFormatError(f"{file}: field '{name}.{key}': {problem}")

        if self.embed_dim % 2:
            raise fail("embed_dim", f"must be even (sinusoidal positions, LSRA split), got {self.embed_dim}")
        if self.self_attention == "lsra":
            cb = self.branch_dim
            if self.conv is None:
                raise fail("conv", "required when self_attention is 'lsra'")
            if cb % self.attention_heads:
                raise fail("attention_heads", f"{self.attention_heads} does not divide the branch width {cb}")
            if cb % self.conv.heads:
                raise fail("conv.heads", f"{self.conv.heads} does not divide the branch width {cb}")
            if len(self.conv.kernel_sizes) != self.layers:
                raise fail("conv.kernel_sizes", f"has {len(self.conv.kernel_sizes)} entries for {self.layers} layers")
            for k in self.conv.kernel_sizes:
                if k < 1:
                    raise fail("conv.kernel_sizes", f"kernel size {k} < 1")
                # "same" padding P = K div 2 is symmetric only for odd K; every published encoder is odd.
                if not is_decoder and k % 2 == 0:
                    raise fail("conv.kernel_sizes", f"encoder kernel size {k} must be odd")
        else:
            if self.conv is not None:
                raise fail("conv", "must be null when self_attention is 'multihead'")
            if self.embed_dim % self.attention_heads:
                raise fail("attention_heads", f"{self.attention_heads} does not divide embed_dim {self.embed_dim}")
        if is_decoder and has_encoder:
            if self.cross_attention_heads < 1:
                raise fail("cross_attention_heads", "must be >= 1 in the decoder of an encoder-decoder model")
            if self.embed_dim % self.cross_attention_heads:
                raise fail("cross_attention_heads",
                           f"{self.cross_attention_heads} does not divide embed_dim {self.embed_dim}")
        elif self.cross_attention_heads != 0:
            raise fail("cross_attention_heads", "must be 0 outside the decoder of an encoder-decoder model")


@dataclass
class AdaptiveInputConfig:
    """Adaptive input + tied adaptive softmax bands (language model only)."""

    cutoffs: list[int]  # band boundaries, without the vocabulary size
    factor: float = 4.0

    def band_dims(self, embed_dim: int) -> list[int]:
        """Band i has width C // factor^i (fairseq: int(C // factor ** i))."""
        return [int(embed_dim // (self.factor ** i)) for i in range(len(self.cutoffs) + 1)]

    def band_edges(self, vocab_size: int) -> list[int]:
        return list(self.cutoffs) + [vocab_size]

    def to_json(self) -> dict[str, Any]:
        factor: float | int = int(self.factor) if float(self.factor).is_integer() else self.factor
        return {"cutoffs": list(self.cutoffs), "factor": factor}


@dataclass
class VocabConfig:
    target: str
    target_size: int
    source: str | None = None
    source_size: int | None = None
    sentencepiece: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "source_size": self.source_size,
                "target_size": self.target_size, "sentencepiece": self.sentencepiece}


@dataclass
class DecodingDefaults:
    """Default decoding options; a request's non-zero options override them."""

    beam_size: int = 4
    length_penalty: float = 1.0
    max_len_a: float = 0.0
    max_len_b: int = 200
    min_len: int = 1
    no_repeat_ngram_size: int = 0
    nbest: int = 1
    top_k: int = 0
    top_p: float = 1.0
    temperature: float = 1.0
    max_tokens: int = 50
    sampling: bool = False

    @staticmethod
    def from_reader(r: JsonObjectReader) -> "DecodingDefaults":
        d = DecodingDefaults()
        dec = DecodingDefaults(
            beam_size=r.integer("beam_size", d.beam_size, minimum=1),
            length_penalty=r.number("length_penalty", d.length_penalty),
            max_len_a=r.number("max_len_a", d.max_len_a),
            max_len_b=r.integer("max_len_b", d.max_len_b, minimum=0),
            min_len=r.integer("min_len", d.min_len, minimum=0),
            no_repeat_ngram_size=r.integer("no_repeat_ngram_size", d.no_repeat_ngram_size, minimum=0),
            nbest=r.integer("nbest", d.nbest, minimum=1),
            top_k=r.integer("top_k", d.top_k, minimum=0),
            top_p=r.number("top_p", d.top_p),
            temperature=r.number("temperature", d.temperature),
            max_tokens=r.integer("max_tokens", d.max_tokens, minimum=1),
            sampling=r.boolean("sampling", d.sampling),
        )
        r.finish()
        if dec.nbest > dec.beam_size:
            raise r.error("nbest", f"{dec.nbest} exceeds beam_size {dec.beam_size}")
        if not 0.0 < dec.top_p <= 1.0:
            raise r.error("top_p", f"must be in (0, 1], got {dec.top_p}")
        if dec.temperature <= 0.0:
            raise r.error("temperature", f"must be > 0, got {dec.temperature}")
        if dec.max_len_a < 0.0:
            raise r.error("max_len_a", f"must be >= 0, got {dec.max_len_a}")
        return dec

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class DropoutConfig:
    """Training-time dropout rates (not stored in config.json); all 0 at inference."""

    dropout: float = 0.0  # embeddings and every sub-layer output before the residual add
    attention_dropout: float = 0.0  # attention probabilities
    activation_dropout: float = 0.0  # after the FFN's ReLU
    weight_dropout: float = 0.0  # the convolution kernel, after its softmax
    adaptive_softmax_dropout: float = 0.0  # between a tail band's two projections


@dataclass
class ModelConfig:
    """Everything config.json says about a model."""

    task: str
    arch: str
    decoder: StackConfig
    vocab: VocabConfig
    encoder: StackConfig | None = None
    share_all_embeddings: bool = False
    share_decoder_input_output_embed: bool = False
    adaptive_input: AdaptiveInputConfig | None = None
    max_source_positions: int = 1024
    max_target_positions: int = 1024
    source_lang: str | None = None
    target_lang: str | None = None
    name: str = ""
    version: str = "1"
    special_tokens: dict[str, int] = field(default_factory=lambda: dict(FAIRSEQ_SPECIALS))
    decoding: DecodingDefaults = field(default_factory=DecodingDefaults)

    @property
    def is_language_model(self) -> bool:
        return self.encoder is None

    @staticmethod
    def from_json(data: Any, file: str = "config.json") -> "ModelConfig":
        """Parse and validate a decoded config.json object."""
        r = JsonObjectReader(data, file, "")
        fmt = r.string("format")
        if fmt != FORMAT_NAME:
            raise r.error("format", f"expected {FORMAT_NAME!r}, got {fmt!r}")
        version = r.integer("format_version")
        if version != FORMAT_VERSION:
            raise r.error("format_version", f"unsupported version {version} (this reader knows {FORMAT_VERSION})")
        enc = r.child("encoder")
        dec = r.child("decoder")
        if dec is None:
            raise r.error("decoder", "must be an object, not null")
        vocab = r.child("vocab")
        if vocab is None:
            raise r.error("vocab", "must be an object, not null")
        adaptive = r.child("adaptive_input")
        decoding = r.child("decoding", {})
        specials = r.child("special_tokens", dict(FAIRSEQ_SPECIALS))
        config = ModelConfig(
            name=r.string("name", ""),
            version=r.string("version", "1"),
            task=r.string("task", choices=TASKS),
            arch=r.string("arch", choices=ARCHS),
            source_lang=r.optional_string("source_lang"),
            target_lang=r.optional_string("target_lang"),
            encoder=StackConfig.from_reader(enc) if enc is not None else None,
            decoder=StackConfig.from_reader(dec),
            share_all_embeddings=r.boolean("share_all_embeddings"),
            share_decoder_input_output_embed=r.boolean("share_decoder_input_output_embed"),
            adaptive_input=_adaptive_from_reader(adaptive) if adaptive is not None else None,
            max_source_positions=r.integer("max_source_positions", minimum=0),
            max_target_positions=r.integer("max_target_positions", minimum=1),
            vocab=_vocab_from_reader(vocab),
            special_tokens=_specials_from_reader(specials) if specials is not None else {},
            decoding=DecodingDefaults.from_reader(decoding) if decoding is not None else DecodingDefaults(),
        )
        r.finish()
        config.validate(file)
        return config

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME, "format_version": FORMAT_VERSION,
            "name": self.name, "version": self.version, "task": self.task, "arch": self.arch,
            "source_lang": self.source_lang, "target_lang": self.target_lang,
            "encoder": self.encoder.to_json() if self.encoder is not None else None,
            "decoder": self.decoder.to_json(),
            "share_all_embeddings": self.share_all_embeddings,
            "share_decoder_input_output_embed": self.share_decoder_input_output_embed,
            "adaptive_input": self.adaptive_input.to_json() if self.adaptive_input is not None else None,
            "max_source_positions": self.max_source_positions,
            "max_target_positions": self.max_target_positions,
            "vocab": self.vocab.to_json(),
            "special_tokens": dict(self.special_tokens),
            "decoding": self.decoding.to_json(),
        }

    def validate(self, file: str = "config.json") -> None:
        """Cross-field checks; raises ModelFormatError naming `file` and the field."""

        def fail(key: str, problem: str) -> ModelFormatError:
            return ModelFormatError(f"{file}: field '{key}': {problem}")

        if self.special_tokens != FAIRSEQ_SPECIALS:
            raise fail("special_tokens", f"must be {FAIRSEQ_SPECIALS} (fairseq's fixed ids), got {self.special_tokens}")
        lm = self.task == "language_modeling"
        if lm != (self.arch == "lite_transformer_lm"):
            raise fail("arch", f"'{self.arch}' does not fit task '{self.task}'")
        want_attention = "multihead" if self.arch == "transformer" else "lsra"
        for name, stack in (("encoder", self.encoder), ("decoder", self.decoder)):
            if stack is not None and stack.self_attention != want_attention:
                raise fail(f"{name}.self_attention", f"arch '{self.arch}' needs '{want_attention}'")
        if lm:
            if self.encoder is not None:
                raise fail("encoder", "must be null for a language model")
            if self.vocab.source is not None or self.vocab.source_size not in (None, 0):
                raise fail("vocab.source", "must be null for a language model")
            if self.share_all_embeddings:
                raise fail("share_all_embeddings", "must be false for a language model")
            if self.max_source_positions != 0:
                raise fail("max_source_positions", "must be 0 for a language model")
        else:
            if self.encoder is None:
                raise fail("encoder", f"required for task '{self.task}'")
            if self.vocab.source is None or self.vocab.source_size is None:
                raise fail("vocab.source", f"source dictionary and source_size required for task '{self.task}'")
            if self.max_source_positions < 1:
                raise fail("max_source_positions", "must be >= 1 for an encoder-decoder model")
            if self.encoder.embed_dim != self.decoder.embed_dim:
                raise fail("decoder.embed_dim", f"{self.decoder.embed_dim} differs from encoder.embed_dim "
                           f"{self.encoder.embed_dim}")
            self.encoder.validate(file, "encoder", is_decoder=False, has_encoder=True)
            if self.adaptive_input is not None:
                raise fail("adaptive_input", "only a language model may use adaptive input")
        self.decoder.validate(file, "decoder", is_decoder=True, has_encoder=not lm)
        sizes = {"target_size": self.vocab.target_size}
        if not lm:
            sizes["source_size"] = self.vocab.source_size or 0
        for key, size in sizes.items():
            if size < 5:
                raise fail(f"vocab.{key}", f"must count the 4 specials plus at least one entry, got {size}")
        if self.share_all_embeddings:
            if not self.share_decoder_input_output_embed:
                raise fail("share_decoder_input_output_embed", "must be true when share_all_embeddings is true")
            if self.vocab.source_size != self.vocab.target_size:
                raise fail("vocab.source_size", f"{self.vocab.source_size} differs from target_size "
                           f"{self.vocab.target_size}, but share_all_embeddings needs one vocabulary")
        if self.adaptive_input is not None:
            edges = self.adaptive_input.band_edges(self.vocab.target_size)
            lows = [0] + edges[:-1]
            if any(lo >= hi for lo, hi in zip(lows, edges)):
                raise fail("adaptive_input.cutoffs", f"{self.adaptive_input.cutoffs} must increase strictly and "
                           f"stay below vocab.target_size {self.vocab.target_size}")
            if self.adaptive_input.factor <= 0:
                raise fail("adaptive_input.factor", "must be > 0")
            if min(self.adaptive_input.band_dims(self.decoder.embed_dim)) < 1:
                raise fail("adaptive_input.factor", "makes a band narrower than 1")


def _adaptive_from_reader(r: JsonObjectReader) -> AdaptiveInputConfig:
    cfg = AdaptiveInputConfig(cutoffs=r.integer_list("cutoffs"), factor=r.number("factor", 4.0))
    r.finish()
    if not cfg.cutoffs:
        raise r.error("cutoffs", "needs at least one cutoff")
    return cfg


def _vocab_from_reader(r: JsonObjectReader) -> VocabConfig:
    vocab = VocabConfig(
        source=r.optional_string("source"),
        target=r.string("target"),
        source_size=r.optional_integer("source_size", minimum=0),
        target_size=r.integer("target_size", minimum=1),
        sentencepiece=r.optional_string("sentencepiece"),
    )
    r.finish()
    for key in ("source", "target", "sentencepiece"):
        value = getattr(vocab, key)
        if value is not None and (value == "" or "/" in value or "\\" in value or value in (".", "..")):
            raise r.error(key, f"must be a plain file name inside the model directory, got {value!r}")
    return vocab


def _specials_from_reader(r: JsonObjectReader) -> dict[str, int]:
    specials = {key: r.integer(key) for key in FAIRSEQ_SPECIALS}
    r.finish()
    return specials
