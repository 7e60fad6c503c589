"""liteformer-client and liteformer-load against the real server (skipped when
the client binaries are not built)."""
from __future__ import annotations

import json
import pathlib
import re
import subprocess
from typing import Any

import pytest

from server_process import config_text

TEXTS = ["t1 t2 t3", "t5 t6 t7 t8", "t12"]


@pytest.fixture(scope="module")
def server(server_factory: Any, data_dir: pathlib.Path, summarization_model: pathlib.Path):
    config = config_text(
        [("mt", data_dir / "lsra_dynamic_shared", True), ("lm", data_dir / "lm_tied", True),
         ("sum", summarization_model, True)],
        batching="mode: STEP_LEVEL max_batch_size: 16 max_queue_size: 256 workers: 1 threads_per_worker: 1 "
                 "max_queue_wait_ms: 600000",
        extra="drain_grace_seconds: 10")
    with server_factory(config, name="clients", stop_timeout=15) as process:
        yield process


def run(binary: pathlib.Path, args: list[str], stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(binary), *args], input=stdin, capture_output=True, text=True, timeout=timeout)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{result.args}: exit {result.returncode}\n{result.stderr[-3000:]}"
    return result.stdout


# ------------------------------------------------------------------ liteformer-client
def test_client_translate_arguments(client_binary: pathlib.Path, server: Any, engine_run: Any,
                                    data_dir: pathlib.Path) -> None:
    out = ok(run(client_binary, ["translate", f"--target={server.address}", *TEXTS]))
    expected = engine_run("translate", data_dir / "lsra_dynamic_shared", TEXTS)
    assert out.splitlines() == [e["hypotheses"][0]["text"] for e in expected]


def test_client_translate_stdin_json(client_binary: pathlib.Path, server: Any, engine_run: Any,
                                     data_dir: pathlib.Path) -> None:
    out = ok(run(client_binary, ["translate", f"--target={server.address}", "--json", "--beam=2"],
                 stdin="\n".join(TEXTS) + "\n"))
    lines = [json.loads(line) for line in out.splitlines()]
    expected = engine_run("translate", data_dir / "lsra_dynamic_shared", TEXTS, "--beam", "2")
    assert [line["index"] for line in lines] == [0, 1, 2]
    for line, engine in zip(lines, expected):
        assert line["hypotheses"][0]["text"] == engine["hypotheses"][0]["text"]
        assert line["hypotheses"][0]["score"] == pytest.approx(engine["hypotheses"][0]["score"], abs=1e-4)
        assert line["usage"]["model"] == "mt"


def test_client_translate_stream(client_binary: pathlib.Path, server: Any) -> None:
    plain = ok(run(client_binary, ["translate", f"--target={server.address}", "--json", *TEXTS]))
    streamed = ok(run(client_binary, ["translate", f"--target={server.address}", "--json", "--stream", *TEXTS]))
    by_index = lambda out: {json.loads(l)["index"]: json.loads(l)["hypotheses"][0]["text"]  # noqa: E731
                            for l in out.splitlines()}
    assert by_index(streamed) == by_index(plain)


def test_client_summarize_generate_score(client_binary: pathlib.Path, server: Any) -> None:
    assert len(ok(run(client_binary, ["summarize", f"--target={server.address}", *TEXTS])).splitlines()) == 3
    assert ok(run(client_binary, ["generate", f"--target={server.address}", "--max_tokens=5", "t1 t2"])).strip()
    scored = ok(run(client_binary, ["score", f"--target={server.address}", "--json", "t1 t2", "t3"]))
    lines = [json.loads(line) for line in scored.splitlines()]
    assert len(lines) == 2
    assert all("log_prob" in json.dumps(line) for line in lines)


def test_client_health(client_binary: pathlib.Path, server: Any) -> None:
    assert ok(run(client_binary, ["health", f"--target={server.address}"])).strip() == "SERVING"
    assert ok(run(client_binary, ["health", f"--target={server.address}", "--service=model/mt"])).strip() == "SERVING"
    unknown = run(client_binary, ["health", f"--target={server.address}", "--service=model/nope"])
    assert unknown.returncode == 1
    assert "NOT_FOUND" in unknown.stderr


def test_client_list_models(client_binary: pathlib.Path, server: Any) -> None:
    out = ok(run(client_binary, ["list-models", f"--target={server.address}", "--json"]))
    models = {m["name"]: m for m in map(json.loads, out.splitlines())}
    assert {name: m["task"] for name, m in models.items()} == {
        "mt": "translation", "lm": "language_modeling", "sum": "summarization"}
    table = ok(run(client_binary, ["list-models", f"--target={server.address}"]))
    assert re.search(r"^mt\s+translation", table, re.M), table


def test_client_reports_rpc_errors(client_binary: pathlib.Path, server: Any) -> None:
    result = run(client_binary, ["translate", f"--target={server.address}", "--model=nope", "t1"])
    assert result.returncode == 1
    assert "NOT_FOUND" in result.stderr


def test_client_sampling_flag(client_binary: pathlib.Path, server: Any) -> None:
    base = ["generate", f"--target={server.address}", "--max_tokens=6"]
    beam = run(client_binary, [*base, "--sampling=off", "--beam=4", "--json", "t1 t2"])
    assert json.loads(ok(beam).splitlines()[-1])["usage"]["seed"] == 0  # A search: no seed.
    refused = run(client_binary, [*base, "--sampling=on", "--beam=4", "t1 t2"])
    assert refused.returncode == 1 and "with sampling" in refused.stderr, refused.stderr
    sampled = [run(client_binary, [*base, "--sampling=on", "--json", "t1 t2"]) for _ in range(2)]
    seeds = [str(json.loads(ok(r).splitlines()[-1])["usage"]["seed"]) for r in sampled]
    assert seeds[0] != seeds[1] and "0" not in seeds
    bad = run(client_binary, [*base, "--sampling=maybe", "t1 t2"])
    assert bad.returncode == 2 and "--sampling must be on or off" in bad.stderr


def test_client_priority_flag(client_binary: pathlib.Path, server: Any) -> None:
    base = ["translate", f"--target={server.address}", "--json"]
    results = [ok(run(client_binary, [*base, f"--priority={p}", "t1 t2"])) for p in ("interactive", "normal", "bulk")]
    texts = [json.loads(r.splitlines()[-1])["hypotheses"][0]["text"] for r in results]
    assert texts[0] == texts[1] == texts[2]  # The class changes when, never what.
    bad = run(client_binary, [*base, "--priority=urgent", "t1 t2"])
    assert bad.returncode == 2 and "--priority must be interactive, normal or bulk" in bad.stderr


# ------------------------------------------------------------------ liteformer-load
def load_help(load_binary: pathlib.Path) -> str:
    result = run(load_binary, ["--help"], timeout=30)
    return result.stdout + result.stderr


def test_load_short_closed_loop_run(load_binary: pathlib.Path, server: Any, tmp_path: pathlib.Path) -> None:
    texts = tmp_path / "texts.txt"
    texts.write_text("\n".join(TEXTS + ["t20 t21 t22 t23 t24 t25", "t9 t8"]) + "\n")
    usage = load_help(load_binary)
    file_flag = next((flag for flag in ("--input", "--texts", "--texts_file") if flag + "=" in usage or
                      re.search(re.escape(flag) + r"\b", usage)), "--input")
    # --no_cache: the texts repeat, and hits would have no queue or compute time.
    args = [f"--target={server.address}", "--method=translate", f"{file_flag}={texts}", "--requests=50",
            "--concurrency=4", "--json=-", "--no_cache"]
    result = run(load_binary, args, timeout=120)
    assert result.returncode == 0, f"{args}: exit {result.returncode}\n{result.stderr[-3000:]}"
    # The report is the JSON object on stdout (the progress line goes elsewhere).
    start = result.stdout.find("{")
    assert start >= 0, result.stdout
    report = json.loads(result.stdout[start:result.stdout.rfind("}") + 1])
    assert report["sent"] == 50, report
    assert report["ok"] == 50, report
    assert report["failed"] == 0, report
    assert not report["errors"], report
    assert report["requests_per_second"] > 0, report
    latency = report["latency_ms"]
    assert latency["count"] == 50
    assert 0 < latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"], latency
    # The server's own account of each request: waiting for a batch, then
    # decoding, both inside the latency the client saw.
    queue, compute = report["server_queue_ms"], report["server_compute_ms"]
    assert queue["count"] == compute["count"] == 50, report
    assert 0 <= queue["p50"] <= queue["max"], queue
    assert 0 < compute["p50"] <= compute["max"], compute
    # Each request's queue and compute times are parts of its latency, so
    # their order statistics are bounded by the latency's.
    for part in (queue, compute):
        assert part["p50"] <= latency["p50"] and part["max"] <= latency["max"], report
