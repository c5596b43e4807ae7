#!/usr/bin/env bash
# Fetches the pinned third-party front-end files from the npm registry
# (package.json + package-lock.json) and copies them into static/vendor/,
# which is git-ignored: nothing minified from elsewhere is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
want=node_modules/echarts/dist/echarts.min.js
if [ ! -f "$want" ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p static/vendor
cp "$want" static/vendor/echarts.min.js
