package validate

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// maxFalsePositiveRate is the share of a rule's (or an artifact kind's)
// findings on the precision corpus that may be false.
const maxFalsePositiveRate = 0.02

// TestPrecision measures the gate on testdata/precision: one directory
// per case, laid out like a repository, each reproducing the shape of a
// public file (source.txt and a comment in the files name it) with the
// expected findings in want.txt ("path:line:col: severity [rule]"), both
// the true positives and, by their absence, the false positives the gate
// used to report. A finding not in want.txt is a false positive; an
// expected one not found is a miss. It prints, per rule and per artifact
// kind, the findings, false positives, misses and the false-positive
// rate (bench/precision.sh runs it with -v), and fails when a rate is
// over 2% or a labelled finding is missed. go test -run TestPrecision
// -update rewrites want.txt from the current findings, to be reviewed.
func TestPrecision(t *testing.T) {
	root := filepath.Join("testdata", "precision")
	cases, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	type tally struct{ found, fp, missed int }
	byRule, byKind := map[string]*tally{}, map[string]*tally{}
	count := func(m map[string]*tally, k string) *tally {
		if m[k] == nil {
			m[k] = &tally{}
		}
		return m[k]
	}
	kindOfRule := func(id string) string {
		if r, ok := ruleOrFamily(id); ok {
			return string(r.Kind)
		}
		return "?"
	}
	ncases := 0
	for _, c := range cases {
		if !c.IsDir() {
			continue
		}
		ncases++
		dir := filepath.Join(root, c.Name())
		if _, err := os.Stat(filepath.Join(dir, "source.txt")); err != nil {
			t.Errorf("%s: no source.txt naming the public file it reproduces", c.Name())
		}
		d, err := DiscoverAll(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range append(Check(d.Files, Options{Workspace: os.DirFS(dir)}), d.Skipped...) {
			got = append(got, findingKey(f))
		}
		sort.Strings(got)
		wantPath := filepath.Join(dir, "want.txt")
		if *update {
			if err := os.WriteFile(wantPath, []byte(strings.Join(append(got, ""), "\n")), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		data, err := os.ReadFile(wantPath)
		if err != nil {
			t.Fatalf("%v (run go test -run TestPrecision -update, then review want.txt)", err)
		}
		want := map[string]bool{}
		for _, l := range strings.Split(string(data), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				want[l] = true
			}
		}
		seen := map[string]bool{}
		for _, k := range got {
			id := keyRule(k)
			count(byRule, id).found++
			count(byKind, kindOfRule(id)).found++
			seen[k] = true
			if !want[k] {
				count(byRule, id).fp++
				count(byKind, kindOfRule(id)).fp++
				t.Logf("false positive: %s/%s", c.Name(), k)
			}
		}
		for k := range want {
			if !seen[k] {
				id := keyRule(k)
				count(byRule, id).missed++
				count(byKind, kindOfRule(id)).missed++
				t.Errorf("missed: %s/%s", c.Name(), k)
			}
		}
	}
	if *update {
		return
	}
	report := func(title string, m map[string]*tally) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		fmt.Fprintf(&b, "%-36s %6s %4s %6s %7s\n", title, "found", "fp", "missed", "fp-rate")
		for _, k := range keys {
			v := m[k]
			rate := 0.0
			if v.found > 0 {
				rate = float64(v.fp) / float64(v.found)
			}
			fmt.Fprintf(&b, "%-36s %6d %4d %6d %6.1f%%\n", k, v.found, v.fp, v.missed, 100*rate)
			if rate > maxFalsePositiveRate {
				t.Errorf("%s %s: false-positive rate %.1f%%, over %.0f%%", title, k, 100*rate, 100*maxFalsePositiveRate)
			}
		}
		t.Logf("precision corpus (%d cases), by %s:\n%s", ncases, title, b.String())
	}
	report("rule", byRule)
	report("kind", byKind)
}

// keyRule returns the rule id of a findingKey, "path:line:col: severity [rule]".
func keyRule(k string) string {
	i := strings.LastIndex(k, "[")
	if i < 0 {
		return "?"
	}
	return strings.TrimSuffix(k[i+1:], "]")
}
