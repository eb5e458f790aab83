#!/usr/bin/env bash
# Installs what the test suite needs when missing: redis-server (apt, when root), Node deps + build,
# and a Python venv with the pinned Celery/Flower from interop-tests/python/requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the servers of the test suite come from (each test starts its own, on free ports).
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-sentinel >/dev/null 2>&1 || missing+=(redis-sentinel)
# The AMQP tests run /usr/lib/rabbitmq/bin/rabbitmq-server themselves, privately (test/helpers/rabbitmq-server.ts).
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
# docker-compose (v1) parses and validates docker-compose.yml in the tests; no Docker engine needed.
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
# openssl makes the throw-away certificates of the TLS tests (test/helpers/test-pki.ts).
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then missing+=(postgresql); fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "== installing ${missing[*]} (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
    # Debian's package starts a system broker on install: the tests never use it, so stop and disable it.
    if [[ " ${missing[*]} " == *" rabbitmq-server "* ]]; then
      systemctl disable --now rabbitmq-server >/dev/null 2>&1 || service rabbitmq-server stop >/dev/null 2>&1 || true
    fi
  else
    echo "missing: ${missing[*]}: install them (sudo apt-get install -y ${missing[*]}) and re-run" >&2
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== installing Node dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
echo "== building"
npm run --silent build

VENV="${CELERIAC_VENV:-$PWD/.venv}"
# The interop peers (Celery, Flower) and the LMS example's FastAPI producer share one venv.
REQS=(interop-tests/python/requirements.txt)
[ -f examples/lms/api/requirements.txt ] && REQS+=(examples/lms/api/requirements.txt)
STAMP="$VENV/.celeriac-requirements"
if [ ! -x "$VENV/bin/python" ] || ! cat "${REQS[@]}" | cmp -s - "$STAMP"; then
  echo "== creating Python venv at $VENV (pinned Celery, Flower)"
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    if [ "$(id -u)" = "0" ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv "$VENV"
    else
      echo "python3 -m venv failed: install python3-venv and re-run" >&2
      exit 1
    fi
  fi
  reqargs=()
  for r in "${REQS[@]}"; do reqargs+=(-r "$r"); done
  "$VENV/bin/pip" install -q --disable-pip-version-check "${reqargs[@]}"
  cat "${REQS[@]}" > "$STAMP"
fi
