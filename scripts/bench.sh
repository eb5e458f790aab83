#!/usr/bin/env bash
# `npm run bench`: builds celeriac (dist/) and the benchmark (dist/bench), then runs bench/run-bench.ts on a
# private redis-server it starts itself. Markdown on stdout, progress on stderr.
#   BENCH_ONLY=throughput,latency,seeds,proxy,memory,rabbitmq   sections to run (default all)
#   BENCH_QUICK=1          small counts: a smoke run of the harness in a couple of minutes
#   BENCH_TASKS=N          no-op tasks per Node throughput leg (default 100000); BENCH_PY_TASKS (20000) and BENCH_PY_REPEATS (2) for Python
#   BENCH_REPEATS=R        runs per Node leg (default 3), median and min–max printed
#   BENCH_PROFILE=1        one more celeriac throughput run under node --cpu-prof (directory printed)
#   BENCH_SKIP_BUILD=1     use the dist/ already built (e.g. while src/ is mid-edit)
# More knobs (BENCH_LATENCY_CALLS, BENCH_MEMORY_MESSAGES, ...) are read at the top of bench/run-bench.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${BENCH_SKIP_BUILD:-}" != "1" ]; then
  # src/ may be mid-edit by someone else: retry the build a few times before giving up.
  for attempt in 1 2 3 4; do
    if bash scripts/ensure-deps.sh; then break; fi
    if [ "$attempt" = 4 ]; then echo "bench: setup/build failed 4 times (see above)" >&2; exit 1; fi
    echo "bench: build failed (attempt $attempt), retrying in 30 s" >&2
    sleep 30
  done
fi
npx tsc -p bench/tsconfig.json
export CELERIAC_VENV="${CELERIAC_VENV:-$PWD/.venv}"
exec node dist/bench/run-bench.js
