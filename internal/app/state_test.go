package app

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/devops-lead/devops-lead/internal/config"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/github"
)

func samplePlan() *engine.Plan {
	return &engine.Plan{Summary: "Two tasks.", Brain: "builtin", Tasks: []engine.Task{
		{ID: "container", Mode: "containerization-developer", Title: "Containerize", Files: []string{"Dockerfile"}},
		{ID: "ci", Mode: "cicd-specialist", Title: "CI", DependsOn: []string{"container"}},
	}}
}

func TestStateRoundTripsThroughTheComment(t *testing.T) {
	p := samplePlan()
	st := &State{V: 1, Issue: 7, Base: "0123456789abcdef0123", Hash: planHash(p), Plan: p, Applied: true,
		Tasks: map[string]*TaskState{"container": {Status: taskPR, PR: 9, SubIssue: 8}, "ci": {Status: taskFailed, Error: "gate --> said no"}}}
	body, err := st.render("acme/api")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"- [x] **Containerize**", "pull request #9", "sub-issue #8", "failed: gate --> said no", "`/devops retry [task]`"} {
		if !strings.Contains(body, want) {
			t.Errorf("plan comment lacks %q:\n%s", want, body)
		}
	}
	var back State
	ok, err := github.Data(body, planKind, &back)
	if err != nil || !ok || back.Hash != st.Hash || back.Tasks["ci"].Error != "gate --> said no" || len(back.Plan.Tasks) != 2 {
		t.Fatalf("state did not survive the comment: ok=%v err=%v %+v", ok, err, back)
	}
}

func TestPlanHashSeesWhatWouldRun(t *testing.T) {
	a, b := samplePlan(), samplePlan()
	b.Summary = "worded differently"
	if planHash(a) != planHash(b) {
		t.Error("the summary's wording must not change the hash")
	}
	b.Tasks[1].Files = []string{".github/workflows/ci.yml"}
	if planHash(a) == planHash(b) {
		t.Error("a different file list must change the hash")
	}
}

func TestRestrictDropsDisabledModesAndDependents(t *testing.T) {
	p := samplePlan()
	cfg := config.DefaultRepo()
	cfg.Modes = []string{"cicd-specialist"}
	restrict(p, cfg)
	if len(p.Tasks) != 0 || len(p.Declined) != 2 || !strings.Contains(p.Declined[1], "depends on task container") {
		t.Fatalf("tasks %v declined %v", p.Tasks, p.Declined)
	}
	p = samplePlan()
	cfg = config.DefaultRepo()
	cfg.Budgets.MaxTasks = 1
	restrict(p, cfg)
	if len(p.Tasks) != 1 || !strings.Contains(p.Declined[0], "budget of 1 tasks") {
		t.Fatalf("budget: tasks %v declined %v", p.Tasks, p.Declined)
	}
}

func TestRepoGateAddsConfigLimits(t *testing.T) {
	f := false
	cfg := config.DefaultRepo()
	cfg.Workflows = &f
	cfg.AllowedPaths = []string{".github/**", "Dockerfile"}
	gate := repoGate(cfg)
	all := func(string) bool { return true }
	if fs := gate(nil, validateOpts(all)); len(fs) != 0 {
		t.Fatal(fs)
	}
	for path, allowed := range map[string]bool{".github/workflows/ci.yml": false, "Dockerfile": true, "k8s/a.yaml": false} {
		got := !hasPathFinding(gate(files(path), validateOpts(all)))
		if got != allowed {
			t.Errorf("%s allowed = %v, want %v", path, got, allowed)
		}
	}
}

// TestRememberBounds: what revisions were asked for is kept for later
// revisions, without earlier entries twice, each entry and the list
// bounded (it lives in the plan comment).
func TestRememberBounds(t *testing.T) {
	ts := &TaskState{}
	ts.remember([]engine.Feedback{{Body: "  add autoscaling  "}, {Body: "old", Earlier: true}, {Body: "   "}})
	if len(ts.Asked) != 1 || ts.Asked[0] != "add autoscaling" {
		t.Fatalf("asked = %q", ts.Asked)
	}
	ts.remember([]engine.Feedback{{Body: strings.Repeat("é", maxAskedBytes)}})
	if got := ts.Asked[1]; len(got) > maxAskedBytes || !utf8.ValidString(got) {
		t.Errorf("a long entry is %d bytes (valid UTF-8: %v)", len(got), utf8.ValidString(got))
	}
	for i := 0; i < 2*maxAsked; i++ {
		ts.remember([]engine.Feedback{{Body: fmt.Sprint("ask ", i)}})
	}
	if len(ts.Asked) != maxAsked || ts.Asked[maxAsked-1] != fmt.Sprint("ask ", 2*maxAsked-1) {
		t.Errorf("asked keeps %d entries ending %q", len(ts.Asked), ts.Asked[len(ts.Asked)-1])
	}
}
