"""Compute types in the server (issue 14): a model entry's compute_type loads
the model in int8 beside a float32 one, ListModels reports each, an int8
sentence's result does not depend on its batch, and an unknown compute type
stops the start-up naming the model."""
from __future__ import annotations

import pathlib
from typing import Any

import pytest

from server_process import run_server_expecting_exit

TIMEOUT = 30.0
TEXTS = ["t1 t2 t3 t4", "t5 t6 t7", "t8 t9 t10 t11 t12 t13", "t14"]


def has_vnni() -> bool:
    return "avx512_vnni" in pathlib.Path("/proc/cpuinfo").read_text()


pytestmark = pytest.mark.skipif(not has_vnni(), reason="int8 needs AVX-512 VNNI")


@pytest.fixture(scope="module")
def server(server_factory: Any, data_dir: pathlib.Path):
    model = data_dir / "lsra_dynamic_shared"
    config = (f'models {{ name: "mt" path: "{model}" default: true }}\n'
              f'models {{ name: "mt8" path: "{model}" compute_type: INT8 }}\n'
              "cache { size_mb: 0 }\n")
    with server_factory(config, name="compute_types", stop_timeout=15) as process:
        yield process


def translate(stubs: Any, server: Any, model: str, texts: list[str]) -> list[str]:
    translator = stubs.pb_grpc.TranslatorStub(server.channel())
    response = translator.Translate(stubs.pb.TranslateRequest(
        model=model, texts=texts, options=stubs.pb.DecodingOptions(beam_size=4, return_scores=True)),
        timeout=TIMEOUT)
    return [f"{r.hypotheses[0].text} {r.hypotheses[0].score!r}" for r in response.results]


def test_list_models_reports_each_compute_type(stubs: Any, server: Any) -> None:
    models = stubs.pb_grpc.ModelServiceStub(server.channel()).ListModels(
        stubs.pb.ListModelsRequest(), timeout=TIMEOUT).models
    assert {m.name: m.compute_type for m in models} == {"mt": "float32", "mt8": "int8"}


def test_int8_results_do_not_depend_on_the_batch(stubs: Any, server: Any) -> None:
    together = translate(stubs, server, "mt8", TEXTS)
    alone = [translate(stubs, server, "mt8", [text])[0] for text in TEXTS]
    assert together == alone
    # It is the int8 model that answered: its scores are not float32's.
    assert together != translate(stubs, server, "mt", TEXTS)


def test_an_unknown_compute_type_stops_the_start(server_binary: pathlib.Path, data_dir: pathlib.Path,
                                                 tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bad.textproto"
    path.write_text(f'models {{ name: "mt" path: "{data_dir / "lsra_dynamic_shared"}" compute_type: 7 }}\n')
    result = run_server_expecting_exit(server_binary, path)
    assert result.returncode != 0
    assert "model 'mt': unknown compute_type 7" in result.stderr, result.stderr[-2000:]
