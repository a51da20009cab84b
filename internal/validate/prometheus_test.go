package validate

import (
	"strings"
	"testing"
	"time"
)

func TestPrometheusRecordingRulesPass(t *testing.T) {
	src := "groups:\n  - name: r\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n"
	if got := checkPrometheus("rules.yml", []byte(src)); len(got) != 0 {
		t.Errorf("got %v, want no findings for a recording rule", got)
	}
}

func TestPrometheusUnknownFieldAndDocs(t *testing.T) {
	src := "groups:\n  - name: r\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 5m\n        severity: page\n"
	got := checkPrometheus("rules.yml", []byte(src))
	if len(got) != 1 || got[0].Rule != "prom-parse" || got[0].Line != 7 {
		t.Errorf("unknown field: got %v, want one prom-parse finding on line 7", got)
	}
	two := "groups: []\n---\ngroups: []\n"
	got = checkPrometheus("rules.yml", []byte(two))
	if len(got) != 1 || got[0].Rule != "prom-parse" {
		t.Errorf("two documents: got %v, want one prom-parse finding", got)
	}
}

func TestPrometheusForZero(t *testing.T) {
	base := "groups:\n  - name: r\n    rules:\n      - alert: A\n        expr: up == 0\n        labels: {severity: page}\n        annotations: {summary: s, description: d, runbook_url: https://example.com/rb}\n"
	if got := checkPrometheus("rules.yml", []byte(base+"        for: 5m\n")); len(got) != 0 {
		t.Errorf("complete alert: got %v, want none", got)
	}
	got := checkPrometheus("rules.yml", []byte(base+"        for: 0m\n"))
	if len(got) != 1 || got[0].Rule != "prom-for" || got[0].Line != 4 {
		t.Errorf("for: 0m: got %v, want one prom-for finding on line 4", got)
	}
}

func FuzzPrometheus(f *testing.F) {
	for _, b := range seedFiles(f, "prom-", KindPrometheus) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fd := range checkPrometheus("rules.yml", b) {
			if fd.Rule == "" || fd.Line < 0 || fd.Col < 0 {
				t.Fatalf("malformed finding %+v", fd)
			}
		}
	})
}

// TestPromQLDeepNestingIsRefusedFast: an expression nested hundreds of
// levels deep (which the upstream parser takes minutes over) is reported
// not checked at once, and an ordinary nesting is still parsed.
func TestPromQLDeepNestingIsRefusedFast(t *testing.T) {
	deep := "groups:\n  - name: g\n    rules:\n      - alert: Deep\n        expr: " + strings.Repeat("(", 500) + "up" + strings.Repeat(")", 500) + " == 0\n"
	start := time.Now()
	fs := CheckFile("rules/deep.rules.yml", []byte(deep), Options{})
	if time.Since(start) > 5*time.Second {
		t.Fatalf("took %s", time.Since(start))
	}
	if len(fs) == 0 || fs[0].Rule != "check-time-limit" || !strings.Contains(fs[0].Message, "500 parentheses deep") {
		t.Fatalf("findings %v, want one check-time-limit finding naming the depth", fs)
	}
	ok := "groups:\n  - name: g\n    rules:\n      - alert: Bad\n        expr: sum(rate((up[5m]))) by (\n"
	for _, f := range CheckFile("rules/ok.rules.yml", []byte(ok), Options{}) {
		if f.Rule == "check-time-limit" {
			t.Fatalf("a shallow file was refused: %v", f)
		}
	}
}
