"""The PyTorch reference's side of run_engine_bench.py: the same workload as
liteformer-engine-bench on the same model directory, with `--threads` torch
threads and Debian's OpenBLAS. Prints one JSON object (run as its own
process so its peak RSS is its own)."""
from __future__ import annotations

import argparse
import json
import pathlib
import resource
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import torch  # noqa: E402

from liteformer_ref.model_dir import load_model  # noqa: E402
from liteformer_ref.search import SearchOptions, beam_search, greedy_search  # noqa: E402


def blas_library() -> str:
    """The BLAS shared object this process actually mapped (after a matmul)."""
    torch.randn(64, 64) @ torch.randn(64, 64)
    for line in pathlib.Path("/proc/self/maps").read_text().splitlines():
        path = line.split()[-1]
        if "blas" in path.lower() and path.endswith((".so", ".so.3", ".so.0")):
            return str(pathlib.Path(path).resolve())
    return "unknown"


def median_seconds(repeats: int, run) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@torch.no_grad()
def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    loaded = load_model(args.model)
    model = loaded.model
    vocab = loaded.config.vocab.source_size
    g = torch.Generator().manual_seed(7)
    one = torch.cat([torch.randint(4, vocab, (1, 29), generator=g), torch.full((1, 1), 2)], dim=1)
    batch = torch.cat([torch.randint(4, vocab, (32, 29), generator=g), torch.full((32, 1), 2)], dim=1)
    options = SearchOptions(beam_size=4, length_penalty=1.0, max_len_a=0.0, max_len_b=29, min_len=29)

    def translate(sources: torch.Tensor, beam: int) -> None:
        options.beam_size = beam
        decoder = model.step_decoder(sources, repeat=beam)
        history = [[2] for _ in range(sources.size(0))]
        max_len = [29] * sources.size(0)
        if beam == 1:
            found = greedy_search(decoder, history, max_len, options)
            assert all(len(h.tokens) == 30 for h in found)
        else:
            results = beam_search(decoder, history, max_len, options)
            assert all(len(r[0].tokens) == 30 for r in results)

    out = {"threads": args.threads, "blas": blas_library(), "torch": torch.__version__}
    model.encode(one)
    out["encoder_ms"] = 1e3 * median_seconds(args.repeats * 3, lambda: model.encode(one))
    translate(one, 1)
    out["greedy_b1_ms"] = 1e3 * median_seconds(args.repeats, lambda: translate(one, 1))
    out["beam4_b1_ms"] = 1e3 * median_seconds(args.repeats, lambda: translate(one, 4))
    seconds = median_seconds(args.repeats, lambda: translate(batch, 4))
    out["beam4_b32_ms"] = 1e3 * seconds
    out["beam4_b32_tokens_per_s"] = 32 * 30 / seconds
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
