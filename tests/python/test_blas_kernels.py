"""scripts/test.sh runs this suite twice, the second time with OPENBLAS_CORETYPE
naming other kernels than the first, because PyTorch's floats change in the
last bits with the kernels OpenBLAS picks for the CPU: a test that compares
them too tightly then fails on the other run as it would on another machine.
These tests show that the variable really changes what PyTorch runs."""
from __future__ import annotations

import ctypes
import os
import pathlib

import torch


def _openblas_loaded() -> pathlib.Path | None:
    torch.ones(64, 64) @ torch.ones(64, 64)  # BLAS is loaded lazily on some builds.
    for line in pathlib.Path("/proc/self/maps").read_text().splitlines():
        path = line.split()[-1]
        if "libopenblas" in path:
            return pathlib.Path(path)
    return None


def test_torch_computes_with_openblas() -> None:
    # scripts/install-deps.sh installs libopenblas0-pthread, which takes over
    # libblas.so.3; with the reference BLAS, OPENBLAS_CORETYPE would vary nothing.
    assert _openblas_loaded() is not None, "PyTorch does not use OpenBLAS (libopenblas0-pthread)"


def test_openblas_runs_the_kernels_the_environment_names() -> None:
    library = _openblas_loaded()
    assert library is not None
    openblas = ctypes.CDLL(str(library))
    openblas.openblas_get_corename.restype = ctypes.c_char_p
    core = openblas.openblas_get_corename().decode()
    wanted = os.environ.get("OPENBLAS_CORETYPE")
    print(f"OpenBLAS kernels: {core} (OPENBLAS_CORETYPE={wanted})")
    if wanted:
        assert core.lower() == wanted.lower()
