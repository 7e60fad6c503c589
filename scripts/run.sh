#!/usr/bin/env bash
# The README's run command: installs the Debian packages, builds, and starts
# liteformer-server on the bundled models (models/*) — gRPC on 0.0.0.0:50051,
# Prometheus metrics on 0.0.0.0:9090. Arguments go to the server, e.g.
#   scripts/run.sh --listen=127.0.0.1:50051 --config=deploy/server.pbtxt
# Then, from another shell: build/bin/liteformer-client translate "Hello world."
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target liteformer-server liteformer-client liteformer-load liteformer-run \
  -j"$(nproc)"
exec build/bin/liteformer-server "$@"
