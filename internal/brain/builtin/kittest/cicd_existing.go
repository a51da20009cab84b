package kittest

import (
	"context"
	"testing"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// CIGoRepo is the CI tests' Go repository.
var CIGoRepo = map[string]string{"go.mod": "module example.com/x\n\ngo 1.22\n", "go.sum": ""}

// CIGoService is the one service of CIGoRepo.
var CIGoService = []stack.Service{{Name: "x", Dir: ".", Language: stack.Go, Version: "1.22"}}

// CIWork runs the CI/CD specialist on a task.
func CIWork(t *testing.T, files map[string]string, services []stack.Service, params map[string]string, deps []*change.ChangeSet) (*change.ChangeSet, error) {
	t.Helper()
	in := engine.WorkInput{
		Task:      engine.Task{ID: "ci", Mode: kit.CICDMode, Params: params},
		Repo:      &stack.Repo{Services: services},
		Workspace: CIMapFS(files),
		Deps:      deps,
	}
	return New().Work(context.Background(), in)
}

// CIWithFiles returns the CI tests' Go repository with more files.
func CIWithFiles(base map[string]string, extra ...string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(extra); i += 2 {
		out[extra[i]] = extra[i+1]
	}
	return out
}

// CIPatchableWF is a person's workflow that fails the gate only on pinning
// and permissions, with actions at the majors of the pins table.
const CIPatchableWF = `# Unit tests on every push.
name: test
on: [push]

jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v6 # the code
      - uses: "actions/setup-go@v6.0.0"
        with:
          go-version: "1.22"
      - run: go test ./...
`
