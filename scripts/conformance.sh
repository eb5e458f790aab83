#!/usr/bin/env bash
# `npm run conformance`: Celery's own t/integration suite against the stock Python worker and a
# celeriac worker (conformance/run-conformance.ts; options in its header: CONFORMANCE_MODULES,
# CONFORMANCE_K, CONFORMANCE_MODES, CONFORMANCE_REPORT, CONFORMANCE_TIMEOUT).
# Installs what is missing: the project's venv (scripts/ensure-deps.sh), pytest & co. from
# conformance/requirements.txt into it, and a build of dist/ (the celeriac worker runs from it).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CELERIAC_VENV:-$PWD/.venv}"
export CELERIAC_VENV="$VENV"

if [ ! -x "$VENV/bin/python" ] || [ ! -d node_modules ]; then
  bash scripts/ensure-deps.sh
elif [ "${CONFORMANCE_NO_BUILD:-}" != "1" ]; then
  echo "== building"
  # A type error elsewhere in the tree still emits JavaScript; the run reports what that build does.
  npm run --silent build || echo "build reported type errors (continuing with what tsc emitted)"
fi
command -v redis-server >/dev/null 2>&1 || { echo "redis-server not found: apt-get install -y redis-server" >&2; exit 1; }

STAMP="$VENV/.celeriac-conformance-requirements"
if ! cmp -s conformance/requirements.txt "$STAMP"; then
  echo "== installing conformance/requirements.txt into $VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r conformance/requirements.txt
  cp conformance/requirements.txt "$STAMP"
fi

exec npx tsx conformance/run-conformance.ts
