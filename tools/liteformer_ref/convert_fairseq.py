"""fairseq checkpoint -> liteformer model directory: load, validate, save.

Nothing is written until the checkpoint, its args, the dictionaries and every
tensor have been checked; the directory is then written under a temporary
name and renamed into place, so a refusal or a crash never leaves a
half-written model behind.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
from typing import Dict, Iterator, List, Mapping, Optional, Tuple

import torch

from .config import ModelConfig
from .dictionary import Dictionary
from .errors import ModelFormatError
from .fairseq_checkpoint import ConversionError, FairseqCheckpoint, load_checkpoint
from .fairseq_config import VocabFiles, config_from_args, is_language_model, language_pair
from .fairseq_state import Shape, drop_bookkeeping, prepare, upgrade_names
from .model import build_model
from .model_dir import ModelDictionaries, save_model, state_dict_from_stored
from .tensor_layout import expected_tensor_shapes

DTYPES = {"float32": "F32", "float16": "F16", "bfloat16": "BF16"}


@dataclasses.dataclass
class ConvertOptions:
    checkpoint: str
    dicts: str
    out: str
    name: Optional[str] = None
    task: Optional[str] = None
    dtype: str = "float32"
    spm: Optional[str] = None
    source_lang: Optional[str] = None
    target_lang: Optional[str] = None
    force: bool = False


@dataclasses.dataclass
class ConvertedModel:
    """A validated model, ready to be written."""

    config: ModelConfig
    tensors: Dict[str, torch.Tensor]  # stored names only (tied copies folded)
    dictionaries: ModelDictionaries
    sentencepiece: Optional[str] = None  # path of the sentencepiece model to copy


def _load_dictionary(path: str) -> Dictionary:
    if not os.path.isfile(path):
        raise ConversionError(f"missing dictionary {path}")
    try:
        return Dictionary.load(path)
    except ModelFormatError as exc:
        raise ConversionError(str(exc)) from None


def _dictionaries(ckpt: FairseqCheckpoint, opts: ConvertOptions) -> Tuple[Dict[str, Dictionary], List[str]]:
    """{file name: Dictionary}, and the names in [source, target] order (one name for an LM)."""
    if not os.path.isdir(opts.dicts):
        raise ConversionError(f"--dicts {opts.dicts} is not a directory")
    if is_language_model(ckpt.args):
        names = ["dict.txt"]
    else:
        with _about(opts.checkpoint):
            src, tgt = language_pair(ckpt.args, opts.source_lang, opts.target_lang)
        names = [f"dict.{src}.txt", f"dict.{tgt}.txt"]
    loaded = {name: _load_dictionary(os.path.join(opts.dicts, name)) for name in names}
    return loaded, names


def _embedding_rows(state: Mapping[str, torch.Tensor], config: ModelConfig) -> List[Tuple[str, str, int]]:
    """(side, tensor name, rows) for every tensor whose row count must equal a dictionary size."""
    rows: List[Tuple[str, str, int]] = []

    def add(side: str, key: str) -> None:
        if key in state and state[key].dim() >= 1:
            rows.append((side, key, int(state[key].shape[0])))

    if config.encoder is not None:
        add("source", "encoder.embed_tokens.weight")
    if config.adaptive_input is not None:
        bands = [k for k in state if k.startswith("decoder.embed_tokens.embeddings.") and k.endswith(".0.weight")]
        if bands and all(state[k].dim() == 2 for k in bands):
            rows.append(("target", "decoder.embed_tokens.embeddings.*.0.weight (all bands)",
                         sum(int(state[k].shape[0]) for k in bands)))
    else:
        add("target", "decoder.embed_tokens.weight")
    add("target", "decoder.embed_out")
    return rows


def _check_dictionary_sizes(state: Mapping[str, torch.Tensor], config: ModelConfig,
                            paths: Dict[str, str]) -> None:
    sizes = {"source": config.vocab.source_size, "target": config.vocab.target_size}
    for side, key, rows in _embedding_rows(state, config):
        if rows != sizes[side]:
            raise ConversionError(f"dictionary {paths[side]} has {sizes[side]} entries (4 specials included) "
                                  f"but tensor '{key}' has {rows} rows")


def expected_shapes(config: ModelConfig) -> Dict[str, Shape]:
    """Names and shapes config.json implies; tensor_layout is the single source of truth."""
    return {name: tuple(shape) for name, shape in expected_tensor_shapes(config).items()}


@contextlib.contextmanager
def _about(path: str) -> Iterator[None]:
    """Prefixes refusals about the checkpoint's args with the checkpoint's path."""
    try:
        yield
    except ConversionError as exc:
        raise ConversionError(f"{path}: {exc}") from None


def load_and_validate(opts: ConvertOptions) -> ConvertedModel:
    """Everything except writing; raises ConversionError on the first problem."""
    if opts.dtype not in DTYPES:
        raise ConversionError(f"unknown --dtype {opts.dtype!r}; choose one of {', '.join(DTYPES)}")
    ckpt = load_checkpoint(opts.checkpoint)
    with _about(opts.checkpoint):
        is_language_model(ckpt.args)  # an unknown arch is the first thing to report
    dictionaries, names = _dictionaries(ckpt, opts)
    if opts.spm is not None:
        if not os.path.isfile(opts.spm):
            raise ConversionError(f"missing sentencepiece model {opts.spm}")
        if os.path.basename(opts.spm) in set(names) | {"config.json", "model.safetensors"}:
            raise ConversionError(f"--spm {opts.spm}: its file name would overwrite another file of the model "
                                  "directory; rename it")
    target = names[-1]
    source = names[0] if len(names) == 2 else None
    vocab = VocabFiles(target=target, target_size=len(dictionaries[target]),
                       source=source, source_size=len(dictionaries[source]) if source else None,
                       sentencepiece=os.path.basename(opts.spm) if opts.spm else None)
    name = opts.name or os.path.basename(os.path.normpath(opts.out))
    with _about(opts.checkpoint):
        try:
            config = config_from_args(ckpt.args, vocab, task=opts.task, name=name,
                                      source_lang=opts.source_lang, target_lang=opts.target_lang)
            config.validate("converted config.json")
        except ModelFormatError as exc:
            raise ConversionError(str(exc)) from None
    if config.share_all_embeddings and source and dictionaries[source] != dictionaries[target]:
        raise ConversionError(f"share_all_embeddings needs one joined dictionary, but {source} and {target} differ")
    paths = {"target": os.path.join(opts.dicts, target)}
    if source:
        paths["source"] = os.path.join(opts.dicts, source)
    _check_dictionary_sizes(drop_bookkeeping(upgrade_names(ckpt.model)), config, paths)
    tensors = prepare(ckpt.model, config, expected_shapes(config), opts.checkpoint)
    dicts = ModelDictionaries(target=dictionaries[target], source=dictionaries[source] if source else None)
    return ConvertedModel(config=config, tensors=tensors, dictionaries=dicts, sentencepiece=opts.spm)


def _write(converted: ConvertedModel, directory: str, dtype: str) -> None:
    """Builds the reference model from the tensors (a strict load, one more check) and saves it."""
    model = build_model(converted.config)
    model.load_state_dict(state_dict_from_stored(converted.tensors, converted.config), strict=True)
    save_model(directory, model, converted.config, converted.dictionaries, dtype=DTYPES[dtype],
               sentencepiece_model=converted.sentencepiece)


def save(model: ConvertedModel, out: str, dtype: str, force: bool) -> None:
    """Writes next to `out`, then renames, so `out` is either complete or untouched."""
    out = os.path.normpath(out)
    if os.path.exists(out) and not os.path.isdir(out):
        raise ConversionError(f"--out {out} exists and is not a directory")
    if os.path.isdir(out) and os.listdir(out) and not force:
        raise ConversionError(f"--out {out} already exists and is not empty (use --force to replace it)")
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".convert-", dir=parent)
    # mkdtemp makes the directory private (0700); a model directory is read by
    # whoever serves it (e.g. the container's non-root user).
    os.chmod(staging, 0o755)
    try:
        _write(model, staging, dtype)
        if os.path.isdir(out):
            old = tempfile.mkdtemp(prefix=".replaced-", dir=parent)
            os.rename(out, os.path.join(old, "model"))
            os.rename(staging, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def convert(opts: ConvertOptions) -> ConvertedModel:
    model = load_and_validate(opts)
    save(model, opts.out, opts.dtype, opts.force)
    return model
