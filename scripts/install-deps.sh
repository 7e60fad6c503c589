#!/usr/bin/env bash
# Installs every Debian package liteformer needs to build, test and run.
# Idempotent: packages already present are left alone, and apt-get update runs
# only when something is missing.
#
#   scripts/install-deps.sh               everything (the README's two commands)
#   scripts/install-deps.sh --build-only  the toolchain and the C++ libraries the
#                                         deployable binaries build against (the
#                                         Dockerfile's build stage: no tests,
#                                         benchmarks, Python tools or PyTorch)
set -euo pipefail

build_packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config
  # C++ libraries
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  # oneDNN; Debian builds it with the OpenCL GPU runtime, so its CMake config needs OpenCL
  libdnnl-dev ocl-icd-opencl-dev libspdlog-dev libfmt-dev libsentencepiece-dev libabsl-dev
  nlohmann-json3-dev
  # the server's Prometheus metrics and their endpoint (core + pull: civetweb)
  prometheus-cpp-dev
  # SHA-256 and PEM checks of the TLS and token files (libcrypto)
  libssl-dev
)
test_packages=(
  git ca-certificates
  # the C++ tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # sentencepiece command-line tools (spm_train) for tools/
  sentencepiece
  # Python tools (always run through /usr/bin/python3)
  python3 python3-torch python3-numpy python3-pytest python3-sentencepiece
  # gRPC clients of the end-to-end tests
  python3-grpcio python3-protobuf
  # the e2e tests read the metrics endpoint with Prometheus's own parser
  python3-prometheus-client
  # the TLS tests make their certificates with the openssl CLI
  openssl
  # the deployment manifests' test (tests/python/test_deploy_manifests.py)
  python3-yaml
  # optimized BLAS for PyTorch (benchmarks; scripts/test.sh's second pytest run
  # under other OpenBLAS kernels)
  libopenblas0-pthread
  # the libFuzzer targets (scripts/fuzz.sh): clang and its sanitizer runtimes
  clang libclang-rt-14-dev
)

case "${1:-}" in
  "") packages=("${build_packages[@]}" "${test_packages[@]}") ;;
  --build-only) packages=("${build_packages[@]}") ;;
  *) echo "usage: $0 [--build-only]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
as_root=()
if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
