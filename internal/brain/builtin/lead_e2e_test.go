package builtin

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
)

// TestEngineEndToEnd runs real stack detection, the built-in lead and the
// container and Compose specialists through the engine and its gate.
func TestEngineEndToEnd(t *testing.T) {
	repos := map[string]fstest.MapFS{
		"go": {
			"go.mod":           {Data: []byte("module example.com/shop\n\ngo 1.24\n\nrequire github.com/jackc/pgx/v5 v5.7.1\n")},
			"go.sum":           {Data: []byte("")},
			"cmd/shop/main.go": {Data: []byte("package main\n\nimport \"net/http\"\n\nfunc main() { http.ListenAndServe(\":8081\", nil) }\n")},
		},
		"node": {
			"package.json":      {Data: []byte(`{"name":"web","main":"server.js","scripts":{"start":"node server.js","test":"node --test"},"dependencies":{"express":"^4.19.0","redis":"^4.6.0"},"engines":{"node":">=20"}}`)},
			"package-lock.json": {Data: []byte(`{"lockfileVersion":3}`)},
			"server.js":         {Data: []byte("require('express')().listen(3000)\n")},
		},
		"python": {
			"pyproject.toml":   {Data: []byte("[project]\nname = \"api\"\nversion = \"0.1.0\"\nrequires-python = \">=3.12\"\ndependencies = [\"fastapi\", \"psycopg[binary]\"]\n")},
			"requirements.txt": {Data: []byte("fastapi==0.115.0\n")},
			"main.py":          {Data: []byte("print('hi')\n")},
		},
	}
	for name, fsys := range repos {
		t.Run(name, func(t *testing.T) {
			reg := kittest.DefaultModes(t)
			e := &engine.Engine{Brain: New(), Modes: reg}
			issue := engine.Issue{Title: "Containerize the app and add a compose file for local development with postgres and redis"}
			p, repo, err := e.Plan(context.Background(), issue, fsys)
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			if got := kittest.TaskIDs(p); got != "container,compose" {
				t.Fatalf("tasks = %q (questions %q)", got, p.Questions)
			}
			res, err := e.Work(context.Background(), issue, p, repo, fsys)
			if err != nil {
				t.Fatalf("work: %v", err)
			}
			for _, tr := range res.Tasks {
				if tr.Status != engine.StatusDone {
					t.Errorf("task %s: %s %s %v", tr.Task.ID, tr.Status, tr.Error, tr.Findings)
					continue
				}
				for _, f := range tr.Findings {
					t.Logf("%s warning: %s", tr.Task.ID, f)
				}
			}
			if len(res.Tasks) == 2 && res.Tasks[1].ChangeSet != nil {
				c := res.Tasks[1].ChangeSet.Get("compose.yaml")
				if c == nil || !strings.Contains(string(c.Content), "dockerfile: Dockerfile") {
					t.Errorf("compose.yaml does not build the app: %v", res.Tasks[1].ChangeSet.Paths())
				}
			}
		})
	}
}
