package builtin

import (
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// Through the engine: a finding the patch does not fix (a secret-looking
// ARG the author chose) does not stop the USER line from being added.
func TestContainerPatchThroughEngine(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{{Name: "web", Dir: ".", Language: stack.Node, Version: "20", Start: "node server.js", Port: 3000}}}
	df := "FROM node:20-bookworm-slim\nARG NPM_TOKEN\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n"
	fsys := kittest.WithFile(kittest.WithFile(nil, "package.json", "{}"), "Dockerfile", df)
	task := engine.Task{ID: "container", Mode: kit.ContainerMode, Files: []string{"Dockerfile", ".dockerignore"}}
	e := &engine.Engine{Brain: New(), Modes: kittest.DefaultModes(t)}
	tr := e.RunTask(t.Context(), engine.Issue{Title: "containerize"}, &engine.Plan{}, repo, fsys, task, nil)
	if tr.Status != engine.StatusDone {
		t.Fatalf("status %s: %s %v", tr.Status, tr.Error, tr.Findings)
	}
	want := "FROM node:20-bookworm-slim\nARG NPM_TOKEN\nWORKDIR /app\nCOPY . .\nRUN npm ci\nUSER node\nCMD [\"node\", \"server.js\"]\n"
	if got := string(tr.ChangeSet.Get("Dockerfile").Content); got != want {
		t.Errorf("Dockerfile:\n%s\nwant\n%s", got, want)
	}
	found := false
	for _, fd := range tr.Findings {
		if fd.Rule == "dockerfile-secret" && fd.Severity == validate.Warning && strings.HasPrefix(fd.Message, "already in the file before this change") {
			found = true
		}
	}
	if !found {
		t.Errorf("the author's ARG is not reported as found before: %v", tr.Findings)
	}
}
