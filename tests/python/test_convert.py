"""tools/convert.py fairseq: round trips for every variant and every refusal."""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest
import torch

from fairseq_fixtures import (fairseq_state_dict, make_checkpoint, save_checkpoint, variant_args, write_dicts)
from liteformer_ref.convert_fairseq import ConvertOptions, convert
from liteformer_ref.fairseq_checkpoint import ConversionError, load_checkpoint
from liteformer_ref.model_dir import load_model
from liteformer_ref.random_model import decoder_inputs, random_model, random_tokens

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONVERT = str(ROOT / "tools" / "convert.py")
PYTHON = "/usr/bin/python3"
ROUND_TRIP = ["lsra_dynamic_shared", "lsra_lightweight_separate", "transformer", "lm_adaptive", "lm_tied"]


def _log_probs(model: torch.nn.Module, config, seed: int = 1) -> torch.Tensor:
    targets = random_tokens([6, 4, 5], config.vocab.target_size, seed=seed)
    src = None
    if config.encoder is not None:
        src = random_tokens([5, 7, 3], config.vocab.source_size, seed=seed + 1)
    with torch.no_grad():
        return model(src, decoder_inputs(targets))


def _run_cli(*argv: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run([PYTHON, CONVERT, *argv], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("variant", ROUND_TRIP)
def test_round_trip_same_log_probs(tmp_path: pathlib.Path, variant: str) -> None:
    rm, ckpt, dicts = make_checkpoint(str(tmp_path), variant)
    out = tmp_path / "model"
    convert(ConvertOptions(checkpoint=ckpt, dicts=dicts, out=str(out), name="demo"))
    loaded = load_model(out)
    assert loaded.config.to_json() == {**rm.config.to_json(), "name": "demo", "decoding": loaded.config.decoding.to_json()}
    expected = _log_probs(rm.model, rm.config)
    actual = _log_probs(loaded.model, loaded.config)
    assert (expected - actual).abs().max().item() <= 1e-6
    assert loaded.target_dict == rm.dicts.target


def test_cli_round_trip_writes_the_model_directory(tmp_path: pathlib.Path) -> None:
    rm, ckpt, dicts = make_checkpoint(str(tmp_path), "lsra_dynamic_shared")
    spm = tmp_path / "text.spm"
    spm.write_bytes(b"not really a sentencepiece model")
    out = tmp_path / "en-de"
    result = _run_cli("fairseq", ckpt, "--dicts", dicts, "--out", str(out), "--spm", str(spm))
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(out)) == ["config.json", "dict.xx.txt", "dict.yy.txt", "model.safetensors", "text.spm"]
    config = json.loads((out / "config.json").read_text())
    assert (config["name"], config["arch"], config["task"]) == ("en-de", "lite_transformer", "translation")
    assert (config["source_lang"], config["target_lang"]) == ("xx", "yy")
    assert config["decoder"]["conv"]["kernel_sizes"] == [3, 5]  # cut from [3, 5, 15, 31, ...]
    assert config["decoding"]["length_penalty"] == 0.6
    loaded = load_model(out)
    assert (_log_probs(rm.model, rm.config) - _log_probs(loaded.model, loaded.config)).abs().max().item() <= 1e-6


def test_fp16_checkpoint_is_widened_before_validation(tmp_path: pathlib.Path) -> None:
    rm = random_model("lsra_lightweight_separate")
    state = {k: (v.half() if v.is_floating_point() else v) for k, v in fairseq_state_dict(rm).items()}
    ckpt = str(tmp_path / "fp16.pt")
    save_checkpoint(ckpt, variant_args("lsra_lightweight_separate"), state)
    write_dicts(rm, str(tmp_path / "d"))
    convert(ConvertOptions(checkpoint=ckpt, dicts=str(tmp_path / "d"), out=str(tmp_path / "m")))
    loaded = load_model(tmp_path / "m")
    rounded = random_model("lsra_lightweight_separate").model
    rounded.load_state_dict({k: v.half().float() for k, v in rm.model.state_dict().items()})
    diff = _log_probs(rounded, rm.config) - _log_probs(loaded.model, loaded.config)
    assert diff.abs().max().item() <= 1e-6


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_storage_dtypes(tmp_path: pathlib.Path, dtype: str) -> None:
    rm, ckpt, dicts = make_checkpoint(str(tmp_path), "transformer")
    convert(ConvertOptions(checkpoint=ckpt, dicts=dicts, out=str(tmp_path / "m"), dtype=dtype))
    loaded = load_model(tmp_path / "m")
    diff = _log_probs(rm.model, rm.config) - _log_probs(loaded.model, loaded.config)
    assert diff.abs().max().item() < 0.1


def test_loader_needs_no_fairseq_and_keeps_args(tmp_path: pathlib.Path) -> None:
    _, ckpt, _ = make_checkpoint(str(tmp_path), "lsra_lightweight_separate")
    loaded = load_checkpoint(ckpt)
    assert "fairseq" not in sys.modules
    assert type(loaded.args).__name__ == "Namespace" and type(loaded.args).__module__ == "argparse"
    assert loaded.args.arch == "transformer_multibranch_v2_iwslt_de_en"
    assert "decoder.version" in loaded.model


def test_refuses_to_overwrite_without_force(tmp_path: pathlib.Path) -> None:
    _, ckpt, dicts = make_checkpoint(str(tmp_path), "transformer")
    out = tmp_path / "m"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(ConversionError, match="already exists"):
        convert(ConvertOptions(checkpoint=ckpt, dicts=dicts, out=str(out)))
    convert(ConvertOptions(checkpoint=ckpt, dicts=dicts, out=str(out), force=True))
    assert not (out / "keep.txt").exists() and (out / "model.safetensors").exists()
    assert [p for p in os.listdir(tmp_path) if p.startswith(".")] == []  # no staging leftovers


# ---- refusals through the CLI: exit status 2, one line naming the problem ----

def _assert_refused(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def _modified_checkpoint(tmp_path: pathlib.Path, variant: str, edit) -> tuple:
    rm = random_model(variant)
    args, state = variant_args(variant), fairseq_state_dict(rm)
    edit(args, state)
    ckpt = str(tmp_path / "edited.pt")
    save_checkpoint(ckpt, args, state)
    dicts = str(tmp_path / "dicts")
    write_dicts(rm, dicts)
    return ckpt, dicts


def test_cli_refuses_unknown_arch(tmp_path: pathlib.Path) -> None:
    ckpt, dicts = _modified_checkpoint(tmp_path, "transformer", lambda a, s: setattr(a, "arch", "lightconv_wmt_en_de"))
    _assert_refused(_run_cli("fairseq", ckpt, "--dicts", dicts, "--out", str(tmp_path / "m")),
                    "unknown arch 'lightconv_wmt_en_de'")
    assert not (tmp_path / "m").exists()


def test_cli_refuses_missing_tensor(tmp_path: pathlib.Path) -> None:
    name = "decoder.layers.1.self_attn.branches.1.weight_linear.weight"
    ckpt, dicts = _modified_checkpoint(tmp_path, "lsra_dynamic_shared", lambda a, s: s.pop(name))
    _assert_refused(_run_cli("fairseq", ckpt, "--dicts", dicts, "--out", str(tmp_path / "m")),
                    "missing tensor", name)


def test_cli_refuses_extra_tensor(tmp_path: pathlib.Path) -> None:
    name = "encoder.layers.0.self_attn.branches.1.conv_bias"
    ckpt, dicts = _modified_checkpoint(tmp_path, "lsra_dynamic_shared",
                                       lambda a, s: s.__setitem__(name, torch.zeros(16)))
    _assert_refused(_run_cli("fairseq", ckpt, "--dicts", dicts, "--out", str(tmp_path / "m")),
                    "extra tensor", name)


def test_cli_refuses_shape_mismatch(tmp_path: pathlib.Path) -> None:
    name = "decoder.layers.0.fc1.weight"
    ckpt, dicts = _modified_checkpoint(tmp_path, "transformer", lambda a, s: s.__setitem__(name, torch.zeros(65, 32)))
    _assert_refused(_run_cli("fairseq", ckpt, "--dicts", dicts, "--out", str(tmp_path / "m")),
                    name, "(65, 32)", "(64, 32)")


def test_cli_refuses_missing_dictionary(tmp_path: pathlib.Path) -> None:
    rm, ckpt, _ = make_checkpoint(str(tmp_path), "lsra_lightweight_separate")
    dicts = str(tmp_path / "partial")
    write_dicts(rm, dicts, skip="dict.yy.txt")
    _assert_refused(_run_cli("fairseq", ckpt, "--dicts", dicts, "--out", str(tmp_path / "m")),
                    "missing dictionary", "dict.yy.txt")


def test_cli_refuses_dictionary_size_mismatch(tmp_path: pathlib.Path) -> None:
    _, ckpt, dicts = make_checkpoint(str(tmp_path), "lsra_lightweight_separate")
    path = pathlib.Path(dicts) / "dict.xx.txt"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:-3]))
    _assert_refused(_run_cli("fairseq", ckpt, "--dicts", dicts, "--out", str(tmp_path / "m")),
                    "dict.xx.txt", "37 entries", "encoder.embed_tokens.weight", "40 rows")


def test_cli_refuses_garbage_file(tmp_path: pathlib.Path) -> None:
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(os.urandom(4096))
    _assert_refused(_run_cli("fairseq", str(garbage), "--dicts", str(tmp_path), "--out", str(tmp_path / "m")),
                    str(garbage), "not a PyTorch checkpoint")


def test_cli_refuses_truncated_checkpoint(tmp_path: pathlib.Path) -> None:
    _, ckpt, dicts = make_checkpoint(str(tmp_path), "transformer")
    data = pathlib.Path(ckpt).read_bytes()
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(data[: len(data) * 2 // 3])
    _assert_refused(_run_cli("fairseq", str(truncated), "--dicts", dicts, "--out", str(tmp_path / "m")),
                    "truncated.pt", "corrupt")


# ---- unsupported options (in-process: same code path, no interpreter start-up) ----

def _refusal(tmp_path: pathlib.Path, variant: str, edit) -> str:
    ckpt, dicts = _modified_checkpoint(tmp_path, variant, edit)
    with pytest.raises(ConversionError) as info:
        convert(ConvertOptions(checkpoint=ckpt, dicts=dicts, out=str(tmp_path / "m")))
    assert not (tmp_path / "m").exists()
    return str(info.value)


@pytest.mark.parametrize("variant,edit,needle", [
    ("transformer", lambda a, s: setattr(a, "encoder_learned_pos", True), "learned positional"),
    ("lsra_dynamic_shared", lambda a, s: setattr(a, "encoder_branch_type", ["attn:1:20:4", "dynamic:default:12:4"]),
     "20+12"),
    ("lsra_dynamic_shared", lambda a, s: setattr(a, "decoder_branch_type", ["dynamic:default:16:4", "attn:1:16:4"]),
     "attention branch first"),
    ("lsra_dynamic_shared", lambda a, s: setattr(a, "conv_linear", False), "conv_linear"),
    ("lm_adaptive", lambda a, s: setattr(a, "tie_adaptive_proj", False), "untied adaptive softmax"),
    ("transformer", lambda a, s: setattr(a, "activation_fn", "gelu"), "activation_fn 'gelu'"),
    ("lsra_dynamic_shared", lambda a, s: s["decoder.embed_tokens.weight"].add_(1.0), "should be tied"),
])
def test_refuses_unsupported(tmp_path: pathlib.Path, variant: str, edit, needle: str) -> None:
    assert needle in _refusal(tmp_path, variant, edit)


def test_old_checkpoint_names_are_upgraded(tmp_path: pathlib.Path) -> None:
    """in_proj_weight (stacked q, k, v), layer_norms.N and the 'branchs' typo, as fairseq upgrades them."""
    rm = random_model("lsra_dynamic_shared")

    def edit(args, state):
        for prefix in ("encoder.layers.0.self_attn.branches.0", "decoder.layers.1.encoder_attn"):
            for param in ("weight", "bias"):
                parts = [state.pop(f"{prefix}.{p}_proj.{param}") for p in "qkv"]
                state[f"{prefix}.in_proj_{param}"] = torch.cat(parts)
        for param in ("weight", "bias"):
            state[f"encoder.layers.1.layer_norms.1.{param}"] = state.pop(f"encoder.layers.1.final_layer_norm.{param}")
        for key in [k for k in state if k.startswith("decoder.layers.0.self_attn.branches.1.")]:
            state[key.replace("branches", "branchs")] = state.pop(key)

    ckpt, dicts = _modified_checkpoint(tmp_path, "lsra_dynamic_shared", edit)
    convert(ConvertOptions(checkpoint=ckpt, dicts=dicts, out=str(tmp_path / "m")))
    loaded = load_model(tmp_path / "m")
    assert (_log_probs(rm.model, rm.config) - _log_probs(loaded.model, loaded.config)).abs().max().item() <= 1e-6


def test_summarization_task_and_language_override(tmp_path: pathlib.Path) -> None:
    """CNN-DM models are fairseq translation checkpoints; --task picks the published decoding defaults."""
    rm = random_model("lsra_dynamic_shared")
    ckpt, dicts = _modified_checkpoint(tmp_path, "lsra_dynamic_shared", lambda a, s: setattr(a, "source_lang", None))
    os.rename(os.path.join(dicts, "dict.xx.txt"), os.path.join(dicts, "dict.doc.txt"))
    convert(ConvertOptions(checkpoint=ckpt, dicts=dicts, out=str(tmp_path / "m"), task="summarization",
                           source_lang="doc"))
    loaded = load_model(tmp_path / "m")
    assert (loaded.config.task, loaded.config.source_lang, loaded.config.vocab.source) == \
        ("summarization", "doc", "dict.doc.txt")
    decoding = loaded.config.decoding
    assert (decoding.length_penalty, decoding.min_len, decoding.max_len_b, decoding.no_repeat_ngram_size) == \
        (2.0, 55, 140, 3)
    assert (_log_probs(rm.model, rm.config) - _log_probs(loaded.model, loaded.config)).abs().max().item() <= 1e-6


def test_legacy_torch_format(tmp_path: pathlib.Path) -> None:
    rm = random_model("lm_adaptive")
    ckpt = str(tmp_path / "legacy.pt")
    save_checkpoint(ckpt, variant_args("lm_adaptive"), fairseq_state_dict(rm), legacy_format=True)
    write_dicts(rm, str(tmp_path / "d"))
    convert(ConvertOptions(checkpoint=ckpt, dicts=str(tmp_path / "d"), out=str(tmp_path / "m")))
    loaded = load_model(tmp_path / "m")
    assert (_log_probs(rm.model, rm.config) - _log_probs(loaded.model, loaded.config)).abs().max().item() <= 1e-6
