#!/usr/bin/env bash
# Runs sreport with demo data on an embedded SQLite file (sreport.db).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/vendor.sh
exec go run ./cmd/sreport serve --demo --db "${SREPORT_DB:-sreport.db}" --addr "${SREPORT_ADDR:-:8080}" "$@"
