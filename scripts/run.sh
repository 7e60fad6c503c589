#!/usr/bin/env bash
# The README's run command: installs the Debian packages, builds, and runs the
# service on the bundled default model. Until the gRPC server lands (issue 5)
# "the service" is the engine's command line: it translates English lines from
# stdin with models/en-de (or, with arguments, runs `liteformer-run ARGS`).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target liteformer-run -j"$(nproc)"

if [ -x build/bin/liteformer-server ]; then
  exec build/bin/liteformer-server "$@"
fi
if (($# > 0)); then
  exec build/bin/liteformer-run "$@"
fi
model=models/en-de
if [ ! -f "${model}/config.json" ]; then
  echo "run.sh: ${model} is not bundled yet (it is being trained, see issue 4);" \
       "running the engine on the random test model tests/data/lsra_dynamic_shared with token ids instead." >&2
  echo "run.sh: type space-separated ids (4..39), one sentence per line; Ctrl-D ends." >&2
  exec build/bin/liteformer-run translate --model tests/data/lsra_dynamic_shared --ids --json
fi
echo "run.sh: translating English lines from stdin with ${model} (Ctrl-D ends)" >&2
exec build/bin/liteformer-run translate --model "${model}"
