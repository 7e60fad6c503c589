#!/usr/bin/python3
"""Engine benchmark: the engine and the PyTorch reference on the same model
directories and the same workload, in one run, with the ratios.

  /usr/bin/python3 bench/run_engine_bench.py [--threads 1 2] [--repeats 3] [--json out.json]
      [--compute-types float32 int8] [--no-reference]

Workload (issue 3): the WMT En-De Lite Transformer at C = 496 with random
weights, sources of 30 tokens, exactly 30 decoding steps; batch-1 beam-4 and
greedy latency, batch-32 beam-4 throughput, encoder time, peak RSS, MACs/s.
The reference runs with Debian's OpenBLAS and the same thread count (the BLAS
it mapped is printed). Also: the vanilla Transformer-base on the engine, and
this machine's limits (memory-bandwidth bound of batch-1 decoding, oneDNN's
fp32 GEMM peak). With more than one compute type (issue 14): both models on
the engine in each type, with each type's ratio to float32 in the same run,
and the int8 matmul peak of ours and of oneDNN's u8·s8 matmul.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import bench_models  # noqa: E402

ENGINE_BENCH = ROOT / "build" / "bin" / "liteformer-engine-bench"


def run_json(command: list[str], env: dict[str, str] | None = None) -> dict:
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def reference_env(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    # OpenBLAS picks its kernels by CPU; these overrides (set on this image for
    # old OpenBLAS builds) would slow it, so the reference runs without them.
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    env["OMP_NUM_THREADS"] = str(threads)
    if threads > 1:
        # torch's OpenMP pool spinning beside OpenBLAS's own threads made the
        # 2-thread reference 2.7x slower than with 1 thread (2206 vs 819 ms at
        # beam 4, batch 1); passive waiting is its fastest 2-thread setting.
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=pathlib.Path)
    parser.add_argument("--compute-types", nargs="+", default=["float32"], choices=["float32", "int8"])
    parser.add_argument("--no-reference", action="store_true",
                        help="skip the PyTorch reference (and the float32 tables that compare with it)")
    args = parser.parse_args()
    if not ENGINE_BENCH.exists():
        raise SystemExit(f"{ENGINE_BENCH} missing: build first (scripts/test.sh or cmake --build build)")
    lsra_dir = bench_models.model_dir("wmt496")
    base_dir = bench_models.model_dir("transformer_base")
    report: dict = {"runs": []}
    for threads in args.threads:
        if args.no_reference:
            break
        engine = run_json([str(ENGINE_BENCH), "--model", str(lsra_dir), "--threads", str(threads),
                           "--repeats", str(args.repeats)])
        reference = run_json(["/usr/bin/python3", str(ROOT / "bench" / "reference_bench.py"), "--model",
                              str(lsra_dir), "--threads", str(threads), "--repeats", str(args.repeats)],
                             env=reference_env(threads))
        base = run_json([str(ENGINE_BENCH), "--model", str(base_dir), "--threads", str(threads),
                         "--repeats", str(args.repeats), "--no-limits"])
        report["runs"].append({"threads": threads, "engine": engine, "reference": reference, "transformer_base": base})
    if report["runs"]:
        print_report(report)
    if len(args.compute_types) > 1:
        report["compute_types"] = []
        for threads in args.threads:
            row: dict = {"threads": threads}
            for name, directory in (("wmt496", lsra_dir), ("transformer_base", base_dir)):
                row[name] = {kind: run_json([str(ENGINE_BENCH), "--model", str(directory), "--threads",
                                             str(threads), "--repeats", str(args.repeats), "--compute-type", kind]
                                            + ([] if name == "wmt496" else ["--no-limits"]))
                             for kind in args.compute_types}
            report["compute_types"].append(row)
        print_compute_types(report["compute_types"])
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    return 0


def print_report(report: dict) -> None:
    lsra_macs = bench_models.paper_macs("wmt496", False)
    base_macs = bench_models.paper_macs("transformer_base", False)
    lsra_macs_out = bench_models.paper_macs("wmt496", True)
    base_macs_out = bench_models.paper_macs("transformer_base", True)
    print(f"reference BLAS: {report['runs'][0]['reference']['blas']} (torch {report['runs'][0]['reference']['torch']}; "
          "OPENBLAS_NUM_THREADS = torch threads = engine threads, OMP_WAIT_POLICY=PASSIVE above 1 thread)")
    print(f"MACs (30+30 tokens, paper convention): LSRA-496 {lsra_macs / 1e6:.1f}M, Transformer-base "
          f"{base_macs / 1e6:.1f}M (ratio {base_macs / lsra_macs:.2f}); with the 32k output projection "
          f"{lsra_macs_out / 1e6:.1f}M vs {base_macs_out / 1e6:.1f}M (ratio {base_macs_out / lsra_macs_out:.2f})")
    rows = [("encoder, batch 1 (ms)", "encoder_ms", True), ("greedy, batch 1 (ms)", "greedy_b1_ms", True),
            ("beam 4, batch 1 (ms)", "beam4_b1_ms", True),
            ("beam 4, batch 32 (target tokens/s)", "beam4_b32_tokens_per_s", False),
            ("peak RSS (MB)", "peak_rss_mb", True)]
    for run in report["runs"]:
        engine, reference, base = run["engine"], run["reference"], run["transformer_base"]
        print(f"\n== {run['threads']} thread(s) ==")
        print(f"{'':38s} {'engine':>10s} {'reference':>10s} {'speed-up':>9s}")
        for label, key, lower_is_better in rows:
            e, r = engine[key], reference[key]
            ratio = r / e if lower_is_better else e / r
            print(f"{label:38s} {e:10.1f} {r:10.1f} {ratio:8.2f}x")
        print(f"engine MACs/s: greedy b1 {engine['greedy_b1_macs_per_s'] / 1e9:.2f}G, beam4 b1 "
              f"{engine['beam4_b1_macs_per_s'] / 1e9:.2f}G, beam4 b32 {engine['beam4_b32_macs_per_s'] / 1e9:.2f}G")
        step_ms = engine["weight_bytes_per_step"] / (engine["bandwidth_gb_per_s"] * 1e9) * 1e3
        bound_ms = 30 * step_ms
        print(f"limits: {engine['weight_bytes_per_step'] / 1e6:.1f} MB of fp32 weights per decoding step, "
              f"measured bandwidth {engine['bandwidth_gb_per_s']:.1f} GB/s -> {step_ms:.2f} ms/step, "
              f"{bound_ms:.1f} ms for 30 steps; beam-4 batch-1 is {engine['beam4_b1_ms'] / bound_ms:.2f}x the bound")
        print(f"        GEMM peak {engine['gemm_peak_gflops']:.1f} GFLOP/s; batch-32 matmuls reach "
              f"{engine['beam4_b32_matmul_gflops']:.1f} GFLOP/s = "
              f"{100 * engine['beam4_b32_matmul_gflops'] / engine['gemm_peak_gflops']:.0f}% of it "
              f"({100 * engine['beam4_b32_matmul_share_of_time']:.0f}% of the run's time is in matmuls)")
        weights_mb = engine["weight_bytes_per_step"] / 1e6
        print(f"Transformer-base on the engine: beam4 b1 {base['beam4_b1_ms']:.1f} ms, greedy b1 "
              f"{base['greedy_b1_ms']:.1f} ms, beam4 b32 {base['beam4_b32_tokens_per_s']:.0f} tokens/s; "
              f"LSRA is {base['beam4_b1_ms'] / engine['beam4_b1_ms']:.2f}x faster at beam4 b1, "
              f"{base['greedy_b1_ms'] / engine['greedy_b1_ms']:.2f}x at greedy b1, "
              f"{engine['beam4_b32_tokens_per_s'] / base['beam4_b32_tokens_per_s']:.2f}x at beam4 b32 "
              f"(MACs ratios {base_macs / lsra_macs:.2f} / {base_macs_out / lsra_macs_out:.2f})")
        # Batch-1 decoding reads every weight once per step in both models, so
        # with both at the memory-bandwidth bound their time ratio is their
        # bytes ratio: more than that would mean a slower Transformer, not a
        # faster LSRA.
        print(f"        at batch 1 both read all their weights every step: Transformer-base "
              f"{base['weight_bytes_per_step'] / 1e6:.1f} MB vs LSRA {weights_mb:.1f} MB, so with both at the "
              f"bandwidth bound the batch-1 time ratio is "
              f"{base['weight_bytes_per_step'] / engine['weight_bytes_per_step']:.2f}x")


def print_compute_types(rows: list[dict]) -> None:
    """Each compute type against float32, measured in the same run."""
    metrics = [("greedy, batch 1 (ms)", "greedy_b1_ms", True), ("beam 4, batch 1 (ms)", "beam4_b1_ms", True),
               ("beam 4, batch 32 (target tokens/s)", "beam4_b32_tokens_per_s", False),
               ("peak RSS (MB)", "peak_rss_mb", True)]
    for row in rows:
        for name in ("wmt496", "transformer_base"):
            runs = row[name]
            kinds = list(runs)
            print(f"\n== {name}, {row['threads']} thread(s): compute types (ratio: speed or memory vs float32) ==")
            print(f"{'':38s}" + "".join(f" {kind:>10s} {'ratio':>7s}" for kind in kinds))
            for label, key, lower_is_better in metrics:
                base = runs["float32"][key]
                cells = ""
                for kind in kinds:
                    value = runs[kind][key]
                    ratio = base / value if lower_is_better else value / base
                    cells += f" {value:10.1f} {ratio:6.2f}x"
                print(f"{label:38s}{cells}")
            int8 = runs.get("int8", {})
            if "int8_gemm_peak_gops" in int8:
                print(f"int8 matmul at M=512, K=N=2048: ours {int8['int8_gemm_peak_gops']:.0f} GOP/s, oneDNN u8s8s32 "
                      f"{int8['onednn_int8_gemm_peak_gops']:.0f} GOP/s; float32 GEMM peak "
                      f"{int8['gemm_peak_gflops']:.0f} GFLOP/s; bandwidth {int8['bandwidth_gb_per_s']:.1f} GB/s, "
                      f"{int8['weight_bytes_per_step'] / 1e6:.1f} MB of int8 weights per step -> "
                      f"{30 * int8['weight_bytes_per_step'] / (int8['bandwidth_gb_per_s'] * 1e9) * 1e3:.1f} ms "
                      f"for 30 steps; beam-4 batch-1 at "
                      f"{int8['beam4_b1_ms'] / (30 * int8['weight_bytes_per_step'] / (int8['bandwidth_gb_per_s'] * 1e9) * 1e3):.2f}x "
                      "that bound")


if __name__ == "__main__":
    sys.exit(main())
