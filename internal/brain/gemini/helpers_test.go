package gemini

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/mode"
	"github.com/devops-lead/devops-lead/internal/stack"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// goRepo is a small Go service with a secret file that must never reach
// the model.
func goRepo() fstest.MapFS {
	return fstest.MapFS{
		"go.mod":             {Data: []byte("module example.com/server\n\ngo 1.24\n")},
		"cmd/server/main.go": {Data: []byte("package main\n\nimport \"net/http\"\n\nfunc main() { _ = http.ListenAndServe(\":8080\", nil) }\n")},
		".env":               {Data: []byte("DB_PASSWORD=hunter2-do-not-leak\n")},
		"config/app.yaml":    {Data: []byte("region: eu-west-1\naws_key: AKIAIOSFODNN7EXAMPLE\n")},
		"deploy/prod.pem":    {Data: []byte("-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n")},
	}
}

func registry(t *testing.T) *mode.Registry {
	t.Helper()
	reg, err := mode.Default()
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func detect(t *testing.T, ws fstest.MapFS) *stack.Repo {
	t.Helper()
	repo, err := stack.Detect(ws, stack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

// runTask runs one task through the real engine (its gate and repair
// loop) with the brain; maxRepairs < 0 means no outer repair.
func runTask(t *testing.T, b *Brain, issue engine.Issue, task engine.Task, maxRepairs int) engine.TaskResult {
	t.Helper()
	ws := goRepo()
	reg := registry(t)
	eng := &engine.Engine{Brain: b, Modes: reg, MaxRepairs: maxRepairs}
	plan := &engine.Plan{Summary: "test", Tasks: []engine.Task{task}, Brain: "gemini"}
	res, err := eng.Work(context.Background(), issue, plan, detect(t, ws), ws)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tasks) != 1 {
		t.Fatalf("got %d task results, want 1", len(res.Tasks))
	}
	return res.Tasks[0]
}

var containerTask = engine.Task{ID: "container", Mode: "containerization-developer", Title: "Containerize server",
	Goal: "Write a Dockerfile and .dockerignore", Files: []string{"Dockerfile", ".dockerignore"}}

var ciTask = engine.Task{ID: "ci", Mode: "cicd-specialist", Title: "CI workflow",
	Goal: "Build and test on push and pull request", Files: []string{".github/workflows/ci.yml"}}
