package builtin

import (
	"context"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/cicd"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
)

// On each of the three everyday requests the existing workflows survive:
// nothing is deleted, no workflow the request is not about is touched, and
// the CI request patches only the workflow a minimal patch can fix.
func TestRequestsPreserveWorkflows(t *testing.T) {
	cases := []struct {
		request string
		// modified are the existing files the request may change.
		modified map[string]bool
		// ci is whether the plan may have a task that writes CI.
		ci bool
	}{
		{"containerize this service and add CI", map[string]bool{".github/workflows/tests.yml": true, ".github/workflows/go.yml": true}, true},
		{"compose for local development with Postgres", nil, false},
		{"deploy it to Cloud Run with Terraform", nil, false},
	}
	for _, c := range cases {
		t.Run(engine.Slug(c.request), func(t *testing.T) {
			ws := kittest.PreserveRepo()
			e := &engine.Engine{Brain: New(), Modes: kittest.DefaultModes(t)}
			issue := engine.Issue{Title: c.request}
			plan, repo, err := e.Plan(context.Background(), issue, ws)
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			for _, tk := range plan.Tasks {
				if strings.Contains(","+tk.Params["workflows"]+",", ",ci,") && !c.ci {
					t.Errorf("the plan for %q has a CI task: %+v", c.request, tk)
				}
			}
			res, err := e.Work(context.Background(), issue, plan, repo, ws)
			if err != nil {
				t.Fatalf("work: %v", err)
			}
			for _, tr := range res.Tasks {
				for _, f := range tr.Findings {
					if strings.HasPrefix(f.Rule, "policy-") {
						t.Errorf("task %s broke the change policy: %s", tr.Task.ID, f)
					}
				}
				if tr.Task.Mode == kit.CICDMode && tr.Status != engine.StatusDone && tr.Status != engine.StatusNoop {
					t.Errorf("task %s: %s %s %v", tr.Task.ID, tr.Status, tr.Error, tr.Findings)
				}
				if tr.ChangeSet == nil {
					continue
				}
				for _, f := range tr.ChangeSet.Files {
					_, err := ws.Open(f.Path)
					existed := err == nil
					switch {
					case f.Op == change.Delete:
						t.Errorf("task %s deletes %s", tr.Task.ID, f.Path)
					case existed && !c.modified[f.Path]:
						t.Errorf("task %s modifies %s, which %q is not about", tr.Task.ID, f.Path, c.request)
					case existed && strings.TrimSpace(f.Note) == "":
						t.Errorf("task %s modifies %s with no reason", tr.Task.ID, f.Path)
					case !existed && f.Path == cicd.CIWorkflowPath:
						t.Errorf("task %s adds a second CI beside the workflows that test the service", tr.Task.ID)
					}
				}
			}
			if c.modified[".github/workflows/tests.yml"] {
				f := kittest.FindFile(res, ".github/workflows/tests.yml")
				if f == nil {
					t.Fatalf("tests.yml, which fails only on pins and permissions, is not patched")
				}
				for _, keep := range []string{"# Integration tests against a real database.", "# Migrations first, the way production runs them.",
					"POSTGRES_DB: ledger_test", "--health-retries 10", "go test -tags integration ./..."} {
					if !strings.Contains(string(f.Content), keep) {
						t.Errorf("the patch lost %q", keep)
					}
				}
				if err := engine.Minimal(f.Old, f.Content); err != nil {
					t.Error(err)
				}
				// go.yml uses checkout v4 and setup-go v5, majors the table
				// keeps for pinning in place: pinned, its matrix kept.
				g := kittest.FindFile(res, ".github/workflows/go.yml")
				if g == nil {
					t.Fatalf("go.yml, which fails only on pins, is not patched")
				}
				for _, keep := range []string{"os: [ubuntu-latest, macos-latest, windows-latest]", "runs-on: ${{ matrix.os }}",
					"actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2", "go test -tags integration ./..."} {
					if !strings.Contains(string(g.Content), keep) {
						t.Errorf("the go.yml patch lacks %q:\n%s", keep, g.Content)
					}
				}
				if err := engine.Minimal(g.Old, g.Content); err != nil {
					t.Error(err)
				}
				notes := strings.Join(plan.Notes, "\n")
				if !strings.Contains(notes, ".github/workflows/go.yml runs the tests of . and fails the gate only on pinning") {
					t.Errorf("the plan does not say go.yml is patched:\n%s", notes)
				}
			}
		})
	}
}

// A deploy request plans no CI task, even when it calls its deploy
// workflow a pipeline or names GitHub Actions; words that name CI itself
// still plan one beside the deployment.
func TestDeployRequestPlansNoCI(t *testing.T) {
	for request, wantCI := range map[string]bool{
		"deploy it to Cloud Run with Terraform":                  false,
		"set up a deploy pipeline to Cloud Run":                  false,
		"deploy it to Cloud Run with a GitHub Actions workflow":  false,
		"deploy to ECS from GitHub Actions":                      false,
		"add CI and deploy it to Cloud Run":                      true,
		"deploy to Cloud Run and run the tests on pull requests": true,
	} {
		e := &engine.Engine{Brain: New(), Modes: kittest.DefaultModes(t)}
		plan, _, err := e.Plan(context.Background(), engine.Issue{Title: request}, kittest.PreserveRepo())
		if err != nil {
			t.Fatalf("%s: %v", request, err)
		}
		if got := kittest.Task(plan, kit.TaskCI) != nil; got != wantCI {
			t.Errorf("%q: a ci task planned = %v, want %v (tasks %s)", request, got, wantCI, kittest.TaskIDs(plan))
		}
		if kittest.Task(plan, kit.TaskDeploy) == nil {
			t.Errorf("%q: no deploy workflow planned (tasks %s)", request, kittest.TaskIDs(plan))
		}
	}
}
