#!/usr/bin/env bash
# Measures what `devops-lead serve` promises: webhook intake throughput and
# acknowledgement latency with durable storage at 1, 16 and 64 concurrent
# senders on loopback, and the GitHub API calls one opened pull request
# costs for 1, 10 and 100 files (target: the same small constant, <= 6).
# Set DATABASE_URL to measure intake on PostgreSQL instead of SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
go run ./bench/intake -n "${N:-3000}" -c 1,16,64
echo
echo "GitHub API calls per opened pull request (in-memory GitHub, real go-github client):"
echo
echo "| files | API calls |"
echo "|---:|---:|"
go test ./internal/github -run TestCallsPerPullRequest -count=1 -v \
  | sed -n 's/.*calls per opened PR: \([0-9]*\) files: \([0-9]*\) API calls.*/| \1 | \2 |/p'
