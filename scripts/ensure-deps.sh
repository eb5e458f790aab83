#!/usr/bin/env bash
# Installs what the test suite needs when missing: redis-server (apt, when root), Node deps + build,
# and a Python venv with the pinned Celery/Flower from interop-tests/python/requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    echo "== installing redis-server (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq redis-server >/dev/null
  else
    echo "redis-server is missing: install it (sudo apt-get install -y redis-server) and re-run" >&2
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
REQ=interop-tests/python/requirements.txt
STAMP="$VENV/.celeriac-requirements"
if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$REQ" "$STAMP"; then
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
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQ"
  cp "$REQ" "$STAMP"
fi
