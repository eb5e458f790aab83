#!/usr/bin/env bash
# The whole test suite: `npm test`. Installs what is missing, type-checks, then runs unit, contract
# and interop tests (real redis-server and Python Celery started by the tests themselves).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh || exit 1
export CELERIAC_VENV="${CELERIAC_VENV:-$PWD/.venv}"

echo "== type-checking"
npx tsc -p tsconfig.json --noEmit
typecheck=$?
[ $typecheck -ne 0 ] && echo "type-check FAILED (tests still run; the suite fails)"

echo "== running tests"
npx jest --ci --maxWorkers=2 "$@"
tests=$?
if [ $tests -ne 0 ]; then exit $tests; fi
exit $typecheck
