"""Load and save a model directory (docs/model-format.md).

Loading checks everything against config.json before building the model: every
tensor's name, dtype and shape, the dictionary files and their sizes, the
sentencepiece file. Each refusal is a ModelFormatError naming the file and the
tensor or field.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch

from . import safetensors_io
from .config import ModelConfig
from .dictionary import Dictionary
from .errors import ModelFormatError
from .model import ReferenceModel, build_model
from .tensor_layout import expected_tensor_shapes, tied_aliases

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"


@dataclass
class ModelDictionaries:
    target: Dictionary
    source: Dictionary | None = None  # None for a language model


@dataclass
class LoadedModel:
    config: ModelConfig
    model: ReferenceModel  # in eval mode
    source_dict: Dictionary | None
    target_dict: Dictionary
    sentencepiece: Path | None  # absolute path of the sentencepiece model, if any
    directory: Path


def load_config(directory: str | os.PathLike[str]) -> ModelConfig:
    path = Path(directory) / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelFormatError(f"{path}: missing (every model directory needs {CONFIG_FILE})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ModelFormatError(f"{path}: cannot read: {e}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ModelFormatError(f"{path}: not valid JSON ({e})") from None
    return ModelConfig.from_json(data, file=str(path))


def load_dictionaries(directory: Path, config: ModelConfig) -> ModelDictionaries:
    def one(file: str, size: int | None, field: str) -> Dictionary:
        path = directory / file
        d = Dictionary.load(path)
        if len(d) != size:
            raise ModelFormatError(f"{path}: {len(d)} entries (4 specials + {len(d) - 4} lines), but "
                                   f"{directory / CONFIG_FILE} field 'vocab.{field}' says {size}")
        return d

    target = one(config.vocab.target, config.vocab.target_size, "target_size")
    source = None
    if config.vocab.source is not None:
        source = one(config.vocab.source, config.vocab.source_size, "source_size")
    return ModelDictionaries(target=target, source=source)


def check_tensors(contents: safetensors_io.SafetensorsContents, config: ModelConfig, file: str) -> None:
    """Refuse a weights file whose tensors differ in any way from what config.json expects."""
    expected = expected_tensor_shapes(config)
    for name, shape in expected.items():
        if name not in contents.tensors:
            raise ModelFormatError(f"{file}: missing tensor '{name}' (config.json expects shape {shape})")
    for name, tensor in contents.tensors.items():
        if name not in expected:
            raise ModelFormatError(f"{file}: unexpected tensor '{name}' (not part of the model config.json "
                                   f"describes)")
        if contents.dtypes[name] not in safetensors_io.FLOAT_DTYPES:
            raise ModelFormatError(f"{file}: tensor '{name}' has dtype {contents.dtypes[name]}; model tensors "
                                   f"must be {', '.join(safetensors_io.FLOAT_DTYPES)}")
        if tuple(tensor.shape) != expected[name]:
            raise ModelFormatError(f"{file}: tensor '{name}' has shape {tuple(tensor.shape)}, config.json "
                                   f"expects {expected[name]}")


def state_dict_from_stored(tensors: dict[str, torch.Tensor], config: ModelConfig) -> dict[str, torch.Tensor]:
    """The full state dict: stored tensors plus every tied alias."""
    state = dict(tensors)
    for alias, stored in tied_aliases(config).items():
        state[alias] = tensors[stored]
    return state


def load_model(directory: str | os.PathLike[str]) -> LoadedModel:
    root = Path(directory)
    config = load_config(root)
    dicts = load_dictionaries(root, config)
    spm: Path | None = None
    if config.vocab.sentencepiece is not None:
        spm = (root / config.vocab.sentencepiece).resolve()
        if not spm.is_file():
            raise ModelFormatError(f"{root / config.vocab.sentencepiece}: missing (named by {root / CONFIG_FILE} "
                                   f"field 'vocab.sentencepiece')")
    weights = root / WEIGHTS_FILE
    if not weights.is_file():
        raise ModelFormatError(f"{weights}: missing")
    contents = safetensors_io.load(weights)
    check_tensors(contents, config, str(weights))
    model = build_model(config)
    model.load_state_dict(state_dict_from_stored(contents.tensors, config), strict=True)
    model.eval()
    return LoadedModel(config=config, model=model, source_dict=dicts.source, target_dict=dicts.target,
                       sentencepiece=spm, directory=root)


def stored_tensors(model: ReferenceModel, config: ModelConfig) -> dict[str, torch.Tensor]:
    """The tensors to store for `model`: one per tied group, checked against the layout."""
    state = {k: v for k, v in model.state_dict().items()}
    expected = expected_tensor_shapes(config)
    aliases = tied_aliases(config)
    unknown = sorted(set(state) - set(expected) - set(aliases))
    missing = sorted(set(expected) - set(state))
    if unknown or missing:
        raise ValueError(f"model does not match its config: unknown {unknown[:3]}, missing {missing[:3]}")
    for alias, stored in aliases.items():
        if not torch.equal(state[alias], state[stored]):
            raise ValueError(f"tied tensors '{alias}' and '{stored}' differ")
    for name, shape in expected.items():
        if tuple(state[name].shape) != shape:
            raise ValueError(f"tensor '{name}' has shape {tuple(state[name].shape)}, layout expects {shape}")
    return {name: state[name] for name in expected}


def save_model(directory: str | os.PathLike[str], model: ReferenceModel, config: ModelConfig,
               dicts: ModelDictionaries, dtype: str = "F32",
               sentencepiece_model: str | os.PathLike[str] | None = None) -> None:
    """Write config.json, model.safetensors, the dictionaries and (if any) the sentencepiece model."""
    root = Path(directory)
    config.validate(str(root / CONFIG_FILE))
    tensors = stored_tensors(model, config)
    files: dict[str, tuple[Dictionary, int | None]] = {config.vocab.target: (dicts.target, config.vocab.target_size)}
    if config.vocab.source is not None:
        if dicts.source is None:
            raise ValueError("config names a source dictionary but none was given")
        if config.vocab.source in files and files[config.vocab.source][0] != dicts.source:
            raise ValueError(f"source and target dictionaries share the file {config.vocab.source} but differ")
        files[config.vocab.source] = (dicts.source, config.vocab.source_size)
    for file, (d, size) in files.items():
        if len(d) != size:
            raise ValueError(f"dictionary for {file} has {len(d)} entries, config says {size}")
    if (config.vocab.sentencepiece is None) != (sentencepiece_model is None):
        raise ValueError("pass sentencepiece_model exactly when config.vocab.sentencepiece is set")
    root.mkdir(parents=True, exist_ok=True)
    (root / CONFIG_FILE).write_text(json.dumps(config.to_json(), indent=2) + "\n", encoding="utf-8")
    for file, (d, _) in files.items():
        d.save(root / file)
    safetensors_io.write(root / WEIGHTS_FILE, tensors, dtype=dtype, metadata={"format": "pt"})
    if sentencepiece_model is not None and config.vocab.sentencepiece is not None:
        target = root / config.vocab.sentencepiece
        if Path(sentencepiece_model).resolve() != target.resolve():
            shutil.copyfile(sentencepiece_model, target)
