#!/usr/bin/env bash
# run100k.sh: build devops-lead, generate a synthetic 100,000-file monorepo
# (git-committed) in a temp dir, measure stack detection directly, then time
# `devops-lead run --dry-run --json --repo DIR "add CI"` and check it against
# the targets: under 1 s wall time and under 2 MB read.
#
#   bench/run100k.sh            # FILES=100000 by default
#   FILES=20000 KEEP=1 bench/run100k.sh
set -euo pipefail
cd "$(dirname "$0")/.."

FILES=${FILES:-100000}
MAX_MS=1000
MAX_BYTES=2000000

work=$(mktemp -d "${TMPDIR:-/tmp}/run100k.XXXXXX")
if [[ -z "${KEEP:-}" ]]; then trap 'rm -rf "$work" 2>/dev/null || { sleep 1; rm -rf "$work"; }' EXIT; else echo "keeping $work" >&2; fi

echo "== build" >&2
go build -o "$work/devops-lead" ./cmd/devops-lead

echo "== generate $FILES files" >&2
go run ./bench/gen100k -out "$work/repo" -files "$FILES"

echo "== stack.Detect directly" >&2
DEVOPS_LEAD_BENCH_REPO="$work/repo" go test -run '^$' -bench '^BenchmarkDetect100k$' -benchtime 3x ./internal/stack |
	grep -E '^Benchmark' >&2 || echo "detect benchmark failed" >&2

echo "== devops-lead run --dry-run --json" >&2
status=ok
rc=0
start=$(date +%s%N)
"$work/devops-lead" run --dry-run --json --repo "$work/repo" "add CI" >"$work/out.json" 2>"$work/err.txt" || rc=$?
end=$(date +%s%N)
if ((rc != 0)); then status="run failed (exit $rc)"; fi
outer_ms=$(((end - start) / 1000000))

stat() { jq -r ".stats.$1 // empty" "$work/out.json" 2>/dev/null || true; }
wall_ms=$(stat wall_ms)
bytes=$(stat bytes_read)
opened=$(stat files_opened)
if [[ "$status" == ok && -z "$bytes" ]]; then status="no .stats in the --json output"; fi

verdict() { # value limit
	if [[ -z "$1" ]]; then echo "n/a"; elif (($1 < $2)); then echo "pass"; else echo "FAIL"; fi
}
printf '%-22s %s\n' "files" "$FILES"
printf '%-22s %s ms (process: %s ms)  target < %s ms: %s\n' "wall time" "${wall_ms:-?}" "$outer_ms" "$MAX_MS" "$(verdict "$outer_ms" "$MAX_MS")"
printf '%-22s %s  target < %s: %s\n' "bytes read" "${bytes:-?}" "$MAX_BYTES" "$(verdict "$bytes" "$MAX_BYTES")"
printf '%-22s %s\n' "files opened" "${opened:-?}"
printf '%-22s %s\n' "run" "$status"
if [[ "$status" != ok ]]; then
	sed -n '1,20p' "$work/err.txt" >&2
	exit 1
fi
[[ "$(verdict "$outer_ms" "$MAX_MS")" == pass && "$(verdict "$bytes" "$MAX_BYTES")" == pass ]]
