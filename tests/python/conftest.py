"""pytest set-up: makes tools/ importable and keeps torch to one thread (two shared cores)."""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import torch  # noqa: E402

torch.set_num_threads(1)
