"""The response cache (issue 16): a repeated sentence is answered from the
cache, skipping the queue, with the same result as decoding it again;
no_cache bypasses it, sampling without a seed is never cached, a zero budget
turns it off, and a bad budget stops the start-up."""
from __future__ import annotations

import pathlib
from typing import Any

import pytest

from e2e_util import fetch_metrics, parse_prometheus, total
from server_process import config_text, refused_start_output

TIMEOUT = 30.0
TEXTS = ["t1 t2 t3\nt4 t5", "t6 t7 t8 t9", "t10 t11"]


def counter(server: Any, name: str) -> float:
    return total(parse_prometheus(fetch_metrics(server.metrics_url)[1])[1], name)


def hypotheses(response: Any) -> list[list[tuple[str, float, list[float]]]]:
    return [[(h.text, h.score, list(h.token_scores)) for h in result.hypotheses]
            for result in response.results]


@pytest.fixture(scope="module")
def server(server_factory: Any, data_dir: pathlib.Path):
    config = config_text([("mt", data_dir / "lsra_dynamic_shared", True)],
                         extra="drain_grace_seconds: 5\ncache { size_mb: 8 }")
    with server_factory(config, name="cache", stop_timeout=15) as process:
        yield process


def test_a_repeat_is_answered_from_the_cache_with_the_same_result(stubs: Any, server: Any) -> None:
    translator = stubs.pb_grpc.TranslatorStub(server.channel())
    options = stubs.pb.DecodingOptions(beam_size=3, num_hypotheses=2, return_scores=True)
    request = stubs.pb.TranslateRequest(texts=TEXTS, options=options)
    hits_before = counter(server, "liteformer_cache_hits_total")
    first = translator.Translate(request, timeout=TIMEOUT)
    assert first.usage.macs > 0
    second = translator.Translate(request, timeout=TIMEOUT)
    # Four sentences (the first text has two lines), all found: nothing ran.
    assert counter(server, "liteformer_cache_hits_total") == hits_before + 4
    assert second.usage.macs == 0
    assert second.usage.queue_seconds == 0 and second.usage.compute_seconds == 0
    assert hypotheses(second) == hypotheses(first)
    # And what decoding gives without the cache.
    bypass = stubs.pb.DecodingOptions(beam_size=3, num_hypotheses=2, return_scores=True, no_cache=True)
    fresh = translator.Translate(stubs.pb.TranslateRequest(texts=TEXTS, options=bypass), timeout=TIMEOUT)
    assert fresh.usage.macs == first.usage.macs
    assert hypotheses(fresh) == hypotheses(first)
    # Other options are another entry.
    other = translator.Translate(stubs.pb.TranslateRequest(
        texts=TEXTS, options=stubs.pb.DecodingOptions(beam_size=2)), timeout=TIMEOUT)
    assert other.usage.macs > 0


def test_no_cache_and_unseeded_sampling_leave_the_cache_alone(stubs: Any, server: Any) -> None:
    translator = stubs.pb_grpc.TranslatorStub(server.channel())
    looked_up = lambda: (counter(server, "liteformer_cache_hits_total")  # noqa: E731
                         + counter(server, "liteformer_cache_misses_total"))
    before = looked_up()
    bypass = stubs.pb.DecodingOptions(no_cache=True)
    for _ in range(2):
        translator.Translate(stubs.pb.TranslateRequest(texts=["t12 t13"], options=bypass), timeout=TIMEOUT)
    unseeded = stubs.pb.DecodingOptions(sampling=stubs.pb.DecodingOptions.SAMPLING_ON, beam_size=1, top_k=5)
    for _ in range(2):
        translator.Translate(stubs.pb.TranslateRequest(texts=["t12 t13"], options=unseeded), timeout=TIMEOUT)
    assert looked_up() == before
    # With a seed the result is determined, so it is cached.
    seeded = stubs.pb.DecodingOptions(sampling=stubs.pb.DecodingOptions.SAMPLING_ON, beam_size=1, top_k=5,
                                      seed=7)
    first = translator.Translate(stubs.pb.TranslateRequest(texts=["t12 t13"], options=seeded), timeout=TIMEOUT)
    again = translator.Translate(stubs.pb.TranslateRequest(texts=["t12 t13"], options=seeded), timeout=TIMEOUT)
    assert again.usage.macs == 0 and hypotheses(again) == hypotheses(first)
    assert again.usage.seed == first.usage.seed == 7


def test_a_zero_budget_turns_the_cache_off(stubs: Any, server_factory: Any, data_dir: pathlib.Path) -> None:
    config = config_text([("mt", data_dir / "lsra_dynamic_shared", True)],
                         extra="drain_grace_seconds: 5\ncache { size_mb: 0 }")
    with server_factory(config, name="cache_off", stop_timeout=15) as server:
        translator = stubs.pb_grpc.TranslatorStub(server.channel())
        for _ in range(2):
            response = translator.Translate(stubs.pb.TranslateRequest(texts=["t1 t2"]), timeout=TIMEOUT)
            assert response.usage.macs > 0
        assert counter(server, "liteformer_cache_hits_total") == 0


def test_a_cache_budget_out_of_range_stops_the_start(server_binary: pathlib.Path, tmp_path: pathlib.Path,
                                                      data_dir: pathlib.Path) -> None:
    output = refused_start_output(server_binary, tmp_path, data_dir / "lsra_dynamic_shared",
                                  "cache { size_mb: 70000 }")
    assert "cache.size_mb = 70000 exceeds 65536" in output
