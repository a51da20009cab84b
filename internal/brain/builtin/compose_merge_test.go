package builtin

import (
	"context"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// The engine gates whole files: the file's own findings must not stop the
// change, and there must be no "bug in devops-lead".
func TestComposeMergeThroughEngine(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{{Name: "web", Dir: ".", Language: stack.Python, Port: 8000}}}
	fsys := kittest.WithFile(kittest.WithFile(nil, "Dockerfile", "FROM x:1\n"), "compose.yaml", kittest.DevCompose)
	// Files as the lead plans them: the change policy lets a task modify
	// only the existing files it names.
	task := engine.Task{ID: "compose", Mode: kit.ComposeMode, Params: map[string]string{"backing": "postgres,redis"}, Files: []string{"compose.yaml", ".env.example"}}
	e := &engine.Engine{Brain: New(), Modes: kittest.DefaultModes(t)}
	tr := e.RunTask(context.Background(), engine.Issue{Title: "compose with redis"}, &engine.Plan{}, repo, fsys, task, nil)
	if tr.Status != engine.StatusDone {
		t.Fatalf("status %s: %s %v", tr.Status, tr.Error, tr.Findings)
	}
	f := tr.ChangeSet.Get("compose.yaml")
	for _, l := range kittest.AddedLines(t, kittest.DevCompose, string(f.Content)) {
		if strings.Contains(l, "devops-lead:ignore") {
			t.Errorf("the human's file got an ignore comment: %q", l)
		}
	}
	theirs := 0
	for _, fd := range tr.Findings {
		if fd.Severity == validate.Warning && strings.HasPrefix(fd.Message, "already in the file before this change") {
			theirs++
		}
	}
	if theirs == 0 {
		t.Errorf("the file's own findings are not reported as found before: %v", tr.Findings)
	}

	// A finding on a line the change wrote is still refused as a bug.
	in := engine.WorkInput{Task: task, Repo: repo, Workspace: fsys, Previous: tr.ChangeSet,
		Findings: []validate.Finding{{Path: "compose.yaml", Line: len(strings.Split(string(f.Content), "\n")) - 2, Rule: "compose-image-tag", Severity: validate.Error, Message: "x"}}}
	if _, err := New().Work(context.Background(), in); err == nil || !strings.Contains(err.Error(), "bug in devops-lead") {
		t.Errorf("a finding on an added line: err = %v", err)
	}
}
