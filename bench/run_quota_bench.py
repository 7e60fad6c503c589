#!/usr/bin/python3
"""Quota benchmark (issue 17): one client at 10x its quota, another client's
latency, with and without quotas, in the same run.

  /usr/bin/python3 bench/run_quota_bench.py [--model models/en-de] [--seconds 20]
      [--json bench/results-quota.json]

Two clients, each a token of the server's tokens file: "interactive" sends
short texts of the translation test set at 2 a second (Poisson arrivals,
open loop), "bulk" sends the short/long mix at 10x its quota of
`--quota` sentences a second (default 8: 10x is past the server's capacity
on 2 cores for short texts, about 75 a second). The server runs its defaults (2 single-threaded
workers, beam 4, cache off). Three runs:
  unloaded      interactive alone;
  no quotas     bulk and interactive together, quotas off (the baseline);
  quotas        the same with bulk's quota (sentences_per_second = quota,
                max_in_flight_sentences = 2).
Target: with quotas, interactive's p50 within 1.5x of its unloaded p50.
"""
from __future__ import annotations

import json
import pathlib
import subprocess
import tempfile

from run_server_bench import Server, finish_load, load_command, load_report, server_bench_arguments, write_texts

INTERACTIVE_RATE = 2.0
TOKENS = "interactive interactive-token\nbulk bulk-token\n"


def main() -> int:
    parser = server_bench_arguments(__doc__, 20)
    parser.add_argument("--quota", type=float, default=8.0, help="bulk's sentences a second")
    args = parser.parse_args()

    work = pathlib.Path(tempfile.mkdtemp(prefix="liteformer-quota-bench-"))
    mixed = write_texts(work, args.texts, 2000)
    lines = mixed.read_text(encoding="utf-8").splitlines()
    median = sorted(len(line) for line in lines)[len(lines) // 2]
    short = work / "short.txt"
    short.write_text("\n".join(line for line in lines if len(line) <= median) + "\n", encoding="utf-8")
    tokens = work / "tokens.txt"
    tokens.write_text(TOKENS)
    auth = f'auth {{ tokens_file: "{tokens}" }}\n'
    quotas = (f'quotas {{ overrides {{ client: "bulk" limits {{ sentences_per_second: {args.quota} '
              "max_in_flight_sentences: 2 } } }\n")
    bulk_rate = 10 * args.quota

    results: dict = {"quota_sentences_per_second": args.quota, "bulk_rate": bulk_rate,
                     "interactive_rate": INTERACTIVE_RATE, "seconds": args.seconds, "beam": args.beam}
    for label, extra, with_bulk in (("unloaded", auth + quotas, False), ("no_quotas", auth, True),
                                    ("quotas", auth + quotas, True)):
        # Admission by expected wait is lifted: the baseline shows what bulk
        # traffic does to the queue, not refusals of the interactive client.
        server = Server(args.model, True, 2, work / f"server-{label}.log", max_queue_wait_ms=600000,
                        extra=extra)
        try:
            bulk = None
            if with_bulk:
                bulk_command = load_command(server.port, mixed, args.seconds + 2, args.beam, rate=bulk_rate,
                                            token="bulk-token", deadline=30)
                bulk = subprocess.Popen(bulk_command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            command = load_command(server.port, short, args.seconds, args.beam, rate=INTERACTIVE_RATE,
                                   token="interactive-token", deadline=30)
            interactive = load_report(command, subprocess.run(command, capture_output=True, text=True))
            row = {"interactive_p50_ms": interactive["latency_ms"]["p50"],
                   "interactive_p99_ms": interactive["latency_ms"]["p99"],
                   "interactive_sent": interactive["sent"], "interactive_failed": interactive["failed"]}
            if bulk is not None:
                report = finish_load(bulk_command, bulk, args.seconds + 120)
                row.update({"bulk_sent": report["sent"], "bulk_ok": report["ok"], "bulk_failed": report["failed"],
                            "bulk_ok_per_second": report["ok"] / report["elapsed_seconds"],
                            "bulk_errors": report["errors"]})
        finally:
            server.stop()
        results[label] = row
        print(f"{label:10s} " + "  ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}"
                                          for k, v in row.items()))
    unloaded = results["unloaded"]["interactive_p50_ms"]
    for label in ("no_quotas", "quotas"):
        results[label]["p50_vs_unloaded"] = results[label]["interactive_p50_ms"] / unloaded
    print(f"interactive p50 vs unloaded: without quotas {results['no_quotas']['p50_vs_unloaded']:.2f}x, "
          f"with quotas {results['quotas']['p50_vs_unloaded']:.2f}x (target <= 1.5x)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
