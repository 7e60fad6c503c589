#!/usr/bin/python3
"""Fault suite (issue 17): the real server on loopback under faults, with
every request accounted for.

  /usr/bin/python3 bench/run_fault_suite.py [--model DIR] [--requests 100000]
      [--overload-seconds 60] [--corrupt 100] [--json bench/results-faults.json]
  /usr/bin/python3 bench/run_fault_suite.py --short     # the test command's version

Faults, each against a fresh server (build/bin/liteformer-server):
  soak       open-loop Translate calls at 70% of the measured saturation: 70%
             normal, 10% cancelled by the client mid-call, 10% with deadlines
             too short to meet, 10% invalid. Each must end in its allowed
             statuses; RSS is sampled every second and its slope over the
             last half reported.
  sigterm    64 calls in flight, then SIGTERM: each ends OK, calls sent after
             the signal get UNAVAILABLE, the server exits 0.
  sigkill    liteformer-load (with its retry policy) at half the saturation;
             SIGKILL, restart on the same port: the client sees no status
             but OK and UNAVAILABLE, and serving resumes within the time a
             server takes to load its models.
  overload   liteformer-load at 3x saturation: refusals (UNAVAILABLE) come
             within 10 ms, admitted calls' p99 stays bounded, and latency is
             back to the unloaded p50 within 1 s of the overload's end.
  idle       200 idle TCP connections to each port: another client's p50
             within 1.5x, a /metrics scrape under 100 ms.
  corrupt    corrupted copies of the model (truncations, flipped header
             bytes, wrong shapes and dtypes, missing tensors, bad config
             values): each refused at start-up with a message naming the file
             and the problem, never a crash.
Exit status 1 when a request is lost or ends in a status its kind does not
allow, or the server crashes, or a corrupt model is not refused properly;
timing targets are reported as met or missed. The default model is the
translation fixture (tests/data/lsra_dynamic_shared); with --model
models/en-de the texts are sentences of /usr/share/common-licenses.
"""
from __future__ import annotations

import argparse
import collections
import heapq
import json
import pathlib
import random
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from typing import Any, Callable

import grpc

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
import stubs as generated_stubs  # noqa: E402
from server_process import ServerProcess, config_text, free_port, run_server_expecting_exit  # noqa: E402

from run_server_bench import finish_load  # noqa: E402

OK = grpc.StatusCode.OK
UNAVAILABLE = grpc.StatusCode.UNAVAILABLE
# What each kind of soak request may end in. A normal call may be refused by
# admission (UNAVAILABLE, at once) in a Poisson burst; a cancelled one may
# have finished before the cancel; a short-deadline one may be refused at the
# door because it cannot finish in time.
ALLOWED = {
    "normal": {OK, UNAVAILABLE},
    "cancelled": {grpc.StatusCode.CANCELLED, OK},
    "deadline": {grpc.StatusCode.DEADLINE_EXCEEDED, UNAVAILABLE, OK},
    "invalid": {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND},
}


class Texts:
    """Source texts for the model: fixture words, or English sentences."""

    def __init__(self, model: pathlib.Path, rng: random.Random) -> None:
        self.rng = rng
        self.sentences: list[str] = []
        if (model / "sentencepiece.model").exists():
            text = " ".join(path.read_text(errors="replace")
                            for path in sorted(pathlib.Path("/usr/share/common-licenses").glob("*"))
                            if path.is_file())
            text = re.sub(r"\s+", " ", text)
            self.sentences = [s for s in re.split(r"(?<=[.;:])\s+", text) if 3 <= len(s.split()) <= 30]

    def sentence(self, short: bool = False) -> str:
        if self.sentences:
            pool = [s for s in self.sentences[:400] if len(s.split()) <= 8] if short else self.sentences
            return self.rng.choice(pool)
        count = self.rng.randint(2, 5) if short else self.rng.randint(1, 30)
        return " ".join(f"t{self.rng.randrange(36)}" for _ in range(count))

    def write(self, path: pathlib.Path, count: int = 500) -> pathlib.Path:
        path.write_text("\n".join(self.sentence() for _ in range(count)) + "\n")
        return path


class Suite:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work = pathlib.Path(tempfile.mkdtemp(prefix="liteformer-faults-"))
        self.stubs = generated_stubs.generate(ROOT, self.work)
        self.rng = random.Random(17)
        self.texts = Texts(args.model, self.rng)
        self.texts_file = self.texts.write(self.work / "texts.txt")
        # Latency is compared before and after with one fixed short text: the
        # fixture model's output length (and so its time) varies tenfold
        # between random texts.
        self.probe = self.request(short=True)
        self.failures: list[str] = []
        self.results: dict[str, Any] = {"model": str(args.model), "short": args.short}

    # ------------------------------------------------------------------ helpers
    def server(self, name: str, batching: str = "", port: int = 0) -> ServerProcess:
        config = config_text([("mt", self.args.model.resolve(), True)], batching=batching,
                             extra="drain_grace_seconds: 10")
        return ServerProcess(self.args.server_binary, self.stubs, self.work / name, config, name=name,
                             stop_timeout=30, port=port)

    def fail(self, message: str) -> None:
        print(f"FAIL: {message}")
        self.failures.append(message)

    def target(self, fault: str, name: str, met: bool, detail: str) -> None:
        print(f"  target {name}: {'met' if met else 'MISSED'} ({detail})")
        self.results[fault].setdefault("targets", {})[name] = {"met": met, "detail": detail}

    def request(self, short: bool = False, **options: Any) -> Any:
        return self.stubs.pb.TranslateRequest(texts=[self.texts.sentence(short)],
                                              options=self.stubs.pb.DecodingOptions(no_cache=True, **options))

    def load(self, server: ServerProcess, *flags: str) -> tuple[list[str], subprocess.Popen]:
        """liteformer-load in the background; `report` waits for its result."""
        command = [str(self.args.load_binary), f"--target={server.address}", f"--input={self.texts_file}",
                   "--json=-", "--quiet", "--no_cache", *flags]
        return command, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    @staticmethod
    def report(load: tuple[list[str], subprocess.Popen], timeout: float) -> dict:
        return finish_load(*load, timeout)

    def saturation(self, server: ServerProcess) -> float:
        seconds = 3 if self.args.short else 10
        report = self.report(self.load(server, "--concurrency=16", f"--duration={seconds}", "--warmup=1"),
                             seconds + 120)
        return float(report["requests_per_second"])

    def latencies(self, translator: Any, count: int) -> list[float]:
        seen = []
        for _ in range(count):
            start = time.perf_counter()
            translator.Translate(self.probe, timeout=30)
            seen.append(time.perf_counter() - start)
        return seen

    # ------------------------------------------------------------------ soak
    def soak(self) -> None:
        self.results["soak"] = row = {}
        print(f"soak: {self.args.requests} requests")
        with self.server("soak") as server:
            saturation = self.saturation(server)
            rate = 0.7 * saturation
            row.update({"saturation_rps": saturation, "rate": rate})
            translator = self.stubs.pb_grpc.TranslatorStub(server.channel())
            rss: list[tuple[float, float]] = []
            stop = threading.Event()

            def sample() -> None:
                while not stop.is_set():
                    try:
                        status = pathlib.Path(f"/proc/{server.process.pid}/status").read_text()
                        kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
                        rss.append((time.monotonic(), kb / 1024))
                    except (OSError, AttributeError):
                        pass
                    stop.wait(1.0)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            outcomes: dict[str, collections.Counter] = {kind: collections.Counter() for kind in ALLOWED}
            lock = threading.Lock()
            done = threading.Semaphore(0)
            cancels: list[tuple[float, int, Any]] = []

            def finish(kind: str, future: Any) -> None:
                try:
                    future.result()
                    code = OK
                except grpc.FutureCancelledError:
                    code = grpc.StatusCode.CANCELLED
                except grpc.RpcError as error:
                    code = error.code()
                with lock:
                    outcomes[kind][code] += 1
                done.release()

            invalid: list[Callable[[], Any]] = [
                lambda: self.stubs.pb.TranslateRequest(model="no-such-model", texts=["t1"]),
                lambda: self.stubs.pb.TranslateRequest(texts=[]),
                lambda: self.stubs.pb.TranslateRequest(texts=["t1 t2"],
                                                       options=self.stubs.pb.DecodingOptions(beam_size=1000)),
                lambda: self.stubs.pb.TranslateRequest(texts=["t1 " * 6000]),
                lambda: self.stubs.pb.TranslateRequest(model="bad\nname", texts=["t1"]),
            ]
            start = time.monotonic()
            for i in range(self.args.requests):
                due = start + i / rate
                while True:
                    now = time.monotonic()
                    while cancels and cancels[0][0] <= now:
                        heapq.heappop(cancels)[2].cancel()
                    if now >= due:
                        break
                    time.sleep(min(due - now, cancels[0][0] - now if cancels else 1.0, 0.005))
                roll = self.rng.random()
                kind = "normal" if roll < 0.7 else "cancelled" if roll < 0.8 else "deadline" if roll < 0.9 \
                    else "invalid"
                if kind == "invalid":
                    future = translator.Translate.future(self.rng.choice(invalid)(), timeout=60)
                elif kind == "deadline":
                    future = translator.Translate.future(self.request(beam_size=4), timeout=0.001)
                else:
                    future = translator.Translate.future(self.request(beam_size=self.rng.choice([1, 2, 4])),
                                                         timeout=60)
                    if kind == "cancelled":
                        heapq.heappush(cancels, (time.monotonic() + self.rng.uniform(0.0005, 0.02), i, future))
                future.add_done_callback(lambda f, kind=kind: finish(kind, f))
            for _, _, future in cancels:
                future.cancel()
            sent_seconds = time.monotonic() - start
            ended = 0
            deadline = time.monotonic() + 120
            while ended < self.args.requests and done.acquire(timeout=max(0.0, deadline - time.monotonic())):
                ended += 1
            stop.set()
            sampler.join()
            lost = self.args.requests - ended
            wrong = {kind: {code.name: n for code, n in counts.items() if code not in ALLOWED[kind]}
                     for kind, counts in outcomes.items()}
            wrong = {kind: codes for kind, codes in wrong.items() if codes}
            half = [(t, mb) for t, mb in rss if t >= rss[0][0] + (rss[-1][0] - rss[0][0]) / 2] if rss else []
            slope = 0.0
            if len(half) >= 3:
                mean_t = statistics.fmean(t for t, _ in half)
                mean_m = statistics.fmean(m for _, m in half)
                slope = sum((t - mean_t) * (m - mean_m) for t, m in half) / \
                    sum((t - mean_t) ** 2 for t, _ in half) * 60
            row.update({
                "requests": self.args.requests, "seconds": sent_seconds, "ended": ended, "lost": lost,
                "outcomes": {kind: {code.name: n for code, n in counts.items()} for kind, counts in outcomes.items()},
                "wrong_status": wrong, "rss_mb_first": rss[0][1] if rss else None,
                "rss_mb_last": rss[-1][1] if rss else None, "rss_mb_max": max((m for _, m in rss), default=None),
                "rss_slope_mb_per_min_last_half": slope, "rss_samples": len(rss)})
            print(f"  {ended}/{self.args.requests} ended in {sent_seconds:.0f} s at {rate:.0f}/s "
                  f"(saturation {saturation:.0f}/s); lost {lost}; "
                  + "; ".join(f"{kind} {dict((c.name, n) for c, n in counts.items())}"
                              for kind, counts in outcomes.items()))
            if rss:
                print(f"  RSS {rss[0][1]:.0f} -> {rss[-1][1]:.0f} MB (max {row['rss_mb_max']:.0f}); slope over "
                      f"the last half {slope:+.2f} MB/min")
            if lost:
                self.fail(f"soak: {lost} requests never ended")
            if wrong:
                self.fail(f"soak: statuses outside what each kind allows: {wrong}")
            # Noise of a short run: a few MB either way.
            bound = 1.0 if not self.args.short else 10.0
            self.target("soak", "rss_slope", abs(slope) <= bound, f"{slope:+.2f} MB/min, bound ±{bound}")

    # ------------------------------------------------------------------ SIGTERM
    def sigterm(self) -> None:
        self.results["sigterm"] = row = {}
        print("sigterm: 64 calls in flight")
        # Admission is lifted: every call sent before the signal must finish.
        server = self.server("sigterm", batching="max_queue_wait_ms: 600000")
        server.start()
        try:
            channel = server.channel()
            translator = self.stubs.pb_grpc.TranslatorStub(channel)
            futures = [translator.Translate.future(self.request(beam_size=4), timeout=60) for _ in range(64)]
            time.sleep(0.2)
            server.signal(signal.SIGTERM)
            signalled = time.monotonic()
            time.sleep(0.1)
            late = []
            for _ in range(8):
                try:
                    translator.Translate(self.request(short=True), timeout=10)
                    late.append(OK)
                except grpc.RpcError as error:
                    late.append(error.code())
            codes = collections.Counter()
            for future in futures:
                try:
                    future.result(timeout=60)
                    codes[OK] += 1
                except grpc.RpcError as error:
                    codes[error.code()] += 1
            exit_code = server.wait(timeout=30)
        finally:
            server.stop()
        row.update({"in_flight": {c.name: n for c, n in codes.items()}, "late": [c.name for c in late],
                    "exit_code": exit_code, "exit_seconds": time.monotonic() - signalled})
        print(f"  in flight {row['in_flight']}, late {collections.Counter(row['late'])}, exit {exit_code} "
              f"after {row['exit_seconds']:.1f} s")
        if codes[OK] != 64:
            self.fail(f"sigterm: in-flight calls ended {row['in_flight']}, not 64 OK")
        if any(code not in (OK, UNAVAILABLE) for code in late):
            self.fail(f"sigterm: calls after the signal ended {row['late']}")
        if UNAVAILABLE not in late:
            self.fail("sigterm: no call after the signal was refused UNAVAILABLE")
        if exit_code != 0:
            self.fail(f"sigterm: exit status {exit_code}")

    # ------------------------------------------------------------------ SIGKILL
    def sigkill(self) -> None:
        self.results["sigkill"] = row = {}
        print("sigkill: kill under load, restart on the same port")
        port = free_port()
        first = self.server("sigkill", port=port)
        started = time.monotonic()
        first.start()
        load_seconds = time.monotonic() - started
        saturation = self.saturation(first)
        seconds = 8
        load = self.load(first, f"--rate={saturation / 2:.1f}", "--arrival=poisson", f"--duration={seconds}",
                         "--deadline=30")
        time.sleep(3)
        first.signal(signal.SIGKILL)
        killed = time.monotonic()
        first.wait(timeout=10)
        first.stop()
        second = self.server("sigkill-restart", port=port)
        restarted = time.monotonic()
        second.start()
        serving = time.monotonic()
        try:
            translator = self.stubs.pb_grpc.TranslatorStub(second.channel())
            translator.Translate(self.request(short=True), timeout=10)
            resumed = time.monotonic()
            report = self.report(load, seconds + 120)
        finally:
            second.stop()
        errors = report["errors"]
        row.update({"model_load_seconds": load_seconds, "restart_to_serving_seconds": serving - restarted,
                    "kill_to_first_ok_seconds": resumed - killed, "client": {
                        "sent": report["sent"], "ok": report["ok"], "errors": errors}})
        print(f"  client: sent {report['sent']}, ok {report['ok']}, errors {errors}; load {load_seconds:.2f} s, "
              f"restart to serving {serving - restarted:.2f} s, kill to first OK {resumed - killed:.2f} s")
        if set(errors) - {"UNAVAILABLE"}:
            self.fail(f"sigkill: the client saw {errors}, not only UNAVAILABLE")
        self.target("sigkill", "resume_within_load_time", serving - restarted <= load_seconds + 1.0,
                    f"restart to serving {serving - restarted:.2f} s vs first load {load_seconds:.2f} s + 1 s")

    # ------------------------------------------------------------------ overload
    def overload(self) -> None:
        self.results["overload"] = row = {}
        seconds = self.args.overload_seconds
        print(f"overload: 3x saturation for {seconds} s")
        with self.server("overload") as server:
            translator = self.stubs.pb_grpc.TranslatorStub(server.channel())
            self.latencies(translator, 5)
            unloaded = statistics.median(self.latencies(translator, 30))
            saturation = self.saturation(server)
            load = self.load(server, f"--rate={3 * saturation:.1f}", "--arrival=poisson", f"--duration={seconds}",
                             "--deadline=5")
            probes: list[tuple[float, grpc.StatusCode]] = []
            end = time.monotonic() + seconds
            time.sleep(min(2.0, seconds / 4))  # The queue fills and the drain rate is measured.
            while time.monotonic() < end - 0.5:
                start = time.perf_counter()
                try:
                    translator.Translate(self.probe, timeout=5)
                    code = OK
                except grpc.RpcError as error:
                    code = error.code()
                probes.append((time.perf_counter() - start, code))
                time.sleep(0.05)
            report = self.report(load, seconds + 120)
            stopped = time.monotonic()
            recovery = None
            while time.monotonic() - stopped < 30:
                if self.latencies(translator, 1)[0] <= 1.5 * unloaded:
                    recovery = time.monotonic() - stopped
                    break
        refusals = sorted(latency for latency, code in probes if code == UNAVAILABLE)
        wrong = collections.Counter(code.name for _, code in probes if code not in (OK, UNAVAILABLE))
        p99 = refusals[min(len(refusals) - 1, int(0.99 * len(refusals)))] if refusals else None
        row.update({"saturation_rps": saturation, "offered_rps": 3 * saturation, "unloaded_p50_ms": unloaded * 1000,
                    "client": {"sent": report["sent"], "ok": report["ok"], "errors": report["errors"],
                               "ok_p50_ms": report["latency_ms"]["p50"], "ok_p99_ms": report["latency_ms"]["p99"]},
                    "probe_refusals": len(refusals), "probe_refusal_p99_ms": p99 * 1000 if p99 else None,
                    "probe_wrong": dict(wrong),
                    "recovery_seconds": recovery})
        print(f"  offered {3 * saturation:.0f}/s: ok {report['ok']} of {report['sent']}, errors {report['errors']}, "
              f"admitted p50/p99 {report['latency_ms']['p50']:.0f}/{report['latency_ms']['p99']:.0f} ms; "
              f"probe refusals {len(refusals)} (p99 {p99 * 1000 if p99 else float('nan'):.1f} ms); "
              f"recovery {recovery if recovery is not None else float('nan'):.2f} s")
        if set(report["errors"]) - {"UNAVAILABLE", "DEADLINE_EXCEEDED"} or wrong:
            self.fail(f"overload: statuses {report['errors']} / probes {dict(wrong)}")
        if refusals:
            self.target("overload", "refused_within_10ms", p99 <= 0.010, f"p99 {p99 * 1000:.1f} ms")
        self.target("overload", "admitted_p99_bounded", report["latency_ms"]["p99"] <= 5000,
                    f"p99 {report['latency_ms']['p99']:.0f} ms within the 5 s deadline")
        self.target("overload", "recovery_within_1s", recovery is not None and recovery <= 1.0,
                    f"{recovery if recovery is not None else float('nan'):.2f} s to 1.5x the unloaded p50 "
                    f"({unloaded * 1000:.1f} ms)")

    # ------------------------------------------------------------------ idle connections
    def idle(self) -> None:
        self.results["idle"] = row = {}
        print("idle: 200 idle connections to each port")
        with self.server("idle") as server:
            translator = self.stubs.pb_grpc.TranslatorStub(server.channel())
            self.latencies(translator, 5)
            before = statistics.median(self.latencies(translator, 40))
            sockets = []
            try:
                for port in (server.port, server.metrics_port):
                    for _ in range(200):
                        sockets.append(socket.create_connection(("127.0.0.1", port), timeout=5))
                time.sleep(0.5)
                after = statistics.median(self.latencies(translator, 40))
                start = time.perf_counter()
                with urllib.request.urlopen(server.metrics_url, timeout=10) as response:
                    response.read()
                scrape = time.perf_counter() - start
            finally:
                for sock in sockets:
                    sock.close()
        row.update({"p50_ms_before": before * 1000, "p50_ms_with_idle": after * 1000, "scrape_ms": scrape * 1000})
        print(f"  p50 {before * 1000:.1f} -> {after * 1000:.1f} ms, scrape {scrape * 1000:.1f} ms")
        self.target("idle", "p50_within_1.5x", after <= 1.5 * before, f"{after / before:.2f}x")
        self.target("idle", "scrape_under_100ms", scrape < 0.1, f"{scrape * 1000:.1f} ms")

    # ------------------------------------------------------------------ corrupt models
    def corrupt(self) -> None:
        self.results["corrupt"] = row = {}
        count = self.args.corrupt
        print(f"corrupt: {count} corrupted model directories")
        outcomes: collections.Counter = collections.Counter()
        bad: list[str] = []
        for i in range(count):
            target = self.work / "corrupt" / f"m{i}"
            kind, file = corrupt_copy(self.args.model, target, i, random.Random(i))
            config = self.work / "corrupt" / f"m{i}.textproto"
            config.write_text(config_text([("mt", target, True)]))
            result = run_server_expecting_exit(self.args.server_binary, config, timeout=60)
            output = result.stderr + result.stdout
            outcomes[kind] += 1
            if result.returncode <= 0:
                bad.append(f"{kind}: exit {result.returncode}")
            elif file not in output or str(target) not in output:
                bad.append(f"{kind}: the message does not name {target / file}: {output.strip()[-300:]}")
        row.update({"directories": count, "kinds": dict(outcomes), "not_refused_properly": bad})
        print(f"  {count - len(bad)}/{count} refused naming the file ({dict(outcomes)})")
        for line in bad[:10]:
            self.fail(f"corrupt: {line}")


def safetensors_parts(path: pathlib.Path) -> tuple[dict, bytes]:
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8:8 + size]), data[8 + size:]


def write_safetensors(path: pathlib.Path, header: dict, body: bytes) -> None:
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + body)


def corrupt_copy(model: pathlib.Path, target: pathlib.Path, index: int, rng: random.Random) -> tuple[str, str]:
    """A copy of `model` broken in one of ten ways (by `index`); returns the
    way and the file a refusal must name."""
    shutil.copytree(model, target)
    weights = target / "model.safetensors"
    header, body = safetensors_parts(weights)
    names = sorted(name for name in header if name != "__metadata__")
    name = rng.choice(names)
    kind = ["truncated", "flipped_header", "wrong_shape", "wrong_dtype", "missing_tensor", "renamed_tensor",
            "bad_config_value", "config_not_json", "truncated_header", "offsets_past_end"][index % 10]
    if kind == "truncated":
        raw = weights.read_bytes()
        weights.write_bytes(raw[:rng.randrange(8, len(raw) - 1)])
    elif kind == "flipped_header":
        raw = bytearray(weights.read_bytes())
        (size,) = struct.unpack("<Q", raw[:8])
        position = 8 + rng.randrange(size)
        raw[position] ^= 1 << rng.randrange(8)
        # A flip inside a tensor name or an unused digit may still parse:
        # flip structural characters instead when the first try stays valid.
        try:
            json.loads(bytes(raw[8:8 + size]))
            structural = [i for i in range(8, 8 + size) if raw[i] in b'{}[]:,"']
            raw[rng.choice(structural)] = ord("#")
        except ValueError:
            pass
        weights.write_bytes(bytes(raw))
    elif kind == "wrong_shape":
        header[name]["shape"] = [dim + 1 for dim in header[name]["shape"]] or [2]
        write_safetensors(weights, header, body)
    elif kind == "wrong_dtype":
        header[name]["dtype"] = rng.choice(["I32", "U8", "F64", "BOOL", "X9"])
        write_safetensors(weights, header, body)
    elif kind == "missing_tensor":
        del header[name]
        write_safetensors(weights, header, body)
    elif kind == "renamed_tensor":
        header[name + ".renamed"] = header.pop(name)
        write_safetensors(weights, header, body)
    elif kind == "bad_config_value":
        config = json.loads((target / "config.json").read_text())
        key = rng.choice(sorted(k for k, v in config.items() if isinstance(v, (int, float)) and not isinstance(v, bool)))
        config[key] = rng.choice([-1, 0, 10 ** 12, "x", None, 1.5])
        (target / "config.json").write_text(json.dumps(config))
        return f"{kind}:{key}", "config.json"
    elif kind == "config_not_json":
        raw = (target / "config.json").read_text()
        (target / "config.json").write_text(raw[:rng.randrange(1, len(raw) - 1)])
        return kind, "config.json"
    elif kind == "truncated_header":
        raw = weights.read_bytes()
        (size,) = struct.unpack("<Q", raw[:8])
        weights.write_bytes(raw[:8 + rng.randrange(1, size)])
    elif kind == "offsets_past_end":
        header[name]["data_offsets"] = [len(body) + 8, len(body) + 8 + 4 * max(1, len(header[name]["shape"]))]
        write_safetensors(weights, header, body)
    return kind, "model.safetensors"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=pathlib.Path, default=ROOT / "tests" / "data" / "lsra_dynamic_shared")
    parser.add_argument("--requests", type=int, default=100000)
    parser.add_argument("--overload-seconds", type=float, default=60)
    parser.add_argument("--corrupt", type=int, default=100)
    parser.add_argument("--short", action="store_true",
                        help="the test command's version: 1,500 requests, 8 s of overload, 30 corrupt models")
    parser.add_argument("--server-binary", type=pathlib.Path, default=ROOT / "build" / "bin" / "liteformer-server")
    parser.add_argument("--load-binary", type=pathlib.Path, default=ROOT / "build" / "bin" / "liteformer-load")
    parser.add_argument("--only", help="comma-separated faults to run (soak,sigterm,sigkill,overload,idle,corrupt)")
    parser.add_argument("--json", type=pathlib.Path)
    args = parser.parse_args()
    if args.short:
        args.requests, args.overload_seconds, args.corrupt = 1500, 8, 30
    suite = Suite(args)
    faults = ["soak", "sigterm", "sigkill", "overload", "idle", "corrupt"]
    for fault in (args.only.split(",") if args.only else faults):
        started = time.monotonic()
        getattr(suite, fault)()
        suite.results[fault]["seconds"] = time.monotonic() - started
    suite.results["failures"] = suite.failures
    if args.json:
        args.json.write_text(json.dumps(suite.results, indent=2) + "\n")
    if suite.failures:
        print(f"{len(suite.failures)} failure(s)")
        return 1
    shutil.rmtree(suite.work, ignore_errors=True)
    print("every request accounted for; every corrupt model refused")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
