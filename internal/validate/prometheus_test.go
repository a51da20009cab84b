package validate

import (
	"testing"
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
