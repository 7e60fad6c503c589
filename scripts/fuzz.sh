#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with Debian's clang and runs each for
# a bounded time from its committed seed corpus. A crash, a leak, a sanitizer
# report or a broken property stops that target, keeps the input that did it
# in build-fuzz/crashes/<target>/ and fails the script.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60; $LITEFORMER_FUZZ_SECONDS)
# The corpus the run grows is kept in build-fuzz/corpus/ (not committed):
# a longer run by hand starts from it.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-${LITEFORMER_FUZZ_SECONDS:-60}}
jobs=$(nproc)
CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DLITEFORMER_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLITEFORMER_MARCH=x86-64-v2 >/dev/null || exit 1
cmake --build build-fuzz -j"${jobs}" --target fuzzers || exit 1

# target: its seed directories under fuzz/corpus/
declare -A seeds=(
  [text_fuzzer]="text"
  [model_files_fuzzer]="model_config safetensors"
  [server_config_fuzzer]="server_config"
  [request_fuzzer]="request"
)
failed=()
for target in text_fuzzer model_files_fuzzer server_config_fuzzer request_fuzzer; do
  corpus=build-fuzz/corpus/${target}
  crashes=build-fuzz/crashes/${target}
  mkdir -p "${corpus}" "${crashes}"
  dirs=()
  for seed in ${seeds[${target}]}; do dirs+=("fuzz/corpus/${seed}"); done
  echo "==> ${target}: ${seconds} s"
  # -timeout: one input may take 25 s at most (a hang is a finding too; every
  # seed runs in well under a second, but a starved process on a shared
  # 2-core machine once stalled 11 s inside ASan's allocator);
  # -rss_limit_mb: 2 GB, the pod's limit.
  if ! build-fuzz/bin/${target} -max_total_time="${seconds}" -timeout=25 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="${crashes}/" "${corpus}" "${dirs[@]}" \
      >"build-fuzz/${target}.log" 2>&1; then
    failed+=("${target}")
    tail -40 "build-fuzz/${target}.log"
  fi
  grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" "build-fuzz/${target}.log" | tail -2
done
if ((${#failed[@]})); then
  echo "fuzzing found problems in: ${failed[*]} (inputs in build-fuzz/crashes/)"
  exit 1
fi
