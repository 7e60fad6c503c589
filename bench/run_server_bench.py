#!/usr/bin/python3
"""Server benchmark: liteformer-load against liteformer-server, with the
engine's offline batch throughput (and the PyTorch reference's) on the same
texts measured in the same run.

  /usr/bin/python3 bench/run_server_bench.py [--model models/en-de] [--texts FILE]
      [--seconds 20] [--threads 2] [--json bench/results-server.json]

Workload (issue 5): a mix of short and long English texts (default: the
translation test set's shortest and longest lines, 3 short for every long),
beam 4, one text per request. For step-level and request-level batching in
turn the server runs with --threads single-threaded workers (the server's
default on this machine), and liteformer-load
measures:
  * unloaded latency (closed loop, 1 in flight);
  * closed loop at 1/8/32/64 in flight: throughput and latency;
  * open loop (Poisson) at 50% and 80% of saturation, saturation being the
    best closed-loop throughput of that batching mode;
with the latency of short and long texts reported separately. Then, on the
short texts alone, for the default set-up, a latency-first one (batches of
one sentence) and one worker with every thread: unloaded p50, saturation and
latency at 50% of it; the engine's cost per sentence at batch 1 and 16; and
the mix on one worker with every thread.
Targets: saturation >= 85% of the engine's offline throughput; p99 at 50% of
saturation <= 3x the unloaded p50; short texts' p99 with step-level batching
<= half of request-level batching's under the same load.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = ROOT / "build" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mixed_texts(source: pathlib.Path, count: int) -> list[str]:
    """count texts: 3/4 the shortest lines of >= 3 words, 1/4 the longest."""
    lines = [line.strip() for line in source.read_text(encoding="utf-8").splitlines()]
    lines = sorted({line for line in lines if len(line.split()) >= 3}, key=lambda l: (len(l), l))
    long_count = count // 4
    short = lines[: count - long_count]
    # Longest lines that still fit a model trained on sentences (<= 60 words).
    long = [line for line in lines if len(line.split()) <= 60][-long_count:]
    mixed = []
    for i, text in enumerate(short):
        mixed.append(text)
        if i % 3 == 2 and long:
            mixed.append(long.pop())
    return mixed + long


def write_texts(work: pathlib.Path, given: pathlib.Path | None, count: int) -> pathlib.Path:
    """work/texts.txt: the --texts file, else `count` texts of the translation
    test set's short/long mix."""
    texts = work / "texts.txt"
    if given:
        texts.write_text(given.read_text(encoding="utf-8"), encoding="utf-8")
        return texts
    source = ROOT / "data" / "translation" / "test.en"
    if not source.exists():
        raise SystemExit(f"{source} is missing: build the corpus (tools/data/build.py "
                         "translation) or pass --texts")
    texts.write_text("\n".join(mixed_texts(source, count)) + "\n", encoding="utf-8")
    return texts


def timed(command: list[str], stdin_path: pathlib.Path, env: dict | None = None) -> float:
    start = time.perf_counter()
    with stdin_path.open() as stdin:
        result = subprocess.run(command, stdin=stdin, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return time.perf_counter() - start


class Server:
    def __init__(self, model: pathlib.Path, step_level: bool, workers: int, log: pathlib.Path, *,
                 threads_per_worker: int = 1, max_batch_size: int = 0,
                 join_delay_ms: int | None = None, max_queue_size: int = 100000,
                 max_queue_wait_ms: int = 0, cache_mb: int = 0, batching_extra: str = "",
                 extra: str = ""):
        self.port = free_port()
        self.config = tempfile.NamedTemporaryFile("w", suffix=".pbtxt", delete=False)
        mode = "STEP_LEVEL" if step_level else "REQUEST_LEVEL"
        self.config.write(
            f'models {{ name: "bench" path: "{model.resolve()}" }}\n'
            f"batching {{ mode: {mode} max_batch_size: {max_batch_size} "
            f"max_queue_size: {max_queue_size} max_queue_wait_ms: {max_queue_wait_ms} "
            f"workers: {workers} threads_per_worker: {threads_per_worker} "
            + ("" if join_delay_ms is None else f"join_delay_ms: {join_delay_ms} ")
            + batching_extra + "}\n"
            # The texts repeat: without cache_mb the response cache is off,
            # so the model itself is measured.
            f"cache {{ size_mb: {cache_mb} }}\n"
            "drain_grace_seconds: 5\n" + extra)
        self.config.close()
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [str(BIN / "liteformer-server"), f"--config={self.config.name}",
             f"--listen=127.0.0.1:{self.port}", "--metrics_listen=none"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while subprocess.run([str(BIN / "liteformer-client"), "health",
                              f"--target=127.0.0.1:{self.port}", "--deadline=1"],
                             capture_output=True).returncode != 0:
            if self.process.poll() is not None or time.time() > deadline:
                raise SystemExit(f"server did not start; see {log}")
            time.sleep(0.3)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        self.log.close()
        os.unlink(self.config.name)


def load_command(port: int, texts: pathlib.Path, seconds: float, beam: int, *,
                 concurrency: int = 0, rate: float = 0.0, deadline: float = 120,
                 warmup: float = 2, token: str = "", extra: tuple[str, ...] = ()) -> list[str]:
    """liteformer-load at `concurrency` in flight, else open loop at `rate`;
    `extra`: more flags (--priority=..., decoding options)."""
    command = [str(BIN / "liteformer-load"), f"--target=127.0.0.1:{port}", f"--input={texts}",
               f"--beam={beam}", f"--duration={seconds}", f"--warmup={warmup}",
               "--split_by_length", "--quiet", "--json=-", f"--deadline={deadline}"]
    command += [f"--concurrency={concurrency}"] if concurrency else [f"--rate={rate:.3f}",
                                                                      "--arrival=poisson"]
    if token:
        command.append(f"--token={token}")
    return command + list(extra)


def load_report(command: list[str], result: subprocess.CompletedProcess) -> dict:
    """liteformer-load's JSON report (its stdout with --json=-)."""
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    lines = result.stdout.strip().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("{"))
    return json.loads("\n".join(lines[start:]))


def finish_load(command: list[str], process: subprocess.Popen, timeout: float) -> dict:
    """The report of liteformer-load started in the background (Popen with
    text pipes) as `command`, once it ends."""
    stdout, stderr = process.communicate(timeout=timeout)
    return load_report(command, subprocess.CompletedProcess(command, process.returncode, stdout, stderr))


def load(port: int, texts: pathlib.Path, seconds: float, beam: int, *, concurrency: int = 0,
         rate: float = 0.0) -> dict:
    command = load_command(port, texts, seconds, beam, concurrency=concurrency, rate=rate)
    return load_report(command, subprocess.run(command, capture_output=True, text=True))


def row(label: str, report: dict) -> dict:
    return {
        "load": label,
        "rps": report["requests_per_second"],
        "p50": report["latency_ms"]["p50"],
        "p99": report["latency_ms"]["p99"],
        "short_p99": report.get("short_latency_ms", {}).get("p99", float("nan")),
        "long_p99": report.get("long_latency_ms", {}).get("p99", float("nan")),
        "errors": report["failed"],
    }


def server_bench_arguments(description: str | None, seconds: float) -> argparse.ArgumentParser:
    """The flags every server bench takes: --model --texts --seconds --beam --json."""
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=pathlib.Path, default=ROOT / "models" / "en-de")
    parser.add_argument("--texts", type=pathlib.Path,
                        help="texts, one per line (default: a short/long mix of the test set)")
    parser.add_argument("--seconds", type=float, default=seconds)
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--json", type=pathlib.Path)
    return parser


def main() -> int:
    parser = server_bench_arguments(__doc__, seconds=20)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-reference", action="store_true")
    args = parser.parse_args()

    work = pathlib.Path(tempfile.mkdtemp(prefix="liteformer-server-bench-"))
    texts = write_texts(work, args.texts, args.count)
    count = len(texts.read_text(encoding="utf-8").splitlines())

    # Offline: the engine on all texts at once, batch 32 — the ceiling.
    offline_seconds = timed([str(BIN / "liteformer-run"), "translate", "--model", str(args.model),
                             "--beam", str(args.beam), "--batch-size", "32",
                             "--threads", str(args.threads)], texts)
    offline_rps = count / offline_seconds
    results: dict = {"texts": count, "beam": args.beam, "threads": args.threads,
                     "offline_engine_rps": offline_rps}
    print(f"offline engine: {count} texts in {offline_seconds:.2f} s = {offline_rps:.1f} texts/s")
    if not args.no_reference:
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads),
                   OMP_NUM_THREADS=str(args.threads))
        if args.threads > 1:
            env["OMP_WAIT_POLICY"] = "PASSIVE"
        reference_seconds = timed([sys.executable, str(ROOT / "tools" / "reference_run.py"),
                                   "translate", "--model", str(args.model), "--beam",
                                   str(args.beam)], texts, env)
        results["offline_reference_rps"] = count / reference_seconds
        print(f"offline PyTorch reference: {count / reference_seconds:.1f} texts/s")

    for step_level in (True, False):
        mode = "step_level" if step_level else "request_level"
        server = Server(args.model, step_level, args.threads, work / f"server-{mode}.log")
        try:
            rows = []
            unloaded = load(server.port, texts, args.seconds, args.beam, concurrency=1)
            rows.append(row("closed 1 (unloaded)", unloaded))
            saturation = 0.0
            for concurrency in (8, 32, 64):
                report = load(server.port, texts, args.seconds, args.beam,
                              concurrency=concurrency)
                rows.append(row(f"closed {concurrency}", report))
                saturation = max(saturation, report["requests_per_second"])
            for fraction in (0.5, 0.8):
                # Twice as long: a p99 of the short texts alone rests on few
                # samples, and these rows carry the step/request comparison.
                report = load(server.port, texts, 2 * args.seconds, args.beam,
                              rate=fraction * saturation)
                rows.append(row(f"open {int(fraction * 100)}% ({fraction * saturation:.1f}/s)",
                                report))
        finally:
            server.stop()
        results[mode] = {"rows": rows, "saturation_rps": saturation,
                         "unloaded_p50_ms": unloaded["latency_ms"]["p50"]}
        print(f"\n{mode}: saturation {saturation:.1f} texts/s = "
              f"{saturation / offline_rps:.2f} x offline engine")
        print(f"{'load':<24}{'texts/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'short p99':>11}"
              f"{'long p99':>10}{'errors':>8}")
        for r in rows:
            print(f"{r['load']:<24}{r['rps']:>9.1f}{r['p50']:>9.0f}{r['p99']:>9.0f}"
                  f"{r['short_p99']:>11.0f}{r['long_p99']:>10.0f}{r['errors']:>8}")

    # The latency target on a homogeneous workload: with the mix, the unloaded
    # p50 is a short text's and the p99 a long one's whatever the load. Three
    # server set-ups: the default; latency-first (no batching: each worker
    # decodes one sentence at a time); one worker with every thread.
    short_texts = work / "short.txt"
    lines = texts.read_text(encoding="utf-8").splitlines()
    median = sorted(len(line) for line in lines)[len(lines) // 2]
    short_texts.write_text("\n".join(l for l in lines if len(l) < median) + "\n",
                           encoding="utf-8")
    short_count = len(short_texts.read_text(encoding="utf-8").splitlines())
    # Short texts still differ in work (3 to 25 output tokens), so their
    # unloaded p99 is already over twice their p50. One text repeated takes
    # that spread out and leaves the queueing alone.
    fixed_texts = work / "fixed.txt"
    short_lines = short_texts.read_text(encoding="utf-8").splitlines()
    fixed_texts.write_text((sorted(short_lines, key=len)[len(short_lines) // 2] + "\n") * 200,
                           encoding="utf-8")
    # Why batching buys little latency here: the engine's cost per sentence
    # barely falls with the batch size (one thread, the same short texts).
    batch_seconds = {size: timed([str(BIN / "liteformer-run"), "translate", "--model",
                                  str(args.model), "--beam", str(args.beam), "--threads", "1",
                                  "--batch-size", str(size)], short_texts)
                     for size in (1, 16)}
    results["engine_short_ms_per_sentence"] = {
        f"batch {size}": 1000 * seconds / short_count for size, seconds in batch_seconds.items()}
    print(f"\nengine, short texts, 1 thread: "
          f"{1000 * batch_seconds[1] / short_count:.1f} ms per sentence at batch 1, "
          f"{1000 * batch_seconds[16] / short_count:.1f} at batch 16")
    setups = {
        "default": dict(workers=args.threads),
        "latency_first": dict(workers=args.threads, max_batch_size=1),
        "one_worker": dict(workers=1, threads_per_worker=args.threads),
        # A queued sentence joins a running batch at once instead of waiting
        # up to the default 10 ms for a worker to free up.
        "join_at_once": dict(workers=args.threads, join_delay_ms=0),
        # Between the default and latency-first: a smaller batch cap, or a
        # longer join delay (batching mostly when the queue outwaits it).
        "batch_2": dict(workers=args.threads, max_batch_size=2),
        "batch_4": dict(workers=args.threads, max_batch_size=4),
        "join_40ms": dict(workers=args.threads, join_delay_ms=40),
        "join_100ms": dict(workers=args.threads, join_delay_ms=100),
    }
    runs = [("short_only", name, setup, short_texts) for name, setup in setups.items()]
    runs += [("fixed_work", name, setups[name], fixed_texts)
             for name in ("default", "latency_first", "join_at_once")]
    print(f"\nstep-level: {'texts':<12}{'setup':<16}{'unloaded p50':>13}{'saturation':>11}"
          f"{'p50 @50%':>10}{'p99 @50%':>10}{'ratio':>7}")
    for section, name, setup, section_texts in runs:
        server = Server(args.model, True, log=work / f"server-{section}-{name}.log", **setup)
        try:
            unloaded_short = load(server.port, section_texts, args.seconds, args.beam,
                                  concurrency=1)
            saturated_short = load(server.port, section_texts, args.seconds, args.beam,
                                   concurrency=32)
            half_short = load(server.port, section_texts, args.seconds, args.beam,
                              rate=0.5 * saturated_short["requests_per_second"])
        finally:
            server.stop()
        ratio = half_short["latency_ms"]["p99"] / unloaded_short["latency_ms"]["p50"]
        results.setdefault(section, {})[name] = {
            "setup": setup,
            "rows": [row("closed 1 (unloaded)", unloaded_short),
                     row("closed 32", saturated_short), row("open 50%", half_short)],
            "p99_at_50pct_vs_unloaded_p50": ratio}
        print(f"{'':<12}{section:<12}{name:<16}{unloaded_short['latency_ms']['p50']:>11.1f}ms"
              f"{saturated_short['requests_per_second']:>9.0f}/s"
              f"{half_short['latency_ms']['p50']:>8.1f}ms{half_short['latency_ms']['p99']:>8.1f}ms"
              f"{ratio:>7.2f}")

    # The mix on one worker with every thread (vs the default's one per core).
    server = Server(args.model, True, 1, work / "server-one-worker.log",
                    threads_per_worker=args.threads)
    try:
        one_worker = [row("closed 1 (unloaded)",
                          load(server.port, texts, args.seconds, args.beam, concurrency=1)),
                      row("closed 32", load(server.port, texts, args.seconds, args.beam,
                                            concurrency=32))]
    finally:
        server.stop()
    results["one_worker_mixed"] = {"threads_per_worker": args.threads, "rows": one_worker}
    print(f"\nthe mix on 1 worker x {args.threads} threads: unloaded p50 "
          f"{one_worker[0]['p50']:.0f} ms, closed 32 {one_worker[1]['rps']:.1f} texts/s")

    step = results["step_level"]
    open50 = {m: next(r for r in results[m]["rows"] if r["load"].startswith("open 50"))
              for m in ("step_level", "request_level")}
    open80 = {m: next(r for r in results[m]["rows"] if r["load"].startswith("open 80"))
              for m in ("step_level", "request_level")}
    summary = {
        "saturation_vs_offline": step["saturation_rps"] / offline_rps,
        "p99_at_50pct_vs_unloaded_p50_mixed": open50["step_level"]["p99"] / step["unloaded_p50_ms"],
        "p99_at_50pct_vs_unloaded_p50_short_only":
            results["short_only"]["default"]["p99_at_50pct_vs_unloaded_p50"],
        "p99_at_50pct_vs_unloaded_p50_short_only_latency_first":
            results["short_only"]["latency_first"]["p99_at_50pct_vs_unloaded_p50"],
        "p99_at_50pct_vs_unloaded_p50_fixed_work":
            results["fixed_work"]["default"]["p99_at_50pct_vs_unloaded_p50"],
        "p99_at_50pct_vs_unloaded_p50_fixed_work_latency_first":
            results["fixed_work"]["latency_first"]["p99_at_50pct_vs_unloaded_p50"],
        "short_p99_step_vs_request_at_80pct":
            open80["step_level"]["short_p99"] / open80["request_level"]["short_p99"],
        "short_p99_step_vs_request_at_50pct":
            open50["step_level"]["short_p99"] / open50["request_level"]["short_p99"],
    }
    for section in ("short_only", "fixed_work"):
        # The join delay's effect at 50% load: (the default delay, joining at once).
        half = {name: next(r for r in results[section][name]["rows"] if r["load"] == "open 50%")
                for name in ("default", "join_at_once")}
        summary[f"join_delay_{section}_p50_p99_at_50pct"] = {
            name: [half[name]["p50"], half[name]["p99"]] for name in half}
    if "offline_reference_rps" in results:
        summary["saturation_vs_reference"] = step["saturation_rps"] / results[
            "offline_reference_rps"]
    results["summary"] = summary
    print("\nsummary (step-level unless said):")
    print(f"  saturation / offline engine throughput: {summary['saturation_vs_offline']:.2f} "
          "(target >= 0.85)")
    if "saturation_vs_reference" in summary:
        print(f"  saturation / offline PyTorch reference: {summary['saturation_vs_reference']:.2f}")
    print("  p99 at 50% load / unloaded p50: "
          f"{summary['p99_at_50pct_vs_unloaded_p50_short_only']:.2f} on short texts only "
          f"(target <= 3), {summary['p99_at_50pct_vs_unloaded_p50_mixed']:.2f} on the mix, "
          f"{summary['p99_at_50pct_vs_unloaded_p50_short_only_latency_first']:.2f} on short texts "
          "latency-first; one text repeated: "
          f"{summary['p99_at_50pct_vs_unloaded_p50_fixed_work']:.2f} default, "
          f"{summary['p99_at_50pct_vs_unloaded_p50_fixed_work_latency_first']:.2f} latency-first")
    for section in ("short_only", "fixed_work"):
        delayed, at_once = (summary[f"join_delay_{section}_p50_p99_at_50pct"][name]
                            for name in ("default", "join_at_once"))
        print(f"  {section} at 50% load, p50 / p99: {delayed[0]:.1f} / {delayed[1]:.1f} ms with the "
              f"default join delay, {at_once[0]:.1f} / {at_once[1]:.1f} ms joining at once")
    print("  short texts' p99, step-level / request-level: "
          f"{summary['short_p99_step_vs_request_at_50pct']:.2f} at 50% load, "
          f"{summary['short_p99_step_vs_request_at_80pct']:.2f} at 80% (target <= 0.5)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
