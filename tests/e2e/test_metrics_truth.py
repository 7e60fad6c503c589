"""Metrics that tell the truth after calls end badly: a call whose deadline
passed is counted DEADLINE_EXCEEDED (gRPC cancels it at the deadline; it was
counted CANCELLED), and the queue gauge returns to 0 once the queued work has
expired, while the worker is still busy (it kept the dropped sentences)."""
from __future__ import annotations

import pathlib
import time
from typing import Any

import grpc
import pytest

from e2e_util import fetch_metrics, method_is, parse_prometheus, rpc_error, total
from server_process import config_text


@pytest.fixture(scope="module")
def server(server_factory: Any, data_dir: pathlib.Path):
    # One worker and batches of one: a queued call cannot join the running one.
    config = config_text([("mt", data_dir / "lsra_dynamic_shared", True)],
                         batching="mode: STEP_LEVEL max_batch_size: 1 workers: 1 threads_per_worker: 1",
                         extra="drain_grace_seconds: 5")
    with server_factory(config, name="metrics_truth", stop_timeout=15) as process:
        yield process


def samples(server: Any) -> list:
    return parse_prometheus(fetch_metrics(server.metrics_url)[1])[1]


def test_expired_calls_count_as_deadline_exceeded_and_leave_the_queue_gauge(stubs: Any, server: Any) -> None:
    translator = stubs.pb_grpc.TranslatorStub(server.channel())
    # One sentence of ~1,000 beam-16 steps: the worker is busy for about a second
    # (0.9 s on the 2-core development machine), and the queue holds nothing of it.
    busy = translator.Translate.future(stubs.pb.TranslateRequest(
        texts=["t1 t2 t3"], options=stubs.pb.DecodingOptions(beam_size=16, min_length=1000, max_length=1020)),
        timeout=60)
    time.sleep(0.05)
    for _ in range(3):
        error = rpc_error(translator.Translate, stubs.pb.TranslateRequest(texts=["t4 t5"]), timeout=0.05)
        assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    while True:
        running = not busy.done()
        now = samples(server)
        depth = total(now, "liteformer_queue_depth")
        expired = total(now, "liteformer_requests_total",
                        lambda labels: method_is(labels, "Translate") and labels.get("code") == "DEADLINE_EXCEEDED")
        if (depth == 0 and expired == 3) or not running:
            break
        time.sleep(0.02)
    cancelled = total(now, "liteformer_requests_total",
                      lambda labels: method_is(labels, "Translate") and labels.get("code") == "CANCELLED")
    assert running, "the long call ended before the gauge showed the empty queue"
    assert (depth, expired, cancelled) == (0, 3, 0)
    busy.cancel()
