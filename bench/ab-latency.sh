#!/usr/bin/env bash
# Interleaved A/B of idle round trips: sequential Python `.delay().get()` against fresh workers, one private
# redis-server, variants in turn for ROUNDS rounds (A, B, ..., A, B, ...), so that drift of a busy host falls on
# every variant alike. Prints one line per run: p50/p99 ms, the share of calls whose result was stored before
# the client's first GET, and the worker's CPU (user+sys from /proc) per call, warm-up included.
#
# usage: bash bench/ab-latency.sh ROUNDS CALLS VARIANT...
#   VARIANT: a checkout with its own dist/ (e.g. `.`), optionally DIR:JSON to give that variant
#            CELERY_BROKER_TRANSPORT_OPTIONS (e.g. '.:{"queued_pops": true}'), or `celery-node`.
#   AB_LAT_WARMUP (50): calls before the sampled ones; AB_LAT_QUEUES (celery): the celeriac worker's -Q; AB_LAT_CLIENT_ARGS: extra client options
#   (e.g. "--queue b", "--priority 6"). The worker runs `-c 100 --acks-late`, as the bench's latency section.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROUNDS=${1:?rounds}; CALLS=${2:?calls}; shift 2
[ $# -gt 0 ] || { echo "give at least one variant" >&2; exit 2; }
[[ $ROUNDS =~ ^[1-9][0-9]*$ && $CALLS =~ ^[1-9][0-9]*$ && ${AB_LAT_WARMUP:-50} =~ ^[0-9]+$ ]] || { echo "ROUNDS, CALLS and AB_LAT_WARMUP must be integers, the first two positive (got '$ROUNDS' '$CALLS' '${AB_LAT_WARMUP:-50}')" >&2; exit 2; }
for variant in "$@"; do
  dir=${variant%%:\{*}
  [ "$variant" = celery-node ] || [ -f "$dir/dist/src/cli/main.js" ] || { echo "variant '$variant': no built checkout at '$dir' (run npx tsc -p tsconfig.build.json there)" >&2; exit 2; }
done
PY="${CELERIAC_VENV:-$ROOT/.venv}/bin/python"
WORK=$(mktemp -d)
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" > "$WORK/redis.log" 2>&1 &
REDIS=$!
WORKER=
cleanup() {
  [ -n "$WORKER" ] && kill -KILL "$WORKER" 2>/dev/null || true
  kill "$REDIS" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 50); do redis-cli -p "$PORT" ping > /dev/null 2>&1 && break; sleep 0.1; done
export CELERY_BROKER_URL="redis://127.0.0.1:$PORT/1" CELERY_RESULT_BACKEND="redis://127.0.0.1:$PORT/2" BENCH_ACKS_LATE=1
echo "method: $ROUNDS rounds x ${CALLS} calls (+${AB_LAT_WARMUP:-50} warm-up) of bench/python/bench_latency.py ${AB_LAT_CLIENT_ARGS:-}, a fresh worker per run, variants interleaved; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  for variant in "$@"; do
    dir=${variant%%:\{*}; opts='{}'
    [ "$dir" != "$variant" ] && opts=${variant#"$dir":}
    redis-cli -p "$PORT" -n 1 flushdb > /dev/null; redis-cli -p "$PORT" -n 2 flushdb > /dev/null
    if [ "$variant" = celery-node ]; then
      BENCH_QUEUE=celery node "$ROOT/bench/apps/celery-node-worker.js" > "$WORK/worker.log" 2>&1 &
    else
      CELERY_BROKER_TRANSPORT_OPTIONS="$opts" node "$dir/bin/celeriac.js" worker -A "$dir/bench/apps/bench-app.js" \
        -Q "${AB_LAT_QUEUES:-celery}" -c 100 --acks-late --loglevel info > "$WORK/worker.log" 2>&1 &
    fi
    WORKER=$!
    for _ in $(seq 300); do grep -q 'worker ready' "$WORK/worker.log" && break; sleep 0.1; done
    grep -q 'worker ready' "$WORK/worker.log" || { echo "$variant did not start:" >&2; tail -5 "$WORK/worker.log" >&2; exit 1; }
    before=$(awk '{print $14 + $15}' "/proc/$WORKER/stat")
    # shellcheck disable=SC2086 # the client options are words
    out=$(cd bench/python && "$PY" bench_latency.py "$CALLS" --warmup "${AB_LAT_WARMUP:-50}" ${AB_LAT_CLIENT_ARGS:-})
    after=$(awk '{print $14 + $15}' "/proc/$WORKER/stat")
    kill -TERM "$WORKER"; wait "$WORKER" 2>/dev/null || true; WORKER=
    ticks=$(getconf CLK_TCK)
    echo "round $round $variant: $(echo "$out" | "$PY" -c 'import json, sys; r = json.load(sys.stdin); f = r["first_get_found"]; print("p50 %.3f ms, p99 %.3f ms, first GET found %s" % (r["p50"], r["p99"], "n/a" if f is None else "%.1f%%" % (100 * f)))'), worker CPU $(( (after - before) * 1000000 / ticks / (CALLS + ${AB_LAT_WARMUP:-50}) )) µs/call"
  done
done
