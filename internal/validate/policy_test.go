package validate

import (
	"strings"
	"testing"
)

func TestPresetRecommendedRulesRegistered(t *testing.T) {
	for id, e := range presetRecommended {
		r, ok := LookupRule(id)
		if !ok {
			t.Errorf("recommended names %s, which is not a registered rule", id)
			continue
		}
		if e.sev == r.Severity {
			t.Errorf("recommended gives %s its strict severity %s: drop the entry", id, r.Severity)
		}
		if e.why == "" {
			t.Errorf("recommended does not say why %s is %s", id, e.sev)
		}
	}
	for _, r := range Rules() {
		if got := PresetSeverity(PresetStrict, r); got != r.Severity {
			t.Errorf("strict changes %s: %s, registered %s", r.ID, got, r.Severity)
		}
	}
}

func TestPolicyApply(t *testing.T) {
	in := []Finding{
		{Path: "a", Rule: "dockerfile-user-missing", Severity: Error},
		{Path: "a", Rule: "k8s-privileged", Severity: Error},
		{Path: "a", Rule: "secret-assignment", Severity: Error},
		{Path: "a", Rule: "shellcheck/SC2086", Severity: Note},
		{Path: "a", Rule: "shellcheck/SC2045", Severity: Error},
		{Path: "a", Rule: "workflow-actionlint-expression", Severity: Error},
		{Path: "a", Rule: "workflow-unpinned-action", Severity: Error, Message: `actions/checkout is pinned to "v4", which can move`},
		{Path: "a", Rule: "workflow-unpinned-action", Severity: Error, Message: `someone/deploy is pinned to "v1", which can move`},
	}
	sevs := func(fs []Finding) string {
		var b []string
		for _, f := range fs {
			b = append(b, f.Rule+"="+string(f.Severity))
		}
		return strings.Join(b, " ")
	}
	for _, c := range []struct {
		name string
		p    Policy
		want string
	}{
		{"zero is strict", Policy{}, "dockerfile-user-missing=error k8s-privileged=error secret-assignment=error shellcheck/SC2086=note shellcheck/SC2045=error workflow-actionlint-expression=error workflow-unpinned-action=error workflow-unpinned-action=error"},
		{"strict", Policy{Preset: PresetStrict}, "dockerfile-user-missing=error k8s-privileged=error secret-assignment=error shellcheck/SC2086=note shellcheck/SC2045=error workflow-actionlint-expression=error workflow-unpinned-action=error workflow-unpinned-action=error"},
		{"recommended", Policy{Preset: PresetRecommended}, "dockerfile-user-missing=warning k8s-privileged=error secret-assignment=error shellcheck/SC2086=note shellcheck/SC2045=error workflow-actionlint-expression=error workflow-unpinned-action=warning"},
		{"overrides", Policy{Preset: PresetRecommended, Rules: map[string]Severity{
			"dockerfile-user-missing": Off, "secret-assignment": Warning, "shellcheck": Warning, "shellcheck/SC2086": Off,
			"workflow-actionlint": Note, "workflow-unpinned-action": Error,
		}}, "k8s-privileged=error secret-assignment=warning shellcheck/SC2045=warning workflow-actionlint-expression=note workflow-unpinned-action=error workflow-unpinned-action=error"},
		{"strict with an override", Policy{Preset: PresetStrict, Rules: map[string]Severity{"workflow-actionlint-expression": Off}},
			"dockerfile-user-missing=error k8s-privileged=error secret-assignment=error shellcheck/SC2086=note shellcheck/SC2045=error workflow-unpinned-action=error workflow-unpinned-action=error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := sevs(in)
			if got := sevs(c.p.Apply(in)); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
			if sevs(in) != before {
				t.Error("Apply changed its input")
			}
		})
	}
}

// TestRecommendedFirstPartyTags runs the real rule, so that a change of its
// message that Policy no longer recognises fails here.
func TestRecommendedFirstPartyTags(t *testing.T) {
	wf := []byte(`name: ci
on: push
permissions: {contents: read}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with: {persist-credentials: false}
      - uses: github/codeql-action/upload-sarif@v3
        with: {sarif_file: x.sarif}
      - uses: someone/deploy@v1
`)
	fs := CheckFile(".github/workflows/ci.yml", wf, Options{})
	var strict, rec []string
	for _, f := range (Policy{Preset: PresetStrict}).Apply(fs) {
		if f.Rule == ruleWorkflowUnpinned.ID {
			strict = append(strict, f.String())
		}
	}
	for _, f := range (Policy{Preset: PresetRecommended}).Apply(fs) {
		if f.Rule == ruleWorkflowUnpinned.ID {
			rec = append(rec, f.String())
		}
	}
	if len(strict) != 3 {
		t.Fatalf("strict: %d unpinned findings, want 3:\n%s", len(strict), strings.Join(strict, "\n"))
	}
	if len(rec) != 1 || !strings.Contains(rec[0], ":12:") || !strings.Contains(rec[0], "warning [workflow-unpinned-action] someone/deploy") {
		t.Fatalf("recommended: want only someone/deploy as a warning, got:\n%s", strings.Join(rec, "\n"))
	}
}

func TestCheckRuleName(t *testing.T) {
	for _, id := range []string{"dockerfile-user-missing", "shellcheck", "shellcheck/SC2086", "workflow-actionlint-expression", "secret-assignment"} {
		if err := CheckRuleName(id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	err := CheckRuleName("dockerfile-user")
	if err == nil {
		t.Fatal("dockerfile-user accepted")
	}
	for _, want := range []string{`unknown rule "dockerfile-user"`, "did you mean dockerfile-user-missing or dockerfile-user-root", "valid rules are", "k8s-seccomp", "shellcheck/SC<code>"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	for _, id := range []string{"shellcheck/2086", "shellcheck/SC20", "workflow-actionlint-", "nope"} {
		if CheckRuleName(id) == nil {
			t.Errorf("%s accepted", id)
		}
	}
}

func TestPolicyCheck(t *testing.T) {
	for _, c := range []struct {
		p    Policy
		want string
	}{
		{Policy{Preset: "lenient"}, `unknown preset "lenient": use recommended or strict`},
		{Policy{Rules: map[string]Severity{"k8s-probes": "fatal"}}, `rule k8s-probes: unknown severity "fatal"`},
		{Policy{Rules: map[string]Severity{"k8s-probe": Off}}, `unknown rule "k8s-probe"`},
	} {
		err := c.p.Check()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.p, err, c.want)
		}
	}
	if err := (Policy{Preset: PresetRecommended, Rules: map[string]Severity{"k8s-probes": Off, "shellcheck/SC2086": Note}}).Check(); err != nil {
		t.Error(err)
	}
	for _, s := range []string{"error", "Warning", " note ", "off"} {
		if _, err := ParseSeverity(s); err != nil {
			t.Error(err)
		}
	}
}
