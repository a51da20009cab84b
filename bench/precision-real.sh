#!/usr/bin/env bash
# precision-real.sh measures devops-lead validate on real public checkouts:
# it runs validate (strict and recommended presets) in each checkout and
# prints a seeded, deterministic sample of up to N findings per kind
# (workflow, dockerfile, compose, terraform, kubernetes, helm, prometheus,
# secrets, other) with the source lines around each, for labelling by hand.
# With a labels file (bench/precision-real/labels.tsv, keyed by repo, path, line, rule and a hash of the message) it also prints the
# false-positive rate per kind with a 95% Wilson interval.
#
#   bench/precision-real.sh [-n N] [-seed S] [-bin BIN] [-labels FILE] DIR...
#
# Each DIR is a checkout (e.g. from git archive) named after its
# repository; no file of those repositories belongs in this project.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
n=20 seed=13 bin="" labels=""
while [[ $# -gt 0 ]]; do
	case "$1" in
	-n) n="$2"; shift 2 ;;
	-seed) seed="$2"; shift 2 ;;
	-bin) bin="$2"; shift 2 ;;
	-labels) labels="$2"; shift 2 ;;
	*) break ;;
	esac
done
[[ $# -gt 0 ]] || { echo "usage: $0 [-n N] [-seed S] [-bin BIN] [-labels FILE] DIR..." >&2; exit 2; }
if [[ -z "$bin" ]]; then
	bin="$(mktemp -d)/devops-lead"
	(cd "$here/.." && go build -o "$bin" ./cmd/devops-lead)
fi
out="$(mktemp -d)"
for dir in "$@"; do
	name="$(basename "$dir")"
	for preset in strict recommended; do
		(cd "$dir" && "$bin" validate --preset "$preset" --format json . >"$out/$name.$preset.json" 2>/dev/null) || true
	done
done
python3 "$here/precision-real/sample.py" -n "$n" -seed "$seed" ${labels:+-labels "$labels"} "$out" "$@"
