#!/usr/bin/env bash
# Memory under a flood of unsigned webhook bodies (issue #14, item 3): a
# real serve process, 24 and 48 concurrent senders of 24 MB bodies with a
# bad signature, RSS read from /proc. Linux only.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/devops-lead
go build -o "$bin" ./cmd/devops-lead
go run ./bench/flood -bin "$bin" "$@"
