#!/usr/bin/env bash
# precision.sh prints the false-positive rate of each rule and artifact kind
# of devops-lead validate on the precision corpus, internal/validate/
# testdata/precision (small files written to reproduce the shapes of public
# files; each case's source.txt links the file it reproduces, want.txt
# holds the labelled findings). It fails when a rate is over 2% or a
# labelled finding is missed.
#
#   bench/precision.sh                 # the gate of this checkout
#   bench/precision.sh --baseline BIN  # also count the false positives of
#                                      # another devops-lead binary (e.g. an
#                                      # older build) on the same corpus
set -euo pipefail
cd "$(dirname "$0")/.."

baseline=""
if [[ "${1:-}" == "--baseline" ]]; then
	baseline="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
fi

go test ./internal/validate -run '^TestPrecision$' -count=1 -v |
	sed -n 's/^ *precision_test.go:[0-9]*: //p; /^        /p; /FAIL/p; /^ok/p'

if [[ -n "$baseline" ]]; then
	command -v jq >/dev/null || { echo "precision.sh: --baseline needs jq" >&2; exit 2; }
	echo
	echo "baseline $baseline: findings not in want.txt, by rule"
	for dir in internal/validate/testdata/precision/*/; do
		(
			cd "$dir"
			"$baseline" validate --format json . 2>/dev/null |
				jq -r '.findings[] | "\(.path):\([.line,0]|max):\([.col,0]|max): \(.severity) [\(.rule)]"' |
				sort | comm -23 - <(sort want.txt) | sed 's/.*\[\(.*\)\]$/\1/'
		) || true
	done | sort | uniq -c | sort -rn
fi
