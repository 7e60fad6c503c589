#!/usr/bin/python3
"""Priority and fairness benchmark (issue 16), every figure against a
baseline measured in the same run.

  /usr/bin/python3 bench/run_priority_bench.py [--model models/en-de] [--texts FILE]
      [--seconds 20] [--json bench/results-priority.json]

The server runs its defaults (2 single-threaded workers, step-level batching,
beam 4) with the cache off, admission by expected wait lifted and two tokens
("bulk", "interactive"). Texts: of the --texts file (or the translation test
set's short/long mix), those of 3 to 8 words are the interactive ones, the
longest quarter the bulk ones.

Mixed priorities:
  saturation       closed loop at 32 in flight, long texts, then short texts;
  unloaded         short texts one at a time: the interactive p50;
  bulk alone       long texts, open loop at 90% of their saturation;
  interactive alone  short texts, open loop at 10% of their saturation: the
                   p99 their own spread in length sets;
  mixed, priorities  bulk (BULK) at 90% and short texts (INTERACTIVE) at 10%
                   of their saturation, together;
  mixed, none      the same with every request NORMAL (the baseline).
Targets: interactive p99 <= 3x its unloaded p50; bulk throughput >= 80% of
bulk alone.

Fairness (the issue's case): one Translate of 64 texts x 4 sentences, beam
16, min = max length 255, from "bulk"; 0.5 s later "interactive" sends short
texts one at a time (same class, NORMAL) for --seconds. Target: their p50
<= 2x their unloaded p50.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import tempfile
import time

from run_server_bench import BIN, Server, finish_load, load_command, load_report, server_bench_arguments, write_texts

TOKENS = "interactive interactive-token\nbulk bulk-token\n"


def split_texts(work: pathlib.Path, mixed: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    """short.txt: the texts of 3 to 8 words (what a user waits for: a UI
    string, a chat line; alike in length, so their p99 measures the
    scheduler, not the spread of the texts); long.txt: the longest quarter."""
    lines = sorted(mixed.read_text(encoding="utf-8").splitlines(), key=len)
    short, long = work / "short.txt", work / "long.txt"
    interactive = [line for line in lines if 3 <= len(line.split()) <= 8]
    if len(interactive) < 20:
        raise SystemExit(f"{mixed}: {len(interactive)} texts of 3 to 8 words, fewer than 20")
    short.write_text("\n".join(interactive) + "\n", encoding="utf-8")
    long.write_text("\n".join(lines[3 * len(lines) // 4:]) + "\n", encoding="utf-8")
    return short, long


def run(command: list[str]) -> dict:
    return load_report(command, subprocess.run(command, capture_output=True, text=True))


def closed(port: int, texts: pathlib.Path, args: argparse.Namespace, concurrency: int) -> dict:
    return run(load_command(port, texts, args.seconds, args.beam, concurrency=concurrency,
                            token="interactive-token"))


def mixed(port: int, short: pathlib.Path, long: pathlib.Path, seconds: float, beam: int,
          bulk_rate: float, interactive_rate: float, priorities: bool) -> dict:
    bulk_class, interactive_class = ("bulk", "interactive") if priorities else ("normal", "normal")
    bulk_command = load_command(port, long, seconds + 2, beam, rate=bulk_rate, token="bulk-token",
                                extra=(f"--priority={bulk_class}",))
    bulk = subprocess.Popen(bulk_command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)  # Bulk's warm-up: the interactive texts arrive into a loaded server.
        interactive = run(load_command(port, short, seconds, beam, rate=interactive_rate,
                                       token="interactive-token",
                                       extra=(f"--priority={interactive_class}",)))
    finally:
        bulk_report = finish_load(bulk_command, bulk, seconds + 300)
    return {"interactive_p50_ms": interactive["latency_ms"]["p50"],
            "interactive_p99_ms": interactive["latency_ms"]["p99"],
            # Where the interactive time goes: waiting for a worker, or computing.
            "interactive_server_queue_ms": interactive["server_queue_ms"],
            "interactive_server_compute_ms": interactive["server_compute_ms"],
            "interactive_failed": interactive["failed"],
            "bulk_ok_per_second": bulk_report["ok"] / bulk_report["elapsed_seconds"],
            "bulk_p99_ms": bulk_report["latency_ms"]["p99"], "bulk_failed": bulk_report["failed"]}


def fairness(port: int, work: pathlib.Path, short: pathlib.Path, seconds: float, beam: int,
             unloaded_p50: float) -> dict:
    # 64 texts of 4 sentences each, about 18 bytes a text as in the issue.
    big = work / "big.txt"
    big.write_text("".join(f"Item {i}. It is {i}. Go on. See {i}.\n" for i in range(64)), encoding="utf-8")
    big_command = [str(BIN / "liteformer-client"), "translate", f"--target=127.0.0.1:{port}",
                   f"--input={big}", "--texts_per_request=64", "--beam=16", "--min_length=255",
                   "--max_length=255", f"--deadline={seconds + 30}", "--token=bulk-token"]
    process = subprocess.Popen(big_command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        small = run(load_command(port, short, seconds, beam, concurrency=1, warmup=0,
                                 token="interactive-token"))
        still_running = process.poll() is None
    finally:
        process.kill()
        process.wait()
    p50 = small["latency_ms"]["p50"]
    return {"big_request_still_running": still_running, "small_p50_ms": p50,
            "small_p99_ms": small["latency_ms"]["p99"], "small_failed": small["failed"],
            "small_p50_vs_unloaded": p50 / unloaded_p50}


def mixed_priorities(port: int, short: pathlib.Path, long: pathlib.Path, args: argparse.Namespace,
                     unloaded: float, results: dict) -> None:
    """Bulk at 90% and interactive at 10% of saturation, with and without priorities."""
    long_saturation = closed(port, long, args, 32)["requests_per_second"]
    short_saturation = closed(port, short, args, 32)["requests_per_second"]
    bulk_rate, interactive_rate = 0.9 * long_saturation, 0.1 * short_saturation
    alone = run(load_command(port, long, args.seconds, args.beam, rate=bulk_rate, token="bulk-token",
                             extra=("--priority=bulk",)))
    # The floor: the interactive texts at their rate on an otherwise idle
    # server (their spread in length alone sets this p99).
    interactive_alone = run(load_command(port, short, args.seconds, args.beam, rate=interactive_rate,
                                         token="interactive-token", extra=("--priority=interactive",)))
    results.update({"long_saturation_rps": long_saturation, "short_saturation_rps": short_saturation,
                    "bulk_rate": bulk_rate,
                    "interactive_rate": interactive_rate,
                    "bulk_alone_ok_per_second": alone["ok"] / alone["elapsed_seconds"],
                    "interactive_alone_p50_ms": interactive_alone["latency_ms"]["p50"],
                    "interactive_alone_server_compute_ms": interactive_alone["server_compute_ms"],
                    "interactive_alone_p99_ms": interactive_alone["latency_ms"]["p99"]})
    print(f"saturation: long texts {long_saturation:.1f}/s, short texts {short_saturation:.1f}/s; "
          f"short texts unloaded p50 {unloaded:.1f} ms; bulk alone at {bulk_rate:.1f}/s: "
          f"{results['bulk_alone_ok_per_second']:.1f}/s done; interactive alone at {interactive_rate:.1f}/s: "
          f"p50 {results['interactive_alone_p50_ms']:.1f} ms, p99 {results['interactive_alone_p99_ms']:.1f} ms "
          f"= {results['interactive_alone_p99_ms'] / unloaded:.2f}x unloaded p50")
    for label, priorities in (("priorities", True), ("no_priorities", False)):
        row = mixed(port, short, long, args.seconds, args.beam, bulk_rate, interactive_rate, priorities)
        row["interactive_p99_vs_unloaded_p50"] = row["interactive_p99_ms"] / unloaded
        row["bulk_vs_alone"] = row["bulk_ok_per_second"] / results["bulk_alone_ok_per_second"]
        results[label] = row
        print(f"mixed, {label:13s}: interactive p50 {row['interactive_p50_ms']:.1f} ms, p99 "
              f"{row['interactive_p99_ms']:.1f} ms = {row['interactive_p99_vs_unloaded_p50']:.2f}x unloaded p50 "
              f"(target <= 3x); bulk {row['bulk_ok_per_second']:.1f}/s = {row['bulk_vs_alone']:.2f}x alone "
              f"(target >= 0.8x); failed {row['interactive_failed']} + {row['bulk_failed']}; interactive server "
              f"queue p50/p99 {row['interactive_server_queue_ms']['p50']:.1f}/"
              f"{row['interactive_server_queue_ms']['p99']:.1f} ms, compute p50/p99 "
              f"{row['interactive_server_compute_ms']['p50']:.1f}/{row['interactive_server_compute_ms']['p99']:.1f} ms "
              f"(alone: compute {results['interactive_alone_server_compute_ms']['p50']:.1f}/"
              f"{results['interactive_alone_server_compute_ms']['p99']:.1f} ms)")


def main() -> int:
    parser = server_bench_arguments(__doc__, 20)
    parser.add_argument("--part", choices=("all", "mixed", "fairness"), default="all")
    parser.add_argument("--batching", default="",
                        help="more BatchingConfig fields, e.g. 'bulk { max_batch_size: 8 }'")
    args = parser.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="liteformer-priority-bench-"))
    short, long = split_texts(work, write_texts(work, args.texts, 2000))
    tokens = work / "tokens.txt"
    tokens.write_text(TOKENS)
    server = Server(args.model, True, 2, work / "server.log", max_queue_wait_ms=600000,
                    batching_extra=args.batching, extra=f'auth {{ tokens_file: "{tokens}" }}\n')
    results: dict = {"seconds": args.seconds, "beam": args.beam}
    try:
        unloaded = closed(server.port, short, args, 1)["latency_ms"]["p50"]
        results["interactive_unloaded_p50_ms"] = unloaded
        if args.part in ("all", "mixed"):
            mixed_priorities(server.port, short, long, args, unloaded, results)
        if args.part in ("all", "fairness"):
            results["fairness"] = fairness(server.port, work, short, args.seconds, args.beam, unloaded)
            row = results["fairness"]
            print(f"fairness: behind the 64 x 4-sentence beam-16 request (running to the end: "
                  f"{row['big_request_still_running']}), short texts p50 {row['small_p50_ms']:.1f} ms = "
                  f"{row['small_p50_vs_unloaded']:.2f}x unloaded (target <= 2x), p99 {row['small_p99_ms']:.1f} ms")
    finally:
        server.stop()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
