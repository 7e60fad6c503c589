"""The Prometheus endpoint: the documented metrics exist with their types and
labels, and they count what was served."""
from __future__ import annotations

import collections
import pathlib
import socket
from typing import Any

import pytest

from e2e_util import fetch_metrics, method_is, metric_type, parse_prometheus, rpc_error, total
from server_process import config_text

TIMEOUT = 30.0


@pytest.fixture(scope="module")
def server(server_factory: Any, data_dir: pathlib.Path):
    config = config_text(
        [("mt", data_dir / "lsra_dynamic_shared", True), ("lm", data_dir / "lm_tied", True)],
        batching="mode: STEP_LEVEL max_batch_size: 16 max_queue_size: 64 workers: 1 threads_per_worker: 1",
        limits="max_texts_per_request: 8 max_chars_per_text: 2000 max_beam_size: 8",
        extra="drain_grace_seconds: 10")
    with server_factory(config, name="metrics", stop_timeout=15) as process:
        yield process


@pytest.fixture(scope="module")
def traffic(stubs: Any, server: Any) -> dict[str, int]:
    """Some successful and some failed requests, before the module's checks."""
    channel = server.channel()
    translator = stubs.pb_grpc.TranslatorStub(channel)
    lm = stubs.pb_grpc.LanguageModelStub(channel)
    for texts in (["t1 t2 t3"], ["t4 t5", "t6 t7 t8 t9"], ["t10"]):
        translator.Translate(stubs.pb.TranslateRequest(texts=texts), timeout=TIMEOUT)
    list(lm.Generate(stubs.pb.GenerateRequest(prompt="t1 t2", max_tokens=6), timeout=TIMEOUT))
    lm.Score(stubs.pb.ScoreRequest(texts=["t1 t2 t3"]), timeout=TIMEOUT)
    rpc_error(translator.Translate, stubs.pb.TranslateRequest(
        texts=["t1"], options=stubs.pb.DecodingOptions(beam_size=9)), timeout=TIMEOUT)
    return {"translate_ok": 3, "invalid": 1}


@pytest.fixture
def metrics(server: Any, traffic: Any) -> tuple[str, dict[str, str], list]:
    content_type, body = fetch_metrics(server.metrics_url)
    types, samples = parse_prometheus(body)
    return content_type, types, samples


def test_content_type_is_prometheus_text(metrics: Any) -> None:
    content_type, _, _ = metrics
    assert content_type.startswith("text/plain"), content_type


@pytest.mark.parametrize("name,kind", [
    ("liteformer_requests_total", "counter"),
    ("liteformer_queue_seconds", "histogram"),
    ("liteformer_batch_size", "histogram"),
    ("liteformer_request_seconds", "histogram"),
    ("liteformer_tokens_generated_total", "counter"),
    ("liteformer_macs_total", "counter"),
    ("liteformer_queue_depth", "gauge"),
])
def test_metric_exists_with_its_type(metrics: Any, name: str, kind: str) -> None:
    _, types, samples = metrics
    assert metric_type(types, name) == kind, {k: v for k, v in types.items() if k.startswith("liteformer")}
    names = {sample for sample, _, _ in samples}
    if kind == "histogram":
        assert {name + "_bucket", name + "_sum", name + "_count"} <= names, sorted(names)
    else:
        assert name in names, sorted(names)


def test_requests_total_by_model_method_code(metrics: Any) -> None:
    _, _, samples = metrics
    requests = [(labels, value) for name, labels, value in samples if name == "liteformer_requests_total"]
    assert requests, "no liteformer_requests_total samples"
    for labels, _ in requests:
        assert {"model", "method", "code"} <= set(labels), labels
    ok = total(samples, "liteformer_requests_total",
               lambda l: l["model"] == "mt" and method_is(l, "Translate") and l["code"] == "OK")
    assert ok >= 3, requests
    invalid = total(samples, "liteformer_requests_total",
                    lambda l: method_is(l, "Translate") and l["code"] == "INVALID_ARGUMENT")
    assert invalid >= 1, requests
    assert total(samples, "liteformer_requests_total",
                 lambda l: l["model"] == "lm" and method_is(l, "Generate") and l["code"] == "OK") >= 1, requests
    assert total(samples, "liteformer_requests_total",
                 lambda l: l["model"] == "lm" and method_is(l, "Score") and l["code"] == "OK") >= 1, requests


@pytest.mark.parametrize("name", ["liteformer_queue_seconds", "liteformer_batch_size", "liteformer_request_seconds"])
def test_histograms_are_consistent_and_count(metrics: Any, name: str) -> None:
    _, _, samples = metrics
    assert total(samples, name + "_count") > 0
    # Per label set: buckets non-decreasing in le, +Inf bucket == _count.
    buckets: dict[tuple, list[tuple[float, float]]] = collections.defaultdict(list)
    counts: dict[tuple, float] = {}
    for sample, labels, value in samples:
        key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        if sample == name + "_bucket":
            buckets[key].append((float(labels["le"]), value))
        elif sample == name + "_count":
            counts[key] = value
    assert buckets
    for key, series in buckets.items():
        series.sort()
        values = [v for _, v in series]
        assert values == sorted(values), (key, series)
        assert series[-1][0] == float("inf"), (key, series)
        assert series[-1][1] == counts.get(key), (key, series, counts.get(key))


def test_counters_are_positive(metrics: Any) -> None:
    _, _, samples = metrics
    assert total(samples, "liteformer_tokens_generated_total") > 0
    assert total(samples, "liteformer_macs_total") > 0
    depth = [value for name, _, value in samples if name == "liteformer_queue_depth"]
    assert depth and all(v >= 0 for v in depth)


def test_a_request_increments_the_counters(stubs: Any, server: Any, traffic: Any) -> None:
    def snapshot() -> tuple[float, float, float]:
        _, samples = parse_prometheus(fetch_metrics(server.metrics_url)[1])
        return (total(samples, "liteformer_requests_total",
                      lambda l: l["model"] == "mt" and method_is(l, "Translate") and l["code"] == "OK"),
                total(samples, "liteformer_tokens_generated_total"), total(samples, "liteformer_macs_total"))
    before = snapshot()
    translator = stubs.pb_grpc.TranslatorStub(server.channel())
    response = translator.Translate(stubs.pb.TranslateRequest(texts=["t1 t2 t3 t4"]), timeout=TIMEOUT)
    after = snapshot()
    assert after[0] == before[0] + 1
    assert after[1] > before[1]
    assert after[2] - before[2] >= response.usage.macs > 0


def test_metrics_none_disables_the_endpoint(stubs: Any, server_factory: Any, data_dir: pathlib.Path) -> None:
    config = config_text([("mt", data_dir / "lsra_dynamic_shared", True)], extra="drain_grace_seconds: 5")
    with server_factory(config, name="no_metrics", metrics=False, stop_timeout=15) as process:
        assert "--metrics_listen=none" in process.command()
        response = stubs.pb_grpc.TranslatorStub(process.channel()).Translate(
            stubs.pb.TranslateRequest(texts=["t1 t2"]), timeout=TIMEOUT)
        assert response.results
        # Nothing listens on the port it would otherwise have used.
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", process.metrics_port)) != 0


def test_idle_and_slow_connections_leave_scrapes_fast(server: Any) -> None:
    """200 idle connections and 4 that drip a header byte at a time (issue 15:
    they held the old thread-per-connection endpoint shut for 65-95 s)."""
    import statistics
    import time

    host = ("127.0.0.1", server.metrics_port)
    idle = [socket.create_connection(host, timeout=10) for _ in range(200)]
    slow = [socket.create_connection(host, timeout=10) for _ in range(4)]
    try:
        request = b"GET /metrics HTTP/1.1\r\n"
        times = []
        for i in range(5):
            for sock in slow:
                sock.sendall(request[i:i + 1])
            start = time.monotonic()
            _, body = fetch_metrics(server.metrics_url, timeout=10)
            times.append(time.monotonic() - start)
            assert "liteformer_requests_total" in body
        assert statistics.median(times) < 0.1, times
        # The server closes connections that send nothing (recv sees EOF).
        for sock in idle[:20]:
            assert sock.recv(1) == b""
    finally:
        for sock in idle + slow:
            sock.close()
