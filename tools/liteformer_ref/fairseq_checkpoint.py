"""Reads fairseq checkpoints without fairseq installed.

A fairseq checkpoint is `torch.save` of a dict whose `extra_state` (and
sometimes `args`) holds pickled fairseq objects: meters, an init function,
iterator state. Plain `torch.load` needs the fairseq package to rebuild them.
We only need `args` and the `model` state dict, so every global that is not
on a short allow-list is replaced by an inert stand-in class.

The allow-list is deliberate, not a convenience: unpickling resolves globals
and may call them, so resolving arbitrary names would let a checkpoint run
code (`os.system`, ...) inside the converter. Stand-ins never run anything.
"""
from __future__ import annotations

import argparse
import collections
import copyreg
import dataclasses
import pickle
import types
from typing import Any, Dict, Optional, Tuple

import torch


class ConversionError(Exception):
    """The converter refuses its input; the message is one line naming the problem."""


class StandIn:
    """Inert replacement for a pickled object whose class we do not load.

    It accepts whatever pickle hands it (constructor arguments, `__setstate__`
    state, list/dict items) and keeps it for inspection, nothing more.
    """

    __standin_module__ = "?"
    __standin_name__ = "?"

    def __new__(cls, *args: Any, **kwargs: Any) -> "StandIn":
        obj = super().__new__(cls)
        obj.__dict__["_args"] = args
        obj.__dict__["_kwargs"] = kwargs
        return obj

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # REDUCE calls cls(*args); the arguments were kept by __new__.
        pass

    def __setstate__(self, state: Any) -> None:
        self.__dict__["_state"] = state

    # Pickle feeds list-like and dict-like objects through these.
    def append(self, item: Any) -> None:
        self.__dict__.setdefault("_items", []).append(item)

    def extend(self, items: Any) -> None:
        self.__dict__.setdefault("_items", []).extend(items)

    def __setitem__(self, key: Any, value: Any) -> None:
        self.__dict__.setdefault("_mapping", {})[key] = value

    def __repr__(self) -> str:
        return f"<stand-in {self.__standin_module__}.{self.__standin_name__}>"


_STANDIN_CACHE: Dict[Tuple[str, str], type] = {}


def stand_in_class(module: str, name: str) -> type:
    """One stand-in class per (module, name), so isinstance checks stay meaningful."""
    key = (module, name)
    if key not in _STANDIN_CACHE:
        cls = type(name, (StandIn,), {
            "__module__": "liteformer_standin." + module,
            "__standin_module__": module,
            "__standin_name__": name,
        })
        _STANDIN_CACHE[key] = cls
    return _STANDIN_CACHE[key]


def _torch_globals() -> Dict[str, Any]:
    """torch names a state-dict checkpoint legitimately refers to."""
    allowed: Dict[str, Any] = {
        "torch._utils._rebuild_tensor": torch._utils._rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": torch._utils._rebuild_tensor_v2,
        "torch._utils._rebuild_parameter": torch._utils._rebuild_parameter,
        "torch.nn.parameter.Parameter": torch.nn.Parameter,
        "torch.Size": torch.Size,
        "torch.device": torch.device,
        "torch.serialization._get_layout": torch.serialization._get_layout,
    }
    for optional in ("_rebuild_parameter_with_state", "_rebuild_device_tensor_from_numpy"):
        fn = getattr(torch._utils, optional, None)
        if fn is not None:
            allowed["torch._utils." + optional] = fn
    for attr in dir(torch):
        value = getattr(torch, attr, None)
        if isinstance(value, torch.dtype):
            allowed["torch." + attr] = value
    rebuild_from_type = getattr(torch._tensor, "_rebuild_from_type_v2", None)
    if rebuild_from_type is not None:
        allowed["torch._tensor._rebuild_from_type_v2"] = rebuild_from_type
    allowed["torch._tensor.Tensor"] = torch.Tensor
    allowed["torch.Tensor"] = torch.Tensor
    return allowed


def _other_globals() -> Dict[str, Any]:
    import numpy

    allowed: Dict[str, Any] = {
        "argparse.Namespace": argparse.Namespace,  # must load as the real one
        "collections.OrderedDict": collections.OrderedDict,
        "collections.defaultdict": collections.defaultdict,
        "collections.Counter": collections.Counter,
        "builtins.set": set,
        "builtins.frozenset": frozenset,
        "builtins.slice": slice,
        "builtins.complex": complex,
        "builtins.bytearray": bytearray,
        "builtins.list": list,
        "builtins.dict": dict,
        "builtins.tuple": tuple,
        "builtins.int": int,
        "builtins.float": float,
        "builtins.str": str,
        "builtins.bool": bool,
        "builtins.object": object,
        "__builtin__.set": set,
        "copyreg._reconstructor": _safe_reconstructor,
        "numpy.dtype": numpy.dtype,
        "numpy.ndarray": numpy.ndarray,
    }
    # numpy moved its pickling helpers from numpy.core to numpy._core.
    for package in ("numpy.core.multiarray", "numpy._core.multiarray"):
        allowed[package + ".scalar"] = numpy.core.multiarray.scalar
        allowed[package + "._reconstruct"] = numpy.core.multiarray._reconstruct
    for name in ("float16", "float32", "float64", "int32", "int64", "bool_"):
        allowed["numpy." + name] = getattr(numpy, name)
    return allowed


def _safe_reconstructor(cls: Any, base: Any, state: Any) -> Any:
    """copyreg._reconstructor restricted to classes we already allowed or stood in."""
    if isinstance(cls, type) and issubclass(cls, StandIn):
        return cls(state)
    if base is object:
        return object.__new__(cls)
    return copyreg._reconstructor(cls, base, state)


_ALLOWED: Optional[Dict[str, Any]] = None


def _allowed_globals() -> Dict[str, Any]:
    global _ALLOWED
    if _ALLOWED is None:
        _ALLOWED = {**_torch_globals(), **_other_globals()}
    return _ALLOWED


class StandInUnpickler(pickle.Unpickler):
    """Resolves allow-listed globals, stands in for everything else (fairseq.* included)."""

    def find_class(self, module: str, name: str) -> Any:
        real = _allowed_globals().get(f"{module}.{name}")
        if real is not None:
            return real
        return stand_in_class(module, name)


def _load(file: Any, **kwargs: Any) -> Any:
    return StandInUnpickler(file, **kwargs).load()


def _loads(data: bytes, **kwargs: Any) -> Any:
    import io

    return StandInUnpickler(io.BytesIO(data), **kwargs).load()


# torch.load(pickle_module=...) subclasses `pickle_module.Unpickler` and calls
# `pickle_module.load`; this module-like object provides both.
standin_pickle = types.SimpleNamespace(
    __name__="liteformer_standin_pickle",
    Unpickler=StandInUnpickler,
    load=_load,
    loads=_loads,
    UnpicklingError=pickle.UnpicklingError,
)


@dataclasses.dataclass
class FairseqCheckpoint:
    path: str
    args: argparse.Namespace
    model: Dict[str, torch.Tensor]


def _torch_load(path: str) -> Any:
    """torch.load with our pickle module.

    torch 1.13.0 (Debian's) ignores `pickle_module` unless weights_only is set
    (`else: pickle_module = pickle`), which would resolve every global for
    real. So when torch's two loaders are reachable we call them directly with
    our module, exactly as torch.load would; otherwise we use torch.load.
    """
    ser = torch.serialization
    internals = ("_is_zipfile", "_open_zipfile_reader", "_load", "_legacy_load")
    if not all(hasattr(ser, name) for name in internals):
        return torch.load(path, map_location="cpu", pickle_module=standin_pickle)
    with open(path, "rb") as f:
        if ser._is_zipfile(f):
            with ser._open_zipfile_reader(f) as zip_file:
                return ser._load(zip_file, "cpu", standin_pickle, encoding="utf-8")
        return ser._legacy_load(f, "cpu", standin_pickle, encoding="utf-8")


def load_checkpoint(path: str) -> FairseqCheckpoint:
    """Loads `args` and the `model` state dict; raises ConversionError with one line."""
    try:
        state = _torch_load(path)
    except FileNotFoundError:
        raise ConversionError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ConversionError(f"{path}: is a directory, not a checkpoint file") from None
    except Exception as exc:  # torch/pickle/zip raise many types for a bad file
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConversionError(
            f"{path}: not a PyTorch checkpoint or the file is corrupt/truncated ({reason})"
        ) from None
    if not isinstance(state, dict):
        raise ConversionError(f"{path}: not a fairseq checkpoint (top level is {type(state).__name__}, not a dict)")
    if "model" not in state or not isinstance(state["model"], dict):
        raise ConversionError(f"{path}: not a fairseq checkpoint (no 'model' state dict)")
    args = state.get("args")
    if args is None:
        if state.get("cfg") is not None:
            raise ConversionError(
                f"{path}: checkpoint stores a 'cfg' (fairseq >= 0.10 Hydra config) but no 'args'; "
                "only argparse-era checkpoints are supported"
            )
        raise ConversionError(f"{path}: not a fairseq checkpoint (no 'args')")
    if not isinstance(args, argparse.Namespace):
        raise ConversionError(f"{path}: 'args' is {type(args).__name__}, not an argparse.Namespace")
    model: Dict[str, torch.Tensor] = {}
    for key, value in state["model"].items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise ConversionError(f"{path}: state dict entry {key!r} is not a tensor")
        model[key] = value
    return FairseqCheckpoint(path=path, args=args, model=model)
