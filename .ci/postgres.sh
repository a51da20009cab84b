#!/usr/bin/env bash
# Starts a throwaway PostgreSQL on 127.0.0.1 (port 55432 or the next free one) for the test suite and
# prints the URL to use as DEVOPS_LEAD_TEST_DATABASE_URL. Installs
# Debian's postgresql when it is missing. With DEVOPS_LEAD_PG_STOP set to a
# file name, it writes there the command that stops this server and removes
# its data (.ci/run runs it when it ends).
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
# A free port: 55432 unless something already listens there.
port=55432
while (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; do port=$((port + 1)); done
data=$(mktemp -d /tmp/devops-lead-pg.XXXXXX)
chown postgres "$data"
run() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
run "$bin/initdb -D $data -A trust -U postgres" >/dev/null
run "$bin/pg_ctl -D $data -l $data/log -w -o \"-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off\" start" >/dev/null
if [ -n "${DEVOPS_LEAD_PG_STOP:-}" ]; then
  if [ "$(id -u)" = 0 ]; then
    stop="su postgres -s /bin/sh -c '$bin/pg_ctl -D $data -m fast stop'"
  else
    stop="$bin/pg_ctl -D $data -m fast stop"
  fi
  printf '%s >/dev/null 2>&1; rm -rf %s\n' "$stop" "$data" >"$DEVOPS_LEAD_PG_STOP"
fi
echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
