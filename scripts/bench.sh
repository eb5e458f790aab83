#!/usr/bin/env bash
# `npm run bench`: builds celeriac and the benchmark, then runs bench/run-bench.ts (compiled) on a private redis-server.
# BENCH_TASKS, BENCH_LATENCY_CALLS and BENCH_ONLY=celeriac,python-celery,celery-node narrow a run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh || echo "bench: setup/build failed (see above); legs that need it report the error" >&2
npx tsc -p bench/tsconfig.json
export CELERIAC_VENV="${CELERIAC_VENV:-$PWD/.venv}"
exec node dist/bench/run-bench.js
