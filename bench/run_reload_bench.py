#!/usr/bin/python3
"""Hot reload benchmark (issue 16): a model directory replaced under load.

  /usr/bin/python3 bench/run_reload_bench.py [--model models/en-de] [--texts FILE]
      [--seconds 30] [--json bench/results-reload.json]

The server (defaults: 2 single-threaded workers, cache off) serves a copy of
--model from a models_dir of its own. liteformer-load runs closed loop at 32
in flight for --seconds, twice in the same run:
  baseline   nothing changes;
  reloads    at 1/3 of the run the directory is replaced by a new version
             (config.json's version changed; written beside it, then renamed
             over it) and the server gets SIGHUP; at 2/3 it is replaced by a
             corrupt version (model.safetensors cut to 1,000 bytes) and
             SIGHUP again.
Reported: failed calls (target 0), how long after the SIGHUP the new version
answered (target <= its load time + 1 s; the load time is the server's own
"loaded and warmed in" figure), that the corrupt version was refused with the
old one serving, and throughput against the baseline.
"""
from __future__ import annotations

import json
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from run_server_bench import ROOT, Server, finish_load, load_command, server_bench_arguments, write_texts

sys.path.insert(0, str(ROOT / "tests" / "e2e"))
import stubs as generated_stubs  # noqa: E402
from e2e_util import replace_model_dir  # noqa: E402


def main() -> int:
    parser = server_bench_arguments(__doc__, 30)
    args = parser.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="liteformer-reload-bench-"))
    texts = write_texts(work, args.texts, 200)
    (work / "stubs").mkdir()
    stubs = generated_stubs.generate(ROOT, work / "stubs")
    import grpc

    models = work / "models"
    models.mkdir()
    shutil.copytree(args.model, models / "bench")
    # Server() names its one model "bench" from a models list; a models_dir
    # is what a deployment replaces, so the list points into it.
    server = Server(models / "bench", True, 2, work / "server.log")
    results: dict = {"seconds": args.seconds, "beam": args.beam, "concurrency": 32}
    try:
        channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
        translator = stubs.pb_grpc.TranslatorStub(channel)
        probe = stubs.pb.TranslateRequest(model="bench", texts=["Hello."],
                                          options=stubs.pb.DecodingOptions(no_cache=True))

        def version() -> str:
            return translator.Translate(probe, timeout=30).usage.model_version

        def run(reloads: bool) -> dict:
            command = load_command(server.port, texts, args.seconds, args.beam, concurrency=32, warmup=0)
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            row: dict = {}
            if reloads:
                time.sleep(args.seconds / 3)
                replace_model_dir(models / "bench", args.model, "reloaded")
                sent = time.monotonic()
                server.process.send_signal(signal.SIGHUP)
                while version() != "reloaded":
                    time.sleep(0.01)
                row["new_version_answered_s"] = time.monotonic() - sent
                time.sleep(args.seconds / 3 - row["new_version_answered_s"])
                replace_model_dir(models / "bench", args.model, "corrupt", corrupt=True)
                server.process.send_signal(signal.SIGHUP)
                time.sleep(2)
                listed = stubs.pb_grpc.ModelServiceStub(channel).ListModels(stubs.pb.ListModelsRequest(),
                                                                            timeout=10).models[0]
                row.update({"after_corrupt_version": listed.version,
                            "after_corrupt_state": stubs.pb.ModelState.Name(listed.state),
                            "after_corrupt_error": listed.error[:300], "serving_version": version()})
            report = finish_load(command, process, args.seconds + 120)
            row.update({"ok": report["ok"], "failed": report["failed"], "errors": report["errors"],
                        "texts_per_second": report["ok"] / report["elapsed_seconds"],
                        "p99_ms": report["latency_ms"]["p99"]})
            return row

        results["baseline"] = run(False)
        results["reloads"] = run(True)
        channel.close()
    finally:
        server.stop()
    log = (work / "server.log").read_text()
    took = re.findall(r"version reloaded .*loaded and warmed in (\d+) ms", log)
    results["load_and_warm_ms"] = int(took[0]) if took else None
    base, reloads = results["baseline"], results["reloads"]
    print(f"baseline: {base['texts_per_second']:.1f} texts/s, p99 {base['p99_ms']:.0f} ms, {base['failed']} failed")
    print(f"reloads:  {reloads['texts_per_second']:.1f} texts/s "
          f"({reloads['texts_per_second'] / base['texts_per_second']:.2f}x baseline), "
          f"p99 {reloads['p99_ms']:.0f} ms, {reloads['failed']} failed of {reloads['ok'] + reloads['failed']} "
          f"(target 0)")
    print(f"new version answered {reloads['new_version_answered_s'] * 1000:.0f} ms after SIGHUP; its load and "
          f"warm-up took {results['load_and_warm_ms']} ms (target: <= that + 1000 ms)")
    print(f"corrupt version: serving version '{reloads['serving_version']}', ListModels state "
          f"{reloads['after_corrupt_state']}, error: {reloads['after_corrupt_error'][:160]}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
