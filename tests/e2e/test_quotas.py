"""Quotas per client (issue 17, ServerConfig.quotas): a request over its
client's max_in_flight_sentences or sentences_per_second is refused whole
with RESOURCE_EXHAUSTED naming the limit, a retry-after-ms hint and a count
in liteformer_quota_refused_total; clients are tokens with auth, peer
addresses without; and one client hammering at 10x its quota leaves another
client's latency within 1.5x of its unloaded p50."""
from __future__ import annotations

import pathlib
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc

from e2e_util import fetch_metrics, parse_prometheus, total
from server_process import config_text

RESOURCE_EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED


def quota_server(server_factory: Any, data_dir: pathlib.Path, name: str, quotas: str, extra: str = "") -> Any:
    config = config_text([("mt", data_dir / "lsra_dynamic_shared", True)],
                         batching="workers: 1 threads_per_worker: 1 max_queue_wait_ms: 600000",
                         extra=f"drain_grace_seconds: 5\nquotas {{ {quotas} }}\n{extra}")
    return server_factory(config, name=name, stop_timeout=20)


def request(stubs: Any, text: str = "t1 t2 t3", *, steps: int = 0) -> Any:
    # no_cache: a repeated request must reach the quotas, not the response cache.
    options = stubs.pb.DecodingOptions(no_cache=True)
    if steps:
        options = stubs.pb.DecodingOptions(beam_size=16, min_length=steps, max_length=steps + 5, no_cache=True)
    return stubs.pb.TranslateRequest(texts=[text], options=options)


def outcome(future: Any) -> Any:
    try:
        future.result()
        return grpc.StatusCode.OK
    except grpc.RpcError as error:
        return error


def refused(server: Any, client: str, limit: str) -> float:
    samples = parse_prometheus(fetch_metrics(server.metrics_url)[1])[1]
    return total(samples, "liteformer_quota_refused_total",
                 lambda labels: labels.get("client") == client and labels.get("limit") == limit)


def test_in_flight_limit_per_peer_address(stubs: Any, server_factory: Any, data_dir: pathlib.Path) -> None:
    with quota_server(server_factory, data_dir, "quota_in_flight", "per_client { max_in_flight_sentences: 2 }") as server:
        translator = stubs.pb_grpc.TranslatorStub(server.channel())
        # Two sentences of ~300 beam-16 steps hold the quota; a third is refused.
        busy = translator.Translate.future(request(stubs, "t1 t2 t3\nt4 t5 t6", steps=300), timeout=60)
        time.sleep(0.1)
        try:
            translator.Translate(request(stubs), timeout=10)
            raise AssertionError("a third sentence was admitted over max_in_flight_sentences = 2")
        except grpc.RpcError as error:
            assert error.code() == RESOURCE_EXHAUSTED, error
            assert "over its quota" in error.details() and "max_in_flight_sentences = 2" in error.details()
            assert "client '127.0.0.1'" in error.details(), error.details()
            metadata = dict(error.trailing_metadata() or ())
            assert int(metadata["retry-after-ms"]) >= 50
        assert outcome(busy) == grpc.StatusCode.OK
        # The finished sentences gave their places back.
        translator.Translate(request(stubs, "t1 t2\nt3 t4"), timeout=10)
        assert refused(server, "anonymous", "max_in_flight_sentences") == 1


def test_rate_limit_refuses_past_the_burst_and_recovers(stubs: Any, server_factory: Any,
                                                        data_dir: pathlib.Path) -> None:
    with quota_server(server_factory, data_dir, "quota_rate",
                      "per_client { sentences_per_second: 2 burst_sentences: 3 }") as server:
        translator = stubs.pb_grpc.TranslatorStub(server.channel())
        codes = []
        for _ in range(5):
            try:
                translator.Translate(request(stubs), timeout=10)
                codes.append(grpc.StatusCode.OK)
            except grpc.RpcError as error:
                codes.append(error.code())
                last = error
        assert codes[:3] == [grpc.StatusCode.OK] * 3, codes
        assert RESOURCE_EXHAUSTED in codes[3:], codes
        assert "sentences_per_second = 2 (burst 3)" in last.details(), last.details()
        hint_ms = int(dict(last.trailing_metadata() or ())["retry-after-ms"])
        assert 50 <= hint_ms <= 500, hint_ms
        time.sleep(hint_ms / 1000 + 0.05)
        translator.Translate(request(stubs), timeout=10)  # The hint was enough.
        # A cache hit is free: repeat one cached sentence past the rate.
        cached = stubs.pb.TranslateRequest(texts=["t7 t8"])
        time.sleep(1.0)
        for _ in range(6):
            translator.Translate(cached, timeout=10)
        assert refused(server, "anonymous", "sentences_per_second") >= 1


TOKENS = "bulk bulk-secret\ninteractive interactive-secret\n"


def test_one_client_at_ten_times_its_quota_leaves_another_unharmed(stubs: Any, server_factory: Any,
                                                                   data_dir: pathlib.Path,
                                                                   tmp_path: pathlib.Path) -> None:
    tokens = tmp_path / "tokens.txt"
    tokens.write_text(TOKENS)
    quotas = 'overrides { client: "bulk" limits { sentences_per_second: 5 max_in_flight_sentences: 2 } }'
    with quota_server(server_factory, data_dir, "quota_isolation", quotas,
                      extra=f'auth {{ tokens_file: "{tokens}" }}') as server:
        channel = server.channel()
        translator = stubs.pb_grpc.TranslatorStub(channel)
        interactive = [("authorization", "Bearer interactive-secret")]
        bulk = [("authorization", "Bearer bulk-secret")]
        # ~60 beam-16 steps: a few ms of work each, well above gRPC's own time.
        work = request(stubs, "t1 t2 t3 t4 t5 t6", steps=60)

        def latencies(count: int) -> list[float]:
            seen = []
            for _ in range(count):
                start = time.perf_counter()
                translator.Translate(work, timeout=30, metadata=interactive)
                seen.append(time.perf_counter() - start)
                time.sleep(0.02)
            return seen

        latencies(5)  # Warm-up.
        unloaded = statistics.median(latencies(40))

        # Bulk at 10x its 5 sentences a second, open loop, from 4 threads.
        stop = threading.Event()
        bulk_codes: list[Any] = []

        def hammer(_: int) -> None:
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    translator.Translate(work, timeout=30, metadata=bulk)
                    bulk_codes.append(grpc.StatusCode.OK)
                except grpc.RpcError as error:
                    bulk_codes.append(error.code())
                time.sleep(max(0.0, 4 / 50 - (time.perf_counter() - started)))

        with ThreadPoolExecutor(4) as pool:
            hammering = [pool.submit(hammer, i) for i in range(4)]
            time.sleep(0.5)
            started = time.monotonic()
            loaded = statistics.median(latencies(40))
            seconds = time.monotonic() - started + 0.5
            stop.set()
            for future in hammering:
                future.result()
        admitted = bulk_codes.count(grpc.StatusCode.OK)
        print(f"quota isolation: interactive p50 {unloaded * 1000:.1f} ms unloaded, {loaded * 1000:.1f} ms "
              f"with bulk at 10x its quota ({len(bulk_codes)} bulk calls in {seconds:.1f} s, {admitted} admitted)")
        assert set(bulk_codes) <= {grpc.StatusCode.OK, RESOURCE_EXHAUSTED}, set(bulk_codes)
        assert admitted <= 5 * seconds + 5 + 2, (admitted, seconds)  # The rate plus the burst.
        assert bulk_codes.count(RESOURCE_EXHAUSTED) > admitted
        assert loaded <= 1.5 * unloaded, (loaded, unloaded)
        assert refused(server, "bulk", "sentences_per_second") + refused(server, "bulk", "max_in_flight_sentences") \
            == bulk_codes.count(RESOURCE_EXHAUSTED)
