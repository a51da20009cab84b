package config

import (
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/validate"
)

func TestParseRepoValidate(t *testing.T) {
	cfg, err := ParseRepo([]byte(`
validate:
  preset: strict
  rules:
    dockerfile-user-missing: off
    secret-assignment: warning
    shellcheck/SC2086: note
    workflow-actionlint-expression: "off"
`), known)
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Validate.Policy()
	if p.Preset != validate.PresetStrict || p.Rules["dockerfile-user-missing"] != validate.Off ||
		p.Rules["secret-assignment"] != validate.Warning || p.Rules["shellcheck/SC2086"] != validate.Note ||
		p.Rules["workflow-actionlint-expression"] != validate.Off || len(p.Rules) != 4 {
		t.Fatalf("policy = %+v", p)
	}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	def, err := ParseRepo(nil, known)
	if err != nil || def.Validate.Preset != "" || def.Validate.Policy().Rules != nil {
		t.Fatalf("default: %+v %v", def.Validate, err)
	}
}

func TestParseRepoValidateErrors(t *testing.T) {
	cases := []struct{ body, want string }{
		{"validate:\n  preset: lenient\n", `line 2: validate.preset: unknown preset "lenient": use recommended or strict`},
		{"validate:\n  rules:\n    k8s-probes: off\n    dockerfile-user: off\n", `line 4: validate.rules: unknown rule "dockerfile-user" (did you mean dockerfile-user-missing or dockerfile-user-root?); valid rules are `},
		{"validate:\n  rules:\n    k8s-probes: fatal\n", `line 3: validate.rules.k8s-probes: unknown severity "fatal": use error, warning, note or off`},
		{"validate:\n  rules: [k8s-probes]\n", "line 2:"},
		{"validate:\n  preset: strict\n  level: high\n", "line 3: field level not found"},
	}
	for _, c := range cases {
		_, err := ParseRepo([]byte(c.body), known)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.body, err, c.want)
		}
	}
	_, err := ParseRepoFile("ci/policy.yml", []byte("validate:\n  rules:\n    nope: off\n"), nil)
	if err == nil || !strings.HasPrefix(err.Error(), `ci/policy.yml line 3: validate.rules: unknown rule "nope"`) {
		t.Errorf("ParseRepoFile: %v", err)
	}
	if !strings.Contains(err.Error(), "k8s-seccomp") {
		t.Errorf("the error does not list the valid rules: %v", err)
	}
}
