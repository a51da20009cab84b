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
	if len(got) != 1 || got[0].Rule != "prom-for" || got[0].Line != 4 || !strings.Contains(got[0].Message, "sets for: 0m") {
		t.Errorf("for: 0m: got %v, want one prom-for finding on line 4 that says it sets for: 0m", got)
	}
	// An explicit zero is the author's choice (awesome-prometheus-alerts
	// writes for: 0m on purpose): recommended drops it, strict keeps it;
	// a missing for: stays in both.
	if rec := (Policy{Preset: PresetRecommended}).Apply(got); len(rec) != 0 {
		t.Errorf("for: 0m under recommended: got %v, want none", rec)
	}
	missing := checkPrometheus("rules.yml", []byte(base))
	if len(missing) != 1 || !strings.Contains(missing[0].Message, "has no for: duration") {
		t.Fatalf("no for: got %v, want one prom-for finding", missing)
	}
	if rec := (Policy{Preset: PresetRecommended}).Apply(missing); len(rec) != 1 {
		t.Errorf("no for: under recommended: got %v, want it kept", rec)
	}
}

// TestPrometheusLiquidTemplateIsNotRules: awesome-prometheus-alerts'
// dist/template.yml is Liquid text that a Jekyll site turns into rule
// files; it is not YAML and not a rules file, so no prom-parse error.
func TestPrometheusLiquidTemplateIsNotRules(t *testing.T) {
	tmpl := "groups:\n{% for group in site.data.rules %}\n- name: {{ group.name }}\n  rules:\n  {% for r in group.rules %}\n    - alert: {{ r.name }}\n      expr: {{ r.query }}\n  {% endfor %}\n{% endfor %}\n"
	if k := KindOf("dist/template.yml", []byte(tmpl)); k != KindOther {
		t.Errorf("KindOf(Liquid template) = %s, want %s", k, KindOther)
	}
	if fs := CheckFile("dist/template.yml", []byte(tmpl), Options{}); len(fs) != 0 {
		t.Errorf("got %v, want no findings on a template", fs)
	}
	// A rules file whose block scalar holds an indented {% line is still rules.
	rules := "groups:\n  - name: r\n    rules:\n      - alert: A\n        expr: up == 0\n        annotations:\n          description: |\n            {% raw %}\n"
	if k := KindOf("rules.yml", []byte(rules)); k != KindPrometheus {
		t.Errorf("KindOf(rules with an indented {%% line) = %s, want %s", k, KindPrometheus)
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
