"""Generate says what it does: unseeded sampling draws a fresh seed per
request and reports it (Usage.seed), so clients do not all get the same text
and any text can be replayed; a beam on a sampling model is a beam search;
sampling can be switched off or on explicitly."""
from __future__ import annotations

import json
import pathlib
import shutil
from typing import Any

import grpc
import pytest

from e2e_util import assert_status, rpc_error
from server_process import config_text

TIMEOUT = 30


@pytest.fixture(scope="module")
def server(server_factory: Any, data_dir: pathlib.Path, tmp_path_factory: pytest.TempPathFactory):
    lm = tmp_path_factory.mktemp("models") / "lm_sampling"
    shutil.copytree(data_dir / "lm_tied", lm)
    config = json.loads((lm / "config.json").read_text())
    config["decoding"]["sampling"] = True  # As models/lm-en.
    (lm / "config.json").write_text(json.dumps(config))
    with server_factory(config_text([("lm", lm, True)], extra="drain_grace_seconds: 5"),
                        name="sampling_api") as process:
        yield process


def generate(stubs: Any, server: Any, **options: Any) -> tuple[list[int], Any]:
    lm = stubs.pb_grpc.LanguageModelStub(server.channel())
    messages = list(lm.Generate(stubs.pb.GenerateRequest(prompt="t1 t2", max_tokens=12,
                                                         options=stubs.pb.DecodingOptions(**options)),
                                timeout=TIMEOUT))
    return [i for m in messages for i in m.ids], messages[-1].usage


def test_unseeded_sampling_draws_a_fresh_seed_and_reports_it(stubs: Any, server: Any) -> None:
    draws = [generate(stubs, server) for _ in range(6)]
    seeds = {usage.seed for _, usage in draws}
    assert 0 not in seeds and len(seeds) == 6
    assert len({tuple(ids) for ids, _ in draws}) > 1, "six unseeded draws gave one text"
    ids, usage = draws[0]
    replay, replay_usage = generate(stubs, server, seed=usage.seed)
    assert (replay, replay_usage.seed) == (ids, usage.seed)


def test_a_beam_on_a_sampling_model_is_a_beam_search(stubs: Any, server: Any) -> None:
    beam4, usage4 = generate(stubs, server, beam_size=4, num_hypotheses=4)
    assert usage4.seed == 0
    assert generate(stubs, server, beam_size=4, num_hypotheses=4)[0] == beam4  # Deterministic.
    off = stubs.pb.DecodingOptions.SAMPLING_OFF
    greedy, usage1 = generate(stubs, server, beam_size=1, sampling=off)
    assert usage1.seed == 0 and greedy == generate(stubs, server, beam_size=1, sampling=off)[0]
    assert usage4.macs > usage1.macs  # Four rows per step, not one.


def test_sampling_with_a_beam_is_refused_saying_why(stubs: Any, server: Any) -> None:
    error = rpc_error(lambda: generate(stubs, server, beam_size=4, sampling=stubs.pb.DecodingOptions.SAMPLING_ON))
    assert_status(error, grpc.StatusCode.INVALID_ARGUMENT, "beam_size = 4 with sampling", "SAMPLING_OFF")
