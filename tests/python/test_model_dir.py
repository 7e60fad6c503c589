"""Model directory round trip and the loader's refusals (each naming the file and the tensor/field)."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
import torch

from liteformer_ref import safetensors_io
from liteformer_ref.errors import ModelFormatError
from liteformer_ref.model_dir import WEIGHTS_FILE, load_model, save_model
from liteformer_ref.random_model import VARIANTS, decoder_inputs, random_model, random_tokens


def _outputs(model: torch.nn.Module, lm: bool, vs: int, vt: int) -> torch.Tensor:
    src = None if lm else random_tokens([5, 3], vs, seed=1)
    prev = decoder_inputs(random_tokens([4, 2], vt, seed=2))
    with torch.no_grad():
        return model(src, prev)


@pytest.mark.parametrize("variant", VARIANTS)
def test_round_trip_gives_identical_outputs(tmp_path: Path, variant: str) -> None:
    rm = random_model(variant, seed=7)
    save_model(tmp_path, rm.model, rm.config, rm.dicts)
    loaded = load_model(tmp_path)
    c = rm.config
    assert loaded.config == c
    assert loaded.target_dict == rm.dicts.target and loaded.source_dict == rm.dicts.source
    assert loaded.sentencepiece is None
    args = (c.is_language_model, c.vocab.source_size or 0, c.vocab.target_size)
    assert torch.equal(_outputs(rm.model, *args), _outputs(loaded.model, *args))
    stored = set(safetensors_io.read(tmp_path / WEIGHTS_FILE))
    assert not any("_float_tensor" in n or n.endswith(".version") for n in stored)
    if c.share_all_embeddings:
        assert "decoder.embed_tokens.weight" not in stored
    if c.adaptive_input is not None:
        assert not any(n.startswith("decoder.adaptive_softmax.tail") for n in stored)
        assert "decoder.adaptive_softmax.head.class_proj.weight" in stored


@pytest.mark.parametrize("dtype,tol", [("F16", 5e-2), ("BF16", 2e-1)])
def test_half_precision_storage_loads_close(tmp_path: Path, dtype: str, tol: float) -> None:
    rm = random_model("lsra_dynamic_shared", seed=7)
    save_model(tmp_path, rm.model, rm.config, rm.dicts, dtype=dtype)
    assert set(safetensors_io.load(tmp_path / WEIGHTS_FILE).dtypes.values()) == {dtype}
    loaded = load_model(tmp_path)
    a = _outputs(rm.model, False, 40, 40)
    b = _outputs(loaded.model, False, 40, 40)
    assert float((a - b).abs().max()) < tol


@pytest.fixture()
def saved(tmp_path: Path) -> Path:
    rm = random_model("lsra_lightweight_separate", seed=1)
    save_model(tmp_path, rm.model, rm.config, rm.dicts)
    return tmp_path


def _rewrite_weights(directory: Path, edit) -> None:  # type: ignore[no-untyped-def]
    tensors = safetensors_io.read(directory / WEIGHTS_FILE)
    edit(tensors)
    safetensors_io.write(directory / WEIGHTS_FILE, tensors)


def _refusal(directory: Path) -> str:
    with pytest.raises(ModelFormatError) as info:
        load_model(directory)
    return str(info.value)


def test_refuses_truncated_safetensors(saved: Path) -> None:
    path = saved / WEIGHTS_FILE
    path.write_bytes(path.read_bytes()[:-100])
    message = _refusal(saved)
    assert str(path) in message and "truncated" in message and "tensor '" in message


def test_refuses_garbage_safetensors(saved: Path) -> None:
    path = saved / WEIGHTS_FILE
    path.write_bytes(struct.pack("<Q", 20) + b"this is not json!!!!" + b"\0" * 16)
    message = _refusal(saved)
    assert str(path) in message and "JSON" in message
    path.write_bytes(b"\x01\x02")
    assert str(path) in _refusal(saved)


def test_refuses_missing_tensor(saved: Path) -> None:
    _rewrite_weights(saved, lambda t: t.pop("decoder.layers.1.self_attn.branches.1.weight"))
    message = _refusal(saved)
    assert WEIGHTS_FILE in message and "missing tensor 'decoder.layers.1.self_attn.branches.1.weight'" in message


def test_refuses_extra_tensor(saved: Path) -> None:
    _rewrite_weights(saved, lambda t: t.update({"decoder.layers.0.bogus.weight": torch.zeros(2)}))
    message = _refusal(saved)
    assert WEIGHTS_FILE in message and "unexpected tensor 'decoder.layers.0.bogus.weight'" in message


def test_refuses_wrong_shape(saved: Path) -> None:
    name = "encoder.layers.0.fc1.weight"
    _rewrite_weights(saved, lambda t: t.update({name: t[name].t().contiguous()}))
    message = _refusal(saved)
    assert WEIGHTS_FILE in message and f"tensor '{name}' has shape (32, 40)" in message


def test_refuses_integer_tensor(saved: Path) -> None:
    name = "encoder.layers.0.fc1.bias"
    _rewrite_weights(saved, lambda t: t.update({name: t[name].long()}))
    message = _refusal(saved)
    assert f"tensor '{name}' has dtype I64" in message


def test_refuses_missing_dictionary(saved: Path) -> None:
    (saved / "dict.yy.txt").unlink()
    message = _refusal(saved)
    assert "dict.yy.txt" in message and "not found" in message


def test_refuses_dictionary_of_wrong_size(saved: Path) -> None:
    with open(saved / "dict.xx.txt", "a", encoding="utf-8") as f:
        f.write("extra 1\n")
    message = _refusal(saved)
    assert "dict.xx.txt" in message and "vocab.source_size" in message


def test_refuses_bad_config(saved: Path) -> None:
    path = saved / "config.json"
    data = json.loads(path.read_text())
    data["decoder"]["conv"]["kernel_sizes"] = [3]
    path.write_text(json.dumps(data))
    message = _refusal(saved)
    assert str(path) in message and "decoder.conv.kernel_sizes" in message
    data["decoder"]["conv"]["kernel_sizes"] = [3, 7]
    data["encoder"]["normalise_before"] = True
    path.write_text(json.dumps(data))
    assert "'encoder.normalise_before': unknown field" in _refusal(saved)
    path.write_text("{not json")
    assert str(path) in _refusal(saved)
    path.unlink()
    assert str(path) in _refusal(saved)


def test_config_size_mismatch_named_by_tensor(saved: Path) -> None:
    """config.json and weights disagreeing (ffn_dim) is reported on the first differing tensor."""
    path = saved / "config.json"
    data = json.loads(path.read_text())
    data["encoder"]["ffn_dim"] = 41
    path.write_text(json.dumps(data))
    message = _refusal(saved)
    assert WEIGHTS_FILE in message and "encoder.layers.0.fc1" in message
