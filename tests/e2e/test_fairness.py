"""Fair queuing across clients over real gRPC (issue 16): a big request sent
first cannot hold the model for another client. The issue's case: one
Translate of 64 texts x 4 sentences (1,162 bytes), beam 16, min = max length
255, then a small request from another client; the small one's latency stays
within 2x its unloaded latency. Clients are tokens (auth on), as both calls
come from one peer address."""
from __future__ import annotations

import pathlib
import statistics
import time
from typing import Any

from server_process import config_text

TOKENS = "big big-secret\nsmall small-secret\n"


def big_request(stubs: Any) -> Any:
    # 64 texts of 4 sentences, 1,162 bytes as in the issue.
    # Each text 16 bytes, each sentence different.
    texts = [f"t{10 + i % 26} t{10 + i // 26 % 26}\nt{i % 10}\nt{i // 10 % 10}\nt4" for i in range(64)]
    options = stubs.pb.DecodingOptions(beam_size=16, min_length=255, max_length=255)
    return stubs.pb.TranslateRequest(texts=texts, options=options)


def test_a_big_request_sent_first_does_not_hold_the_model_for_another_client(
        stubs: Any, server_factory: Any, data_dir: pathlib.Path, tmp_path: pathlib.Path) -> None:
    tokens = tmp_path / "tokens.txt"
    tokens.write_text(TOKENS)
    config = config_text([("mt", data_dir / "lsra_dynamic_shared", True)],
                         batching="workers: 2 threads_per_worker: 1 max_queue_wait_ms: 600000",
                         extra=f'drain_grace_seconds: 1\nauth {{ tokens_file: "{tokens}" }}')
    with server_factory(config, name="fairness", stop_timeout=30) as server:
        translator = stubs.pb_grpc.TranslatorStub(server.channel())
        small_client = [("authorization", "Bearer small-secret")]
        # ~60 beam-16 steps: the server's work, not gRPC's, sets the latency.
        small = stubs.pb.TranslateRequest(texts=["t1 t2 t3 t4 t5 t6"], options=stubs.pb.DecodingOptions(
            beam_size=16, min_length=60, max_length=65, no_cache=True))

        def latency() -> float:
            start = time.perf_counter()
            translator.Translate(small, timeout=60, metadata=small_client)
            return time.perf_counter() - start

        for _ in range(5):
            latency()  # Warm-up.
        before = [latency() for _ in range(20)]
        request = big_request(stubs)
        assert request.ByteSize() == 1162, request.ByteSize()
        big = translator.Translate.future(request, timeout=120, metadata=[("authorization", "Bearer big-secret")])
        time.sleep(0.5)
        loaded = [latency() for _ in range(20)]
        assert not big.done(), "the big request ended before the small ones were measured"
        big.cancel()
        assert big.cancelled()
        # Unloaded before and after: the machine's own load (other tests,
        # ctest runs in parallel) weighs on both sides alike.
        after = [latency() for _ in range(20)]
        unloaded = statistics.median(before + after)
        print(f"fairness: small request {unloaded * 1000:.1f} ms unloaded; behind the big request the first "
              f"{loaded[0] * 1000:.1f} ms, median of 20 {statistics.median(loaded) * 1000:.1f} ms")
        assert statistics.median(loaded) <= 2 * unloaded, (loaded, unloaded)
