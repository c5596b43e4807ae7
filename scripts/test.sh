#!/usr/bin/env bash
# The one command that runs every test, browser tests included. It installs
# what a fresh machine lacks: Chromium, poppler-utils, openssh-server and Prometheus (apt), the npm
# front-end files, and the pinned templ CLI (a Go tool in go.mod).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
# sshd: the sftp replication test starts a private OpenSSH server on loopback.
[ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)
# Prometheus (with promtool) for the Prometheus connector's test, which
# starts its own server on loopback; Debian's service is not used.
[ -x /usr/bin/prometheus ] || need_apt+=(prometheus)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== installing ${need_apt[*]} (apt-get)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

echo "== vendoring front-end files (npm)"
./scripts/vendor.sh

echo "== templ generate must not change committed files"
before=$(find views -name '*_templ.go' -exec sha256sum {} + | sort)
go tool templ generate >/dev/null
after=$(find views -name '*_templ.go' -exec sha256sum {} + | sort)
if [ "$before" != "$after" ]; then
  echo "templ generate changed generated files: run 'go tool templ generate' and commit the result" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi

echo "== gofmt"
unformatted=$(gofmt -l $(find . -name '*.go' -not -path './node_modules/*' -not -name '*_templ.go'))
if [ -n "$unformatted" ]; then echo "gofmt would change: $unformatted" >&2; exit 1; fi

echo "== go vet"
go vet ./...

echo "== staticcheck (pinned)"
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

echo "== go test (browser tests required)"
mkdir -p artifacts
SREPORT_REQUIRE_BROWSER=1 SREPORT_REQUIRE_SSHD=1 SREPORT_ARTIFACTS="$PWD/artifacts" go test -count=1 -timeout 20m ./... "$@"

# --- fuzzing (bounded; docs/reliability.md) ---------------------------------
# Each fuzz target runs for SREPORT_FUZZTIME (default 10s; 0 skips), one
# package and one target per `go test -fuzz`. The committed corpus and every
# crasher kept in <package>/testdata/fuzz/<target> already ran above as
# regression tests; a new crasher fails this step and is written there.
# Minimising interesting inputs is off (-fuzzminimizetime 0): it would take
# the whole budget.
fuzztime="${SREPORT_FUZZTIME:-10s}"
if [ "$fuzztime" != "0" ]; then
  echo "== fuzz ($fuzztime per target)"
  for target in \
    ./analytics/ingest:FuzzPagerDuty ./analytics/ingest:FuzzOpsgenie ./analytics/ingest:FuzzServiceNow \
    ./analytics/ingest:FuzzJira ./analytics/ingest:FuzzDeployAPIs ./analytics/ingest:FuzzGenericCSV \
    ./analytics/ingest:FuzzIncidentTools ./analytics/ingest:FuzzCICD ./analytics/ingest:FuzzLive ./analytics/ingest:FuzzSLODefinitions \
    ./analytics/ingest:FuzzDetect ./analytics/ingest:FuzzParseTime ./web:FuzzRiskCSV; do
    if ! out=$(go test -run '^$' -fuzz "^${target#*:}\$" -fuzztime "$fuzztime" -fuzzminimizetime 0 "${target%%:*}" 2>&1); then
      # Go's fuzz engine can end a run with a bare "context deadline
      # exceeded" when a worker is mid-input as the time is up (no input
      # written, nothing crashed): that is not a finding, so say so and go on.
      if ! echo "$out" | grep -q 'Failing input written' && echo "$out" | grep -q 'context deadline exceeded'; then
        echo "fuzzing ${target}: engine stopped at its deadline without a finding (no input written)" >&2
        continue
      fi
      echo "$out" | grep -v '^fuzz: elapsed' >&2
      echo "fuzzing ${target} failed; the input is kept in ${target%%:*}/testdata/fuzz/${target#*:}" >&2
      exit 1
    fi
  done
fi
# --- end fuzzing -------------------------------------------------------------
echo "== all tests passed"
