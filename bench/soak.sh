#!/usr/bin/env bash
# The kill-every-few-seconds soak of `devops-lead serve` (issue #14): 1,000
# /devops help deliveries over 100 issues, 20 a second, while the server process is
# SIGKILLed every 2-5 s and restarted, against the in-memory GitHub. Prints
# lost / stuck / doubled counts and the time to drain after the last kill,
# on SQLite and, when DATABASE_URL is set (or .ci/postgres.sh can start
# one), on PostgreSQL. Tune with DEVOPS_LEAD_SOAK_N, _ISSUES, _RATE, _STUCK
# (default 2m), _KILL_MIN, _KILL_MAX.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
run() { # label, then env assignments
  local label=$1; shift
  env DEVOPS_LEAD_SOAK=1 "$@" go test ./internal/cli -run '^TestSoakKillRestart$' -count=1 -v -timeout 60m 2>&1 \
    | tee /tmp/soak-"$label".log | sed -n 's/.*soak: //p' | tail -n 1
}
echo "| database | deliveries | sent in | kills | lost | stuck ${DEVOPS_LEAD_SOAK_STUCK:-2m} after the last restart | doubled replies | jobs that ran twice | drained after the last restart |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
run sqlite DEVOPS_LEAD_TEST_DATABASE_URL=
url=${DATABASE_URL:-}
if [ -z "$url" ] && [ "${SOAK_POSTGRES:-1}" = 1 ]; then
  # A server started here is stopped, and its data removed, at the end,
  # so no server is left running to share the cores with what runs next.
  pgstop=$(mktemp)
  trap 'sh "$pgstop" || true; rm -f "$pgstop"' EXIT
  url=$(DEVOPS_LEAD_PG_STOP=$pgstop bash .ci/postgres.sh 2>/dev/null || true)
fi
if [ -n "$url" ]; then
  run postgres DEVOPS_LEAD_TEST_DATABASE_URL="$url"
fi
