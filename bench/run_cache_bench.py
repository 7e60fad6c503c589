#!/usr/bin/python3
"""Response-cache benchmark (issue 16): throughput with the cache on and off
on a workload where half the texts repeat earlier ones, in the same run.

  /usr/bin/python3 bench/run_cache_bench.py [--model models/en-de] [--seconds 15]
      [--json bench/results-cache.json]

Workload: English texts of the translation corpus (valid.en, then test.en),
each position a repeat of a uniformly drawn earlier text with probability 0.5,
else the next unseen text (seeded: the same list every run), long enough that
liteformer-load never wraps around it. The server runs with its defaults
(2 single-threaded workers, beam 4) and `cache { size_mb: 64 }`, then with
`cache { size_mb: 0 }`; liteformer-load runs a closed loop at 32 in flight
(the server bench's saturation level) on the same 2 cores.
Then, cache on, one cached text at a time: a hit's latency as the client sees
it (loopback gRPC included) and the server's own account (Usage: no queue, no
compute). Targets: >= 1.8x the throughput with the cache; a hit's server time
< 1 ms.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import random
import tempfile

from run_server_bench import ROOT, Server, load

REPEAT = 0.5
LENGTH = 6000


def workload(count: int, seed: int = 5) -> list[str]:
    corpus = ROOT / "data" / "translation"
    pool = []
    for name in ("valid.en", "test.en", "train.en"):
        path = corpus / name
        if not path.exists():
            raise SystemExit(f"{path} is missing: build the corpus (tools/data/build.py translation)")
        pool += [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                 if 3 <= len(line.split()) <= 60]
        if len(pool) > count:
            break
    pool = list(dict.fromkeys(pool))  # Unique, in order.
    rng = random.Random(seed)
    texts: list[str] = []
    fresh = iter(pool)
    for _ in range(count):
        texts.append(rng.choice(texts) if texts and rng.random() < REPEAT else next(fresh))
    return texts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=pathlib.Path, default=ROOT / "models" / "en-de")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--json", type=pathlib.Path)
    args = parser.parse_args()

    work = pathlib.Path(tempfile.mkdtemp(prefix="liteformer-cache-bench-"))
    texts = work / "texts.txt"
    lines = workload(LENGTH)
    texts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    repeats = len(lines) - len(set(lines))
    results: dict = {"texts": len(lines), "repeats": repeats, "beam": args.beam}
    print(f"{len(lines)} texts, {repeats} of them repeats ({100 * repeats / len(lines):.0f}%)")
    for label, size_mb in (("off", 0), ("on", 64)):
        server = Server(args.model, True, 2, work / f"server-{label}.log",
                        cache_mb=size_mb)
        try:
            closed = load(server.port, texts, args.seconds, args.beam, concurrency=32)
            row = {"rps": closed["requests_per_second"],
                   "p50_ms": closed["latency_ms"]["p50"], "p99_ms": closed["latency_ms"]["p99"],
                   "sent": closed["sent"], "errors": closed["failed"]}
            if label == "on":
                hit = work / "hit.txt"
                hit.write_text(lines[0] + "\n", encoding="utf-8")
                hits = load(server.port, hit, 3, args.beam, concurrency=1)
                row.update(hit_p50_ms=hits["latency_ms"]["p50"], hit_p99_ms=hits["latency_ms"]["p99"],
                           hit_server_queue_p99_ms=hits.get("server_queue_ms", {}).get("p99", 0.0),
                           hit_server_compute_p99_ms=hits.get("server_compute_ms", {}).get("p99", 0.0))
        finally:
            server.stop()
        results[label] = row
        print(f"cache {label:3s}: {row['rps']:6.1f} texts/s  p50 {row['p50_ms']:6.1f} ms  "
              f"p99 {row['p99_ms']:7.1f} ms  ({row['sent']} sent, {row['errors']} failed)", flush=True)
    on = results["on"]
    print(f"cache on / off: {on['rps'] / results['off']['rps']:.2f}x throughput (target >= 1.8x)")
    print(f"a hit: {on['hit_p50_ms']:.2f} ms p50, {on['hit_p99_ms']:.2f} ms p99 at the client; "
          f"server queue p99 {on['hit_server_queue_p99_ms']:.3f} ms, compute p99 "
          f"{on['hit_server_compute_p99_ms']:.3f} ms (target < 1 ms)")
    results["speedup"] = on["rps"] / results["off"]["rps"]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
