#!/usr/bin/env bash
# realworld.sh measures devops-lead on checkouts of real repositories: for
# each directory given and each of three ordinary requests it runs
# `devops-lead run --dry-run --json` and prints one Markdown table row of
# what a person would object to in the result.
#
# Usage: bench/realworld.sh [-k KEEPDIR] CHECKOUT...
#   DEVOPS_LEAD  the binary to measure (default: devops-lead on PATH)
#   -k KEEPDIR   also keep each run's JSON and stderr there
#
# It reads the checkouts and never fetches anything: make them beforehand,
# outside the project (e.g. git --git-dir=<mirror> archive HEAD | tar -x -C
# /tmp/rw/<name>). Needs python3 for the JSON.
#
# Columns:
#   rc         exit code (0 done, 1 a task failed, 3 the lead asked questions)
#   failed     tasks that ended failed
#   deleted    files of the repository the change deletes
#   wf         existing workflows changed or deleted (for the compose and
#              Cloud Run requests every one is unrelated to the request)
#   tf-bad     Terraform files written under a test, fixture, example, docs
#              or site folder, or into a folder that already held Terraform
#   df-repl    existing Dockerfiles deleted, or changed with half or more of
#              their lines removed (a rewrite rather than a patch)
#   bug        the run reported an internal error or panicked
#   expose     EXPOSE ports of the Dockerfiles it writes
#   images     Dockerfiles it writes (one per unit it containerizes)
#   entry      what those Dockerfiles build or start (go build target, CMD),
#              the first three
#   other      "npm for bun" (or pnpm, yarn): generated CI or Dockerfile
#              lines run npm where the repository locks with another
#              manager and has no package-lock.json; "cgo off": an image
#              built with CGO_ENABLED=0 for a module that needs go-sqlite3
#   first failure  the error of the first failed task, shortened
set -euo pipefail

keep=""
if [[ "${1:-}" == "-k" ]]; then
	keep=${2:?"-k needs a directory"}
	mkdir -p "$keep"
	shift 2
fi
if [[ $# -eq 0 ]]; then
	echo "usage: $0 [-k KEEPDIR] CHECKOUT..." >&2
	exit 2
fi
bin=${DEVOPS_LEAD:-devops-lead}
command -v "$bin" >/dev/null || { echo "$0: no binary $bin; set DEVOPS_LEAD" >&2; exit 2; }
command -v python3 >/dev/null || { echo "$0: python3 is needed to read the JSON" >&2; exit 2; }

requests=(
	"ci|containerize this service and add CI"
	"compose|compose for local development with Postgres"
	"cloudrun|deploy it to Cloud Run with Terraform"
)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "| repository | request | rc | failed | deleted | wf | tf-bad | df-repl | bug | images | expose | entry | other | first failure |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for dir in "$@"; do
	if [[ ! -d "$dir" ]]; then
		echo "$0: $dir is not a directory" >&2
		exit 2
	fi
	top=$(git -C "$dir" rev-parse --show-toplevel 2>/dev/null || true)
	if [[ -n "$top" && "$(cd "$top" && pwd -P)" != "$(cd "$dir" && pwd -P)" ]]; then
		echo "$0: $dir lies inside the git repository $top, so devops-lead would treat it as a subtree of that one; copy it out first (cp -r $dir /tmp/)" >&2
		exit 2
	fi
	name=$(basename "$dir")
	for r in "${requests[@]}"; do
		short=${r%%|*}
		text=${r#*|}
		out=$tmp/$name.$short.json
		errf=$tmp/$name.$short.err
		set +e
		"$bin" run --repo "$dir" --dry-run --json --quiet "$text" >"$out" 2>"$errf"
		rc=$?
		set -e
		if [[ -n "$keep" ]]; then
			cp "$out" "$errf" "$keep/"
		fi
		python3 - "$dir" "$name" "$short" "$rc" "$out" "$errf" <<'PY'
import json, os, re, sys

repo, name, short, rc, out, errf = sys.argv[1:]
text = open(out, encoding="utf-8", errors="replace").read()
err = open(errf, encoding="utf-8", errors="replace").read()
bug = bool(re.search(r"bug in devops-lead|panic:|internal error", text + err, re.I))
try:
    d = json.loads(text) if text.strip() else {}
except json.JSONDecodeError:
    d = {}
    bug = True

def exists(p):
    return os.path.isfile(os.path.join(repo, p))

# Parse every unified diff into per-file added and removed lines.
added, removed = {}, {}
for diff in (d.get("diffs") or {}).values():
    cur = None
    for line in diff.splitlines():
        m = re.match(r"diff --git a/(\S+) b/(\S+)", line)
        if m:
            cur = m.group(2)
            added.setdefault(cur, [])
            removed.setdefault(cur, 0)
            continue
        if cur is None or line.startswith(("+++", "---")):
            continue
        if line.startswith("+"):
            added[cur].append(line[1:])
        elif line.startswith("-"):
            removed[cur] += 1

failed = deleted = wf = tfbad = dfrepl = images = 0
expose, entry, why = [], [], ""
bad_dirs = {"test", "tests", "testdata", "fixtures", "fixture", "examples", "example",
            "samples", "sample", "docs", "doc", "website", "site", "e2e"}
for t in d.get("tasks") or []:
    if t.get("status") == "failed":
        failed += 1
        why = why or (t.get("error") or "")
    for f in (t.get("changes") or {}).get("files") or []:
        p, op = f.get("path", ""), f.get("op", "")
        base = os.path.basename(p)
        old = exists(p)
        if op == "delete" and old:
            deleted += 1
        if p.startswith(".github/workflows/") and old and op in ("change", "modify", "delete"):
            wf += 1
        if p.endswith(".tf") and op in ("add", "change", "modify"):
            parts = set(os.path.dirname(p).split("/"))
            folder = os.path.join(repo, os.path.dirname(p))
            held_tf = os.path.isdir(folder) and any(
                n.endswith(".tf") and n != base for n in os.listdir(folder))
            if parts & bad_dirs or held_tf:
                tfbad += 1
        if base.startswith("Dockerfile") or base.endswith(".Dockerfile"):
            if old and op == "delete":
                dfrepl += 1
            elif old and op in ("change", "modify"):
                n = sum(1 for _ in open(os.path.join(repo, p), errors="replace"))
                if n and removed.get(p, 0) * 2 >= n:
                    dfrepl += 1
            if op == "add":
                images += 1
            if op in ("add", "change", "modify"):
                for line in added.get(p, []):
                    s = line.strip()
                    if s.upper().startswith("EXPOSE"):
                        expose += s.split()[1:]
                    m = re.search(r"go build .*?(\./\S+)\s*$", s)
                    if m:
                        entry.append(m.group(1))
                    if re.match(r"(CMD|ENTRYPOINT)\b", s, re.I):
                        entry.append(s.split(None, 1)[1] if " " in s else s)
# Lock files and cgo needs within two levels of the root.
locks, cgo = set(), False
for root, dirs, files in os.walk(repo):
    depth = os.path.relpath(root, repo).count(os.sep)
    dirs[:] = [x for x in dirs if x not in (".git", "node_modules", "vendor")] if depth < 2 else []
    locks |= {f for f in files if f in ("bun.lock", "bun.lockb", "pnpm-lock.yaml", "yarn.lock", "package-lock.json")}
    if "go.mod" in files:
        with open(os.path.join(root, "go.mod"), errors="replace") as fh:
            cgo = cgo or "github.com/mattn/go-sqlite3" in fh.read()
other = []
written = [l for p, ls in added.items() if p.startswith(".github/workflows/") or "Dockerfile" in os.path.basename(p) for l in ls]
if "package-lock.json" not in locks and any(re.search(r"\bnpm (ci|install)\b", l) for l in written):
    for lock, pm in (("bun.lock", "bun"), ("bun.lockb", "bun"), ("pnpm-lock.yaml", "pnpm"), ("yarn.lock", "yarn")):
        if lock in locks:
            other.append("npm for " + pm)
            break
if cgo and any("CGO_ENABLED=0" in l for l in written):
    other.append("cgo off")
if rc not in ("0", "1", "3") and not d:
    bug = True

def cell(xs, most=3):
    xs = list(dict.fromkeys(xs))
    more = f" (+{len(xs) - most} more)" if len(xs) > most else ""
    return ("<br>".join(xs[:most]) + more).replace("|", "\\|") or "-"


def short_text(s, most=90):
    s = " ".join(s.split()).replace("|", "\\|")
    return (s[:most] + "...") if len(s) > most else (s or "-")

print(f"| {name} | {short} | {rc} | {failed} | {deleted} | {wf} | {tfbad} | {dfrepl} | "
      f"{'yes' if bug else '-'} | {images} | {cell(expose)} | {cell(entry)} | {cell(other)} | {short_text(why)} |")
PY
	done
done
