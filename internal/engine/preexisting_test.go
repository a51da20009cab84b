package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// patcher is a brain that writes one fixed Dockerfile with a reason.
type patcher struct{ content string }

func (p *patcher) Name() string                                   { return "patcher" }
func (p *patcher) Plan(context.Context, PlanInput) (*Plan, error) { return nil, nil }
func (p *patcher) Work(_ context.Context, in WorkInput) (*change.ChangeSet, error) {
	cs := change.New(in.Task.ID, in.Task.Mode)
	cs.Put("Dockerfile", []byte(p.content), nil, "adds a USER line")
	return cs, nil
}

// lineGate refuses every line that contains BAD, at its line.
func lineGate(files []validate.File, _ validate.Options) []validate.Finding {
	var out []validate.Finding
	for _, f := range files {
		for i, l := range strings.Split(string(f.Content), "\n") {
			if strings.Contains(l, "BAD") {
				out = append(out, validate.Finding{Path: f.Path, Line: i + 1, Rule: "no-bad", Severity: validate.Error, Message: "bad line"})
			}
		}
	}
	return out
}

// TestFindingsOnTheirLines: an error on a line the file already had does
// not block a patch beside it (it is reported as a warning, marked as found
// before); an error on a line the patch adds still does, even when the same
// rule fires on an old line.
func TestFindingsOnTheirLines(t *testing.T) {
	old := "FROM x:1\nRUN BAD setup\nCMD [\"x\"]\n"
	ws := fstest.MapFS{"Dockerfile": {Data: []byte(old)}}
	plan := &Plan{Summary: "s", Brain: "patcher", Tasks: []Task{{ID: "box", Mode: "box", Title: "Dockerfile", Files: []string{"Dockerfile"}}}}
	for _, tc := range []struct {
		name, content string
		want          Status
		warnings      int
	}{
		{"patch beside their line", "FROM x:1\nRUN BAD setup\nUSER 1000\nCMD [\"x\"]\n", StatusDone, 1},
		{"their line moved down", "FROM x:1\nARG A=1\nRUN BAD setup\nCMD [\"x\"]\n", StatusDone, 1},
		{"the patch adds a bad line", "FROM x:1\nRUN BAD setup\nRUN BAD more\nCMD [\"x\"]\n", StatusFailed, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &Engine{Brain: &patcher{content: tc.content}, Modes: testModes(t), Gate: lineGate, MaxRepairs: -1}
			res, err := e.Work(context.Background(), Issue{Title: "x"}, plan, &stack.Repo{}, ws)
			if err != nil {
				t.Fatal(err)
			}
			tr := res.Tasks[0]
			var warns []string
			for _, f := range tr.Findings {
				if f.Severity == validate.Warning {
					warns = append(warns, fmt.Sprintf("%d:%s", f.Line, f.Message))
					if !strings.HasPrefix(f.Message, "already in the file before this change") {
						t.Errorf("warning %q does not say it was there before", f.Message)
					}
				}
			}
			if tr.Status != tc.want || len(warns) != tc.warnings {
				t.Errorf("status %s with warnings %v, want %s with %d (findings %v)", tr.Status, warns, tc.want, tc.warnings, tr.Findings)
			}
		})
	}
}
