package builtin

import (
	"context"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/validate"
)

func TestAcknowledgeHuman(t *testing.T) {
	old := "FROM node:latest\nCMD [\"node\", \"a.js\"]\n"
	prev := change.New("container", ContainerMode)
	prev.Put("Dockerfile", []byte(old+"LABEL org.opencontainers.image.title=a\n"), []byte(old), "a label")
	prev.Files[0].Old = []byte(old)
	findings := validate.Errors(validate.CheckFile("Dockerfile", prev.Files[0].Content, validate.Options{}))
	in := engine.WorkInput{Task: engine.Task{ID: "container", Mode: ContainerMode}, Previous: prev, Findings: findings}

	// Two findings on one line cannot both be marked: a clear error that
	// says what to do, not "a bug in devops-lead".
	_, err := New().Work(context.Background(), in)
	if err == nil || strings.Contains(err.Error(), "bug") || !strings.Contains(err.Error(), "devops-lead:ignore RULE reason") {
		t.Errorf("two rules on one line: err = %v", err)
	}

	// One finding on a line the file had is marked, with the note.
	in.Findings = findings[:1]
	cs, err := New().Work(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	f := cs.Get("Dockerfile")
	want := "# devops-lead:ignore " + findings[0].Rule + " " + humanIgnoreReason + "\n" + old + "LABEL org.opencontainers.image.title=a\n"
	if string(f.Content) != want || !strings.HasPrefix(f.Note, "a label; a devops-lead:ignore comment") {
		t.Errorf("marked:\n%s\nnote %s", f.Content, f.Note)
	}

	// A finding the old file did not have is the change's own: a bug.
	in.Findings = []validate.Finding{{Path: "Dockerfile", Line: 3, Rule: "dockerfile-parse", Severity: validate.Error, Message: "x"}}
	if _, err := New().Work(context.Background(), in); err == nil || !strings.Contains(err.Error(), "bug in devops-lead") {
		t.Errorf("own finding: err = %v", err)
	}
	// So is one on a file that is new.
	add := change.New("container", ContainerMode)
	add.Put("Dockerfile", prev.Files[0].Content, nil, "")
	in.Previous, in.Findings = add, findings[:1]
	if _, err := New().Work(context.Background(), in); err == nil || !strings.Contains(err.Error(), "bug in devops-lead") {
		t.Errorf("new file: err = %v", err)
	}
}
