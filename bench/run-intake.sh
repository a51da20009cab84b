#!/usr/bin/env bash
# Measures what `devops-lead serve` promises: webhook intake throughput and
# acknowledgement latency at 1, 16 and 64 concurrent senders on loopback,
# durable before the 202, beside an in-memory (not durable) baseline of the
# same handler measured in the same run, on SQLite and on PostgreSQL; and
# the GitHub API calls one opened pull request costs for 1, 10 and 100
# files (target: the same small constant, <= 6).
#
# PostgreSQL: DATABASE_URL when set (its server must run with fsync=on);
# else a throwaway server is started for the run, with fsync on (the test
# suite's .ci/postgres.sh turns it off), and stopped at the end; set
# INTAKE_POSTGRES=0 to skip PostgreSQL. N (default 3000) deliveries per
# store, level and round; ROUNDS (default 2) rounds, measured in turn.
# The payloads are GitHub-shaped, and compress as real ones do; PADDED=1
# sends ones padded with one repeated byte instead, which compress to
# almost nothing (the outbox stores payloads compressed) and so flatter
# both stores.
set -euo pipefail
cd "$(dirname "$0")/.."
url=${DATABASE_URL:-}
if [ -z "$url" ] && [ "${INTAKE_POSTGRES:-1}" = 1 ]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$bin" ] && [ -x "$bin/initdb" ]; then
    port=55532
    while (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; do port=$((port + 1)); done
    data=$(mktemp -d /tmp/devops-lead-intake-pg.XXXXXX)
    run() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
    [ "$(id -u)" = 0 ] && chown postgres "$data"
    run "$bin/initdb -D $data -A trust -U postgres" >/dev/null
    run "$bin/pg_ctl -D $data -l $data/log -w -o \"-p $port -k /tmp -c listen_addresses=127.0.0.1\" start" >/dev/null
    trap 'run "$bin/pg_ctl -D $data -m fast stop" >/dev/null 2>&1 || true; rm -rf "$data"' EXIT
    url="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  else
    echo "PostgreSQL is not installed (.ci/postgres.sh installs it); measuring SQLite only" >&2
  fi
fi
DATABASE_URL=$url go run ./bench/intake -n "${N:-3000}" -c 1,16,64 -rounds "${ROUNDS:-2}" ${PADDED:+-padded}
echo
echo "GitHub API calls per opened pull request (in-memory GitHub, real go-github client):"
echo
echo "| files | API calls |"
echo "|---:|---:|"
go test ./internal/github -run TestCallsPerPullRequest -count=1 -v \
  | sed -n 's/.*calls per opened PR: \([0-9]*\) files: \([0-9]*\) API calls.*/| \1 | \2 |/p'
