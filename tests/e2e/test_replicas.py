"""Scaling out (issue 6): three replicas of the server on loopback ports and
liteformer-load spreading requests over them with gRPC's round_robin policy
(client/channel.cc). Every replica serves traffic; one is sent SIGTERM a third
of the way into the run, and the run still finishes with every request
answered, and answered correctly (--verify against liteformer-run): requests
the draining replica refuses with UNAVAILABLE are retried by the channel's
retry policy on another replica."""
from __future__ import annotations

import contextlib
import json
import pathlib
import random
import signal
import subprocess
import time
from typing import Any

from e2e_util import fetch_metrics, method_is, parse_prometheus, total
from server_process import ServerProcess, config_text

REPLICAS = 3
STOPPED = 1             # which replica gets SIGTERM
DURATION = 9.0          # seconds of load
SIGTERM_AFTER = DURATION / 3
GRACE = 10              # drain_grace_seconds
CONCURRENCY = 8


def fixture_texts(data_dir: pathlib.Path, count: int = 40) -> list[str]:
    """Distinct texts of 1 to 20 words of the fixture's source dictionary."""
    vocabulary = [line.split()[0] for line in
                  (data_dir / "lsra_dynamic_shared" / "dict.xx.txt").read_text().splitlines() if line.strip()]
    rng = random.Random(606)
    texts: list[str] = []
    while len(texts) < count:
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 20)))
        if text not in texts:
            texts.append(text)
    return texts


def ok_requests(server: ServerProcess) -> tuple[float, dict[str, float]]:
    """-> (Translate requests answered OK, {code: count} over all methods) from /metrics."""
    _, samples = parse_prometheus(fetch_metrics(server.metrics_url)[1])
    ok = total(samples, "liteformer_requests_total",
               lambda labels: labels.get("code") == "OK" and method_is(labels, "Translate"))
    codes: dict[str, float] = {}
    for name, labels, value in samples:
        if name == "liteformer_requests_total":
            codes[labels.get("code", "?")] = codes.get(labels.get("code", "?"), 0) + value
    return ok, codes


def test_round_robin_over_replicas_survives_a_sigterm(server_factory: Any, load_binary: pathlib.Path,
                                                      engine_run: Any, data_dir: pathlib.Path,
                                                      tmp_path: pathlib.Path) -> None:
    texts = fixture_texts(data_dir)
    inputs = tmp_path / "texts.txt"
    inputs.write_text("".join(text + "\n" for text in texts))
    expected = engine_run("translate", data_dir / "lsra_dynamic_shared", texts)
    verify = tmp_path / "expected.jsonl"
    verify.write_text("".join(json.dumps({"index": i, "text": line["hypotheses"][0]["text"]}) + "\n"
                              for i, line in enumerate(expected)))

    config = config_text([("mt", data_dir / "lsra_dynamic_shared", True)],
                         batching="mode: STEP_LEVEL max_batch_size: 16 max_queue_size: 256 workers: 1 "
                                  "threads_per_worker: 1 max_queue_wait_ms: 600000",
                         extra=f"drain_grace_seconds: {GRACE}")
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(server_factory(config, name=f"replica{i}", stop_timeout=GRACE + 5))
                   for i in range(REPLICAS)]
        target = ",".join(server.address for server in servers)
        command = [str(load_binary), f"--target={target}", "--method=translate", f"--input={inputs}",
                   f"--verify={verify}", f"--concurrency={CONCURRENCY}", f"--duration={DURATION}",
                   "--json=-", "--quiet"]
        started = time.monotonic()
        load = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL)
        try:
            # A third of the way in: the replica's count, then SIGTERM.
            time.sleep(SIGTERM_AFTER)
            assert load.poll() is None, f"liteformer-load exited early: {load.communicate()}"
            victim = servers[STOPPED]
            served = {STOPPED: ok_requests(victim)}
            victim.signal(signal.SIGTERM)
            signalled = time.monotonic()
            exit_code = victim.wait(timeout=GRACE + 5)
            exited_after = time.monotonic() - signalled
            stdout, stderr = load.communicate(timeout=DURATION + 60)
        finally:
            if load.poll() is None:
                load.kill()
                load.communicate()
        load_seconds = time.monotonic() - started
        for i, server in enumerate(servers):
            if i != STOPPED:
                server.assert_alive()
                served[i] = ok_requests(server)

    assert load.returncode == 0, f"{command}: exit {load.returncode}\n{stderr[-3000:]}"
    report = json.loads(stdout[stdout.find("{"):stdout.rfind("}") + 1])
    # What the SIGTERMed replica refused while it drained (each retried by the
    # client's channel to another replica); informative: zero when the
    # client's health watch saw NOT_SERVING before its next call.
    failures = [line.split(" failed: ", 1)[1] for line in servers[STOPPED].log().splitlines()
                if " failed: " in line]
    refused = sum(1 for failure in failures if failure == "UNAVAILABLE: the server is shutting down")
    counts = {f"replica{i}": {"ok_translate": ok, "codes": codes} for i, (ok, codes) in sorted(served.items())}
    print(f"replicas: load {load_seconds:.1f} s, sent {report['sent']} completed {report['completed']} "
          f"ok {report['ok']} failed {report['failed']} errors {report['errors']}; "
          f"replica{STOPPED} SIGTERM at {signalled - started:.1f} s, exit {exit_code} after {exited_after:.1f} s, "
          f"{refused} request(s) refused UNAVAILABLE while draining; "
          f"served {counts}")

    # The SIGTERMed replica drained and exited cleanly within its grace. (It
    # takes ~2 s here, the server's Shutdown deadline: ServerProcess's idle
    # Python health channel never answers the GOAWAY ping; with no such
    # channel it exits in ~0.1 s.)
    assert exit_code == 0, f"replica{STOPPED} exited with {exit_code}"
    assert exited_after <= GRACE + 5
    assert refused == len(failures), f"replica{STOPPED} failed requests other than by draining: {failures}"
    # No request lost: each answered, and answered as liteformer-run answers it.
    assert report["failed"] == 0 and not report["errors"], report
    assert report["ok"] == report["completed"] == report["sent"], report
    assert report["sent"] > 0, report
    # Every replica served traffic (the stopped one: counted just before its SIGTERM).
    for i, (ok, _) in served.items():
        assert ok > 0, f"replica{i} answered no Translate request: {counts}"
    # The servers' counts (replica{STOPPED}'s taken early) cannot exceed what the client saw.
    assert sum(ok for ok, _ in served.values()) <= report["ok"], (counts, report)
