"""Admission by expected wait (issue 15): once the server has measured how
fast its queue drains, a call whose wait would exceed max_queue_wait_ms, or
its own deadline, is refused at once with UNAVAILABLE, a message giving the
wait and the bound, a retry hint in the trailing metadata, and a count in
liteformer_admission_refused_total; every call still ends (OK or the
refusal), none is lost."""
from __future__ import annotations

import pathlib
import time
from typing import Any

import grpc
import pytest

from e2e_util import fetch_metrics, parse_prometheus, total
from server_process import config_text

TIMEOUT = 60.0


def make_server(server_factory: Any, data_dir: pathlib.Path, name: str, max_queue_wait_ms: int):
    # One worker and batches of one: a backlog builds up behind the running call.
    config = config_text([("mt", data_dir / "lsra_dynamic_shared", True)],
                         batching=("mode: STEP_LEVEL max_batch_size: 1 workers: 1 threads_per_worker: 1 "
                                   f"max_queue_wait_ms: {max_queue_wait_ms}"),
                         extra="drain_grace_seconds: 5")
    return server_factory(config, name=name, stop_timeout=20)


def backlog(stubs: Any, translator: Any, count: int) -> list:
    """`count` calls of ~300 beam-16 steps each (about 0.1 s on a 2-core
    machine), in flight at once."""
    # no_cache: else every call after the first would be a cache hit, which
    # skips the queue (and admission) altogether.
    options = stubs.pb.DecodingOptions(beam_size=16, min_length=300, max_length=310, no_cache=True)
    request = stubs.pb.TranslateRequest(texts=["t1 t2 t3"], options=options)
    return [translator.Translate.future(request, timeout=TIMEOUT) for _ in range(count)]


def outcome(future: Any) -> grpc.StatusCode:
    try:
        future.result()
        return grpc.StatusCode.OK
    except grpc.RpcError as error:
        return error.code()


def trailing(error: grpc.RpcError) -> dict[str, str]:
    return {key: value for key, value in (error.trailing_metadata() or ())}


def refused_total(server: Any, reason: str) -> float:
    samples = parse_prometheus(fetch_metrics(server.metrics_url)[1])[1]
    return total(samples, "liteformer_admission_refused_total", lambda labels: labels.get("reason") == reason)


def wait_for_measured_wait(server: Any, timeout: float = 60.0) -> None:
    """Until the server has measured its drain rate: the queued work's
    expected wait is then above zero."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        samples = parse_prometheus(fetch_metrics(server.metrics_url)[1])[1]
        if total(samples, "liteformer_queue_expected_wait_seconds", lambda labels: True) > 0:
            return
        time.sleep(0.05)
    raise AssertionError(f"no drain rate measured within {timeout} s of a backlog")


def test_over_max_queue_wait_is_refused_with_a_retry_hint(stubs: Any, server_factory: Any,
                                                          data_dir: pathlib.Path) -> None:
    with make_server(server_factory, data_dir, "admission_wait", max_queue_wait_ms=1) as server:
        translator = stubs.pb_grpc.TranslatorStub(server.channel())
        calls = backlog(stubs, translator, 30)
        # The drain rate is measured from takes that leave work queued (one
        # window: 250 ms, once a call has finished: seconds in a sanitized build).
        wait_for_measured_wait(server)
        late = []
        for _ in range(10):
            late += backlog(stubs, translator, 1)
            time.sleep(0.02)
        calls += late
        refusals = [call.exception() for call in late if outcome(call) == grpc.StatusCode.UNAVAILABLE]
        assert refusals, "no call was refused while dozens waited behind one worker"
        error = refusals[0]
        assert "is overloaded" in error.details() and "max_queue_wait_ms = 1" in error.details()
        metadata = trailing(error)
        assert int(metadata["retry-after-ms"]) >= 50
        assert metadata["grpc-retry-pushback-ms"] == metadata["retry-after-ms"]
        codes = [outcome(call) for call in calls]
        assert set(codes) <= {grpc.StatusCode.OK, grpc.StatusCode.UNAVAILABLE}, codes
        assert codes.count(grpc.StatusCode.OK) >= 30
        assert refused_total(server, "queue_wait") == codes.count(grpc.StatusCode.UNAVAILABLE)


def test_a_deadline_the_queue_cannot_meet_is_refused_at_once(stubs: Any, server_factory: Any,
                                                             data_dir: pathlib.Path) -> None:
    with make_server(server_factory, data_dir, "admission_deadline", max_queue_wait_ms=600000) as server:
        translator = stubs.pb_grpc.TranslatorStub(server.channel())
        calls = backlog(stubs, translator, 30)
        wait_for_measured_wait(server)  # The drain rate is measured while the backlog runs.
        refused = None
        for _ in range(20):
            start = time.monotonic()
            try:
                translator.Translate(stubs.pb.TranslateRequest(texts=["t4 t5"]), timeout=0.3)
            except grpc.RpcError as error:
                if error.code() == grpc.StatusCode.UNAVAILABLE:
                    refused = (error, time.monotonic() - start)
                    break
            time.sleep(0.05)
        assert refused is not None, "a 300 ms call behind seconds of work was never refused"
        error, seconds = refused
        assert "within its deadline" in error.details()
        assert seconds < 0.2, "refused at the door, not after waiting"
        metadata = trailing(error)
        assert metadata["grpc-retry-pushback-ms"] == "-1"  # Retrying cannot help.
        assert "retry-after-ms" not in metadata
        assert refused_total(server, "deadline") >= 1
        assert all(outcome(call) == grpc.StatusCode.OK for call in calls)
