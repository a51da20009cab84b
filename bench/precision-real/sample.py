"""Sample devops-lead validate findings per kind and score hand labels.

Reads NAME.strict.json and NAME.recommended.json from a directory (written
by precision-real.sh), draws a seeded sample of up to N strict findings per
kind, prints each with its source lines, and, given a labels file
(TSV: repo, path, line, rule, message id, TP|FP, reason), prints the false-positive
rate per kind for both presets with a 95% Wilson interval.

The draw is per kind and stable (see draw): the findings already labelled
come first (earlier seeded samples drew them), then the rest in an order
fixed by a hash of the seed and each finding's key. Raising -n only adds
findings; a fixed false positive that leaves the population is replaced
by the next in that order. -kinds limits the printout and the scores to
some kinds; -unlabelled (with -labels) prints only the sampled findings
that still need a label. A label appended later for the same key wins.
"""
import argparse
import hashlib
import json
import math
import os
import sys

KINDS = ["workflow", "dockerfile", "compose", "terraform", "kubernetes",
         "helm", "prometheus", "secrets", "other"]


def kind_of(f):
    rule, path = f["rule"], f["path"]
    if rule.startswith("secret-"):
        return "secrets"
    if rule.startswith("workflow-"):
        return "workflow"
    if rule.startswith("shellcheck"):
        return "workflow" if ".github/workflows/" in path else "dockerfile"
    if rule.startswith(("dockerfile-", "dockerignore-")):
        return "dockerfile"
    if rule.startswith("compose-"):
        return "compose"
    if rule.startswith("terraform-"):
        return "terraform"
    if rule.startswith("helm-"):
        return "helm"
    if rule.startswith("k8s-"):
        # findings on a chart's templates come from the rendered chart
        return "helm" if "/templates/" in path or path.startswith("templates/") else "kubernetes"
    if rule.startswith("prom-"):
        return "prometheus"
    return "other"


def msgid(f):
    return hashlib.sha1(f["message"].encode()).hexdigest()[:8]


def key(repo, f):
    # the message is part of the key: a rule may say something else on
    # the same line after a change, and the label was for what it said
    return (repo, f["path"], str(f.get("line", 0)), f["rule"], msgid(f))


def rank(seed, k):
    return hashlib.sha1(("%d\t" % seed + "\t".join(k)).encode()).hexdigest()


def draw(items, n, seed, labels):
    """Up to n findings of one kind, the same ones whatever the other kinds
    hold: the findings already labelled (they were drawn by earlier seeded
    samples of this script) first, then the others in an order fixed by a
    hash of the seed and the finding's key. Raising n only adds findings,
    and a finding that leaves the population (a fixed false positive) is
    replaced by the next one in that order."""
    order = sorted(items, key=lambda x: (key(*x) not in labels, rank(seed, key(*x))))
    return order[:n]


def wilson(fp, n):
    if n == 0:
        return (0.0, 0.0)
    z, p = 1.96, fp / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("-seed", type=int, default=13)
    ap.add_argument("-labels")
    ap.add_argument("-unlabelled", action="store_true",
                    help="print only the sampled findings that have no label yet")
    ap.add_argument("-kinds", help="comma-separated kinds to print (default: all)")
    ap.add_argument("out")
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args()
    strict, rec = {}, set()
    roots = {}
    for d in a.dirs:
        repo = os.path.basename(os.path.normpath(d))
        roots[repo] = d
        for preset in ("strict", "recommended"):
            p = os.path.join(a.out, f"{repo}.{preset}.json")
            try:
                fs = json.load(open(p))["findings"] or []
            except (OSError, ValueError) as e:
                print(f"{p}: {e}", file=sys.stderr)
                continue
            for f in fs:
                if preset == "strict":
                    strict.setdefault(key(repo, f), (repo, f))
                else:
                    rec.add(key(repo, f))
    by_kind = {k: [] for k in KINDS}
    for k in sorted(strict):
        repo, f = strict[k]
        by_kind[kind_of(f)].append((repo, f))
    labels = {}
    if a.labels:
        for line in open(a.labels):
            if not line.strip() or line.startswith("#"):
                continue
            c = line.rstrip("\n").split("\t")
            labels[tuple(c[:5])] = (c[5], c[6] if len(c) > 6 else "")
    kinds = a.kinds.split(",") if a.kinds else KINDS
    sample = {}
    print("kind\tfindings(strict)\tfindings(recommended)")
    for kind in KINDS:
        items = by_kind[kind]
        print(f"{kind}\t{len(items)}\t{sum(key(r, f) in rec for r, f in items)}")
        sample[kind] = sorted(draw(items, a.n, a.seed, labels), key=lambda x: key(*x))
    if a.labels and not a.unlabelled:
        print("\nkind\tpreset\tsample\tFP\trate\t95% interval")
        missing = 0
        for kind in kinds:
            for preset in ("strict", "recommended"):
                s = [x for x in sample[kind] if preset == "strict" or key(*x) in rec]
                got = [labels.get(key(*x)) for x in s]
                missing += sum(g is None for g in got) if preset == "strict" else 0
                n = sum(g is not None for g in got)
                fp = sum(g is not None and g[0] == "FP" for g in got)
                lo, hi = wilson(fp, n)
                rate = fp / n if n else 0.0
                print(f"{kind}\t{preset}\t{n}\t{fp}\t{rate:.1%}\t{lo:.1%}-{hi:.1%}")
        if missing:
            print(f"\n{missing} sampled finding(s) have no label", file=sys.stderr)
        return
    for kind in kinds:
        for repo, f in sample[kind]:
            if a.unlabelled and key(repo, f) in labels:
                continue
            line = f.get("line", 0) or 0
            print(f"\n=== [{kind}] {repo}\t{f['path']}\t{line}\t{f['rule']}\t{msgid(f)}\t"
                  f"{f['severity']}{'' if key(repo, f) in rec else ' (off in recommended)'}")
            print(f"    {f['message']}")
            try:
                src = open(os.path.join(roots[repo], f["path"]), errors="replace").read().splitlines()
            except OSError:
                continue
            for i in range(max(1, line - 2), min(len(src), max(line, 1) + 2) + 1):
                print(f"  {i:5d}{'>' if i == line else ' '} {src[i - 1][:160]}")


if __name__ == "__main__":
    main()
