package builtin

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/cicd"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/mode"
)

// TestCICDEndToEnd runs real stack detection, the built-in lead, the
// container specialist and the CI/CD specialist through the engine and
// its gate: the image workflow builds the Dockerfile planned before it.
func TestCICDEndToEnd(t *testing.T) {
	repos := map[string]fstest.MapFS{
		"go": {
			"go.mod":           {Data: []byte("module example.com/shop\n\ngo 1.24\n")},
			"go.sum":           {Data: []byte("")},
			"cmd/shop/main.go": {Data: []byte("package main\n\nimport \"net/http\"\n\nfunc main() { _ = http.ListenAndServe(\":8080\", nil) }\n")},
		},
		"node": {
			"package.json":      {Data: []byte(`{"name":"web","main":"server.js","scripts":{"start":"node server.js","test":"node --test","lint":"eslint ."},"engines":{"node":">=20"}}`)},
			"package-lock.json": {Data: []byte(`{"lockfileVersion":3}`)},
			"server.js":         {Data: []byte("require('http').createServer().listen(3000)\n")},
		},
		"python": {
			"pyproject.toml":   {Data: []byte("[project]\nname = \"api\"\nversion = \"0.1.0\"\nrequires-python = \">=3.12\"\ndependencies = [\"fastapi\"]\n")},
			"requirements.txt": {Data: []byte("fastapi==0.115.0\npytest==8.3.0\n")},
			"main.py":          {Data: []byte("print('hi')\n")},
		},
	}
	reg, err := mode.Default()
	if err != nil {
		t.Fatal(err)
	}
	for name, fsys := range repos {
		t.Run(name, func(t *testing.T) {
			e := &engine.Engine{Brain: New(), Modes: reg}
			issue := engine.Issue{Title: "Containerize the app, add CI and push the image to GHCR"}
			p, repo, err := e.Plan(context.Background(), issue, fsys)
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			var ci *engine.Task
			for i := range p.Tasks {
				if p.Tasks[i].Mode == kit.CICDMode {
					ci = &p.Tasks[i]
				}
			}
			if ci == nil {
				t.Fatalf("the plan has no %s task: %+v", kit.CICDMode, p.Tasks)
			}
			if !strings.Contains(ci.Params["workflows"], "image") || ci.Params["registry"] != "ghcr" {
				t.Errorf("the lead did not ask for an image pushed to GHCR: %v", ci.Params)
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
				if tr.Task.Mode != kit.CICDMode {
					continue
				}
				for _, f := range tr.Findings {
					t.Errorf("%s finding: %s", tr.Task.ID, f)
				}
				for _, want := range []string{cicd.CIWorkflowPath, cicd.ImageWorkflowPath} {
					if strings.Contains(ci.Params["workflows"], strings.TrimSuffix(want[len(".github/workflows/"):], ".yml")) &&
						tr.ChangeSet.Get(want) == nil {
						t.Errorf("the ci task asked for %s, the ChangeSet has %v", want, tr.ChangeSet.Paths())
					}
				}
				if img := tr.ChangeSet.Get(cicd.ImageWorkflowPath); img != nil && !strings.Contains(string(img.Content), "file: Dockerfile") {
					t.Errorf("image.yml does not build the planned Dockerfile:\n%s", img.Content)
				}
				for _, f := range tr.ChangeSet.Files {
					kittest.CICheckWorkflow(t, f.Path, f.Content, reg.Get(kit.CICDMode))
				}
			}
		})
	}
}
