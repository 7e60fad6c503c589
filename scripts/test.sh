#!/usr/bin/env bash
# The README's test command: installs the Debian packages, builds, and runs
# every test (ctest: unit, parity, integration; pytest: tools/, twice: under
# this machine's OpenBLAS kernels and under others; the fault suite's short
# version), then the same
# ctest suite again in an ASan/UBSan build, then each libFuzzer target for a
# bounded time (scripts/fuzz.sh). Exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc)
failed=()
stage() {  # stage NAME COMMAND... : runs one stage, remembers a failure, goes on.
  local name=$1
  shift
  echo "==> ${name}"
  if ! "$@"; then
    failed+=("${name}")
  fi
}

bash scripts/install-deps.sh || exit 1

stage "configure" cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
stage "build" cmake --build build -j"${jobs}"
stage "ctest" ctest --test-dir build --output-on-failure -j"${jobs}"

# tools/ tests: always Debian's interpreter (the first python3 on PATH may lack torch).
pytest_stage() {
  /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/python
  local rc=$?
  # 5 = no tests collected: count it as a failure, a suite must never be empty.
  return "${rc}"
}
stage "pytest" pytest_stage

# The same suite under other OpenBLAS kernels. PyTorch's floats change in the
# last bits with the kernels OpenBLAS picks for the CPU (and some machines set
# OPENBLAS_CORETYPE), so a test that compares them by bytes passes only where
# it was written; this run is the other machine. tests/python/test_blas_kernels.py
# checks that the kernels named here are the ones in use.
other_kernels=Sandybridge
if [ "${OPENBLAS_CORETYPE:-}" = "${other_kernels}" ]; then other_kernels=Prescott; fi
stage "pytest (OPENBLAS_CORETYPE=${other_kernels})" env OPENBLAS_CORETYPE="${other_kernels}" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/python

# The fault suite's short version (bench/run_fault_suite.py: soak with
# cancellations, deadlines and invalid calls, SIGTERM, SIGKILL and restart,
# overload, idle connections, corrupt models) on the release build.
stage "fault suite (short)" /usr/bin/python3 bench/run_fault_suite.py --short

if [ "${LITEFORMER_SKIP_SANITIZERS:-0}" != "1" ]; then
  stage "configure (asan+ubsan)" cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DLITEFORMER_SANITIZE=ON -DLITEFORMER_BUILD_BENCH=OFF
  stage "build (asan+ubsan)" cmake --build build-asan -j"${jobs}"
  stage "ctest (asan+ubsan)" ctest --test-dir build-asan --output-on-failure -j"${jobs}" -LE no_sanitizer
fi

# libFuzzer targets (fuzz/), built with clang, each for a bounded time.
if [ "${LITEFORMER_SKIP_FUZZ:-0}" != "1" ]; then
  stage "fuzz (${LITEFORMER_FUZZ_SECONDS:-60} s per target)" bash scripts/fuzz.sh
fi

if ((${#failed[@]})); then
  echo "FAILED stages: ${failed[*]}"
  exit 1
fi
echo "all test stages passed"
