package builtin

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/cicd"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/container"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// TestImageBuildsUseTheContext: Compose, the image workflow and the deploy
// workflow build a Dockerfile written for a workspace root from that root
// with -f, and the gate, reading them with the repository, agrees.
func TestImageBuildsUseTheContext(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{
		{Name: "billing", Dir: "services/billing", Language: stack.Go, Version: "1.22", Module: "example.com/billing",
			Mains: []string{"./cmd/billing"}, Port: 8090, Context: ".", Kind: stack.KindService},
	}}
	fsys := kittest.MapFS(map[string]string{
		"services/billing/go.mod":              "module example.com/billing\n\ngo 1.22\n\nreplace example.com/money => ../../libs/money\n",
		"services/billing/cmd/billing/main.go": "package main\n",
		"libs/money/go.mod":                    "module example.com/money\n",
	})
	dep := kittest.Work(t, kit.ContainerMode, engine.Task{ID: "container"}, repo, fsys)

	compose := kittest.Work(t, kit.ComposeMode, engine.Task{ID: "compose"}, repo, fsys, dep)
	c := kittest.FileOf(t, compose, "compose.yaml")
	if !strings.Contains(c, "context: \".\"\n      dockerfile: services/billing/Dockerfile\n") {
		t.Errorf("compose.yaml does not build from the root with the unit's Dockerfile:\n%s", c)
	}
	ci := kittest.Work(t, kit.CICDMode, engine.Task{ID: "ci", Params: map[string]string{"workflows": "image"}}, repo, fsys, dep)
	img := kittest.FileOf(t, ci, cicd.ImageWorkflowPath)
	if !strings.Contains(img, "context: .\n") || !strings.Contains(img, "file: services/billing/Dockerfile\n") {
		t.Errorf("the image workflow does not build from the root with -f:\n%s", img)
	}
	deploy := change.New(kit.TaskDeploy, kit.CICDMode)
	in := engine.WorkInput{Task: engine.Task{ID: kit.TaskDeploy, Mode: kit.CICDMode, Services: []string{"services/billing"},
		Params: map[string]string{"deploy": "cloudrun"}}, Repo: repo, Workspace: fsys, Deps: []*change.ChangeSet{dep}}
	if err := cicd.CIWriteDeploy(in, "", deploy); err != nil {
		t.Fatal(err)
	}
	var dw string
	for _, f := range deploy.Files {
		if strings.HasPrefix(f.Path, ".github/workflows/deploy") {
			dw = string(f.Content)
		}
	}
	if !strings.Contains(dw, "context: \".\"\n") || !strings.Contains(dw, "file: \"services/billing/Dockerfile\"\n") {
		t.Errorf("the deploy workflow does not build from the root with -f:\n%s", dw)
	}
	// Every build the repository now declares is checked by the gate.
	all := kittest.MapFS(nil)
	for k, v := range fsys {
		all[k] = v
	}
	for _, cs := range []*change.ChangeSet{compose, ci, deploy} {
		for _, f := range cs.Files {
			all[f.Path] = &fstest.MapFile{Data: f.Content}
		}
	}
	kittest.GateWithRepo(t, dep, all)

	// A Dockerfile that does not state the context (a human's) is still
	// built from its own directory.
	human := kittest.MapFS(map[string]string{"services/billing/Dockerfile": "FROM golang:1.22-bookworm\n"})
	if ctx, df := container.ImageBuild(human, nil, repo.Services[0]); ctx != "services/billing" || df != "services/billing/Dockerfile" {
		t.Errorf("a human Dockerfile builds from %s (%s), want its directory", ctx, df)
	}
	// One whose COPY sources exist only from the workspace root builds
	// from there; one whose sources exist in its directory, from there.
	for _, tc := range []struct{ copy, want string }{
		{"COPY services/billing/go.mod libs/money/go.mod ./\nCOPY libs ./libs\n", "."},
		{"COPY go.mod ./\nCOPY cmd ./cmd\n", "services/billing"},
		{"COPY --from=builder /x /x\nCOPY *.go ./\n", "services/billing"},
	} {
		human := kittest.MapFS(map[string]string{
			"services/billing/Dockerfile":          "FROM golang:1.22-bookworm\n" + tc.copy,
			"services/billing/go.mod":              "module x\n",
			"services/billing/cmd/billing/main.go": "package main\n",
			"libs/money/go.mod":                    "module y\n",
		})
		if ctx, _ := container.ImageBuild(human, nil, repo.Services[0]); ctx != tc.want {
			t.Errorf("a human Dockerfile with %q builds from %s, want %s", tc.copy, ctx, tc.want)
		}
	}
}
