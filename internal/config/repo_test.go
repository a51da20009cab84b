package config

import (
	"strings"
	"testing"
)

func known(m string) bool { return m == "cicd-specialist" || m == "containerization-developer" }

func TestParseRepo(t *testing.T) {
	cfg, err := ParseRepo([]byte(`
trigger_label: ops
modes: [cicd-specialist]
require_approval: true
allowed_paths: [".github/**", "Dockerfile"]
workflows: false
reviewers: [alice]
budgets:
  max_tasks: 3
`), known)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TriggerLabel != "ops" || !cfg.RequireApproval || cfg.WorkflowsAllowed() || cfg.Budgets.MaxTasks != 3 ||
		cfg.Budgets.MaxRepairs != 2 || !cfg.ModeEnabled("cicd-specialist") || cfg.ModeEnabled("containerization-developer") ||
		!cfg.PathAllowed(".github/workflows/ci.yml") || cfg.PathAllowed("k8s/a.yaml") || cfg.Reviewers[0] != "alice" {
		t.Fatalf("cfg = %+v", cfg)
	}
	def, err := ParseRepo(nil, known)
	if err != nil || def.TriggerLabel != "devops" || !def.WorkflowsAllowed() || !def.PathAllowed("any/thing") {
		t.Fatalf("default = %+v %v", def, err)
	}
}

func TestParseRepoErrorsPointAtTheLine(t *testing.T) {
	cases := []struct{ body, want string }{
		{"trigger_label: devops\ntrigerlabel: x\n", "line 2: field trigerlabel not found"},
		{"modes:\n  - cicd-specialist\n  - nope\n", "line 3: unknown mode \"nope\""},
		{"require_approval: maybe\n", "line 1:"},
		{"budgets:\n  max_tasks: 99\n", "line 2: budgets.max_tasks must be between 0 and 20"},
		{"allowed_paths: ['/etc/**']\n", "line 1: allowed_paths"},
		{"trigger_label: ''\n", "line 1: trigger_label must not be empty"},
		{"a: [\n", "devops-lead.yml"},
	}
	for _, c := range cases {
		_, err := ParseRepo([]byte(c.body), known)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.body, err, c.want)
		}
	}
}

func TestParseRepoChecks(t *testing.T) {
	cfg, err := ParseRepo([]byte("checks:\n  pull_requests: true\n"), known)
	if err != nil || !cfg.Checks.PullRequests {
		t.Fatalf("cfg = %+v, err = %v", cfg, err)
	}
	if def, _ := ParseRepo(nil, known); def.Checks.PullRequests {
		t.Fatal("checks.pull_requests is on by default")
	}
	for body, want := range map[string]string{
		"checks:\n  pull_requests: maybe\n": "line 2: checks.pull_requests must be true or false, not \"maybe\"",
		"checks:\n  pull_requests: 'yes'\n": "line 2: checks.pull_requests must be true or false",
		"checks: true\n":                    "line 1: checks must be a mapping",
		"checks:\n  pulls: true\n":          "line 2: checks: unknown key \"pulls\"",
	} {
		if _, err := ParseRepo([]byte(body), known); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", body, err, want)
		}
	}
}
