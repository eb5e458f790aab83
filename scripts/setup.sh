#!/usr/bin/env bash
# One command to install and build: `npm run setup` (Node deps from the lockfile, then tsc).
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
npm run build
echo "celeriac built: start a worker with  npx celeriac worker -A ./path/to/app.js"
