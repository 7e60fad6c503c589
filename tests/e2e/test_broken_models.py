"""A model whose weights are finite but whose arithmetic overflows (a layer
norm's gain scaled to 3e38) loads, since nothing in its files is wrong. Its
NaN log-probs must come back as INTERNAL naming the model, never as an OK
answer carrying NaN, nor as INVALID_ARGUMENT blaming the client's options."""
from __future__ import annotations

import pathlib
import shutil
import sys
from typing import Any

import grpc
import pytest

from e2e_util import assert_status, rpc_error
from server_process import config_text

TIMEOUT = 30


def overflowing_copy(source: pathlib.Path, target: pathlib.Path, tensor: str, repo: pathlib.Path) -> pathlib.Path:
    sys.path.insert(0, str(repo / "tools"))
    from liteformer_ref import safetensors_io
    shutil.copytree(source, target)
    tensors = safetensors_io.read(str(target / "model.safetensors"))
    tensors[tensor] = (tensors[tensor] * 3e38).clamp(-3e38, 3e38)  # Finite, so it loads.
    safetensors_io.write(str(target / "model.safetensors"), tensors)
    return target


@pytest.fixture(scope="module")
def broken(server_factory: Any, data_dir: pathlib.Path, repo: pathlib.Path,
           tmp_path_factory: pytest.TempPathFactory):
    models = tmp_path_factory.mktemp("broken_models")
    mt = overflowing_copy(data_dir / "lsra_dynamic_shared", models / "mt_overflow",
                          "decoder.layers.1.final_layer_norm.weight", repo)
    lm = overflowing_copy(data_dir / "lm_tied", models / "lm_overflow",
                          "decoder.layers.1.final_layer_norm.weight", repo)
    config = config_text([("mt_overflow", mt, True), ("lm_overflow", lm, True)],
                         batching="workers: 1 threads_per_worker: 1", extra="drain_grace_seconds: 5")
    with server_factory(config, name="broken_models") as server:
        yield server


def test_translate_is_internal_naming_the_model(stubs: Any, broken: Any) -> None:
    translator = stubs.pb_grpc.TranslatorStub(broken.channel())
    for beam in (1, 4):
        error = rpc_error(lambda: translator.Translate(
            stubs.pb.TranslateRequest(texts=["t1 t2 t3"], options=stubs.pb.DecodingOptions(beam_size=beam)),
            timeout=TIMEOUT))
        assert_status(error, grpc.StatusCode.INTERNAL, "model 'mt_overflow'", "non-finite log-probability")


def test_score_and_generate_are_internal_naming_the_model(stubs: Any, broken: Any) -> None:
    lm = stubs.pb_grpc.LanguageModelStub(broken.channel())
    error = rpc_error(lambda: lm.Score(stubs.pb.ScoreRequest(texts=["t1 t2 t3"]), timeout=TIMEOUT))
    assert_status(error, grpc.StatusCode.INTERNAL, "model 'lm_overflow'", "non-finite log-probability")
    error = rpc_error(lambda: list(lm.Generate(stubs.pb.GenerateRequest(prompt="t1", max_tokens=3),
                                               timeout=TIMEOUT)))
    assert_status(error, grpc.StatusCode.INTERNAL, "model 'lm_overflow'", "non-finite log-probability")
    assert "model lm_overflow: model 'lm_overflow' computed a non-finite" in broken.log()
