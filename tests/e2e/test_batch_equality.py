"""A text's result does not depend on what it is batched with: 1,000 Translate
requests from 32 concurrent client threads over several channels, each best
hypothesis equal to liteformer-run's output for that text (the engine alone)."""
from __future__ import annotations

import pathlib
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest

from e2e_util import MT_WORDS, fetch_metrics, parse_prometheus, total
from server_process import config_text

REQUESTS = 1000
THREADS = 32
CHANNELS = 8
BEAM = 4


@pytest.fixture(scope="module")
def sources() -> list[str]:
    """50 distinct texts of 1 to 40 dictionary words."""
    rng = random.Random(20240605)
    texts: list[str] = []
    while len(texts) < 50:
        length = rng.choice([1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40])
        text = " ".join(rng.choice(MT_WORDS) for _ in range(length))
        if text not in texts:
            texts.append(text)
    return texts


@pytest.fixture(scope="module")
def expected(sources: list[str], engine_run: Any, data_dir: pathlib.Path) -> dict[str, tuple[str, float]]:
    out = engine_run("translate", data_dir / "lsra_dynamic_shared", sources, "--beam", str(BEAM))
    return {text: (line["hypotheses"][0]["text"], line["hypotheses"][0]["score"]) for text, line in zip(sources, out)}


@pytest.mark.parametrize("mode", ["STEP_LEVEL", "REQUEST_LEVEL"])
def test_results_equal_the_engine_under_concurrent_load(stubs: Any, server_factory: Any, data_dir: pathlib.Path,
                                                        sources: list[str], expected: dict, mode: str) -> None:
    # The flood queues seconds of work on purpose: admission by expected wait
    # (default 500 ms) would refuse most of it, and this test is about results.
    config = config_text([("mt", data_dir / "lsra_dynamic_shared", True)],
                         batching=f"mode: {mode} max_batch_size: 16 max_queue_size: 1024 workers: 1 "
                                  "threads_per_worker: 1 max_queue_wait_ms: 600000",
                         extra="drain_grace_seconds: 10")
    rng = random.Random(7)
    order = sources + [rng.choice(sources) for _ in range(REQUESTS - len(sources))]
    rng.shuffle(order)
    with server_factory(config, name=f"equality_{mode.lower()}", stop_timeout=15) as process:
        translators = [stubs.pb_grpc.TranslatorStub(process.channel()) for _ in range(CHANNELS)]
        options = stubs.pb.DecodingOptions(beam_size=BEAM)

        def translate(i: int) -> tuple[str, Any]:
            text = order[i]
            try:
                response = translators[i % CHANNELS].Translate(
                    stubs.pb.TranslateRequest(texts=[text], options=options), timeout=60)
                return text, response
            except grpc.RpcError as error:
                return text, error

        started = time.monotonic()
        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(translate, range(REQUESTS)))
        elapsed = time.monotonic() - started

        errors = [(text, f"{r.code().name}: {r.details()}") for text, r in results if isinstance(r, grpc.RpcError)]
        assert not errors, f"{len(errors)} failed, e.g. {errors[:3]}"
        mismatches = []
        for text, response in results:
            hypothesis = response.results[0].hypotheses[0]
            want_text, want_score = expected[text]
            if hypothesis.text != want_text or abs(hypothesis.score - want_score) > 1e-4:
                mismatches.append((text, hypothesis.text, hypothesis.score, want_text, want_score))
        distinct = {m[0] for m in mismatches}
        assert not mismatches, (f"{len(mismatches)} of {REQUESTS} results ({len(distinct)} distinct texts) differ "
                                f"from liteformer-run; first: source {mismatches[0][0]!r}: got {mismatches[0][1]!r} "
                                f"({mismatches[0][2]}), engine {mismatches[0][3]!r} ({mismatches[0][4]})")

        # How much batching really happened (informative: the test is only
        # meaningful when requests shared batches).
        try:
            _, samples = parse_prometheus(fetch_metrics(process.metrics_url)[1])
            count = total(samples, "liteformer_batch_size_count")
            mean = total(samples, "liteformer_batch_size_sum") / count if count else float("nan")
            print(f"{mode}: {REQUESTS} requests in {elapsed:.1f} s; mean batch size {mean:.2f} over {count:.0f}")
        except Exception as error:  # noqa: BLE001 - metrics are tested elsewhere
            print(f"{mode}: {REQUESTS} requests in {elapsed:.1f} s; metrics unavailable: {error}")
