"""A flood of failing calls does not flood the log: failed calls log at most
20 lines at once and 10 a second after that, and the next line logged says
how many were left out (liteformer_requests_total still counts every one)."""
from __future__ import annotations

import pathlib
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc

from e2e_util import fetch_metrics, parse_prometheus, total
from server_process import config_text

CALLS = 600


def test_failed_calls_are_logged_rate_limited_and_counted_in_full(stubs: Any, server_factory: Any,
                                                                   data_dir: pathlib.Path) -> None:
    config = config_text([("mt", data_dir / "lsra_dynamic_shared", True)], extra="drain_grace_seconds: 5")
    with server_factory(config, name="log_flood") as server:
        translator = stubs.pb_grpc.TranslatorStub(server.channel())

        def bad_call(_: int) -> grpc.StatusCode:
            try:
                translator.Translate(stubs.pb.TranslateRequest(model="nope", texts=["t1"]), timeout=30)
            except grpc.RpcError as error:
                return error.code()
            return grpc.StatusCode.OK

        start = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(bad_call, range(CALLS)))
        seconds = time.monotonic() - start
        assert set(codes) == {grpc.StatusCode.NOT_FOUND}
        time.sleep(0.3)
        bad_call(0)  # One more after a pause: it is logged, with the count left out.
        lines = [line for line in server.log().splitlines() if " failed: " in line]
        assert len(lines) <= 20 + 10 * (seconds + 0.5) + 2, (len(lines), seconds)
        assert "failed calls not logged before this one" in lines[-1], lines[-1]
        samples = parse_prometheus(fetch_metrics(server.metrics_url)[1])[1]
        counted = total(samples, "liteformer_requests_total", lambda labels: labels.get("code") == "NOT_FOUND")
        assert counted == CALLS + 1
