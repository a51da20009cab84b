package builtin

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/pins"
	"github.com/devops-lead/devops-lead/internal/stack"
)

func TestCIWriteDeploy(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "services/api", Language: stack.Go}}}
	in := engine.WorkInput{
		Task:      engine.Task{ID: TaskDeploy, Mode: CICDMode, Params: map[string]string{"deploy": "apprunner", "infra_dir": "terraform"}},
		Repo:      repo,
		Workspace: fstest.MapFS{},
	}
	cs := change.New(in.Task.ID, in.Task.Mode)
	if err := ciWriteDeploy(in, cs); err != nil {
		t.Fatal(err)
	}
	f := cs.Get(DeployWorkflowPath)
	if f == nil {
		t.Fatalf("no %s: %v", DeployWorkflowPath, cs.Paths())
	}
	got := string(f.Content)
	aws, err := pins.Action("aws-actions/configure-aws-credentials")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{aws.Uses(), "id-token: write", `context: "services/api"`, "branches: [main]",
		"Terraform outputs in terraform/", "aws apprunner start-deployment", "}}:production"} {
		if !strings.Contains(got, want) {
			t.Errorf("deploy workflow lacks %q:\n%s", want, got)
		}
	}
	infraGate(t, CICDMode, cs)

	// It never replaces an existing deploy workflow, and checks its params.
	in.Workspace = fstest.MapFS{DeployWorkflowPath: {Data: []byte("name: x\n")}}
	if err := ciWriteDeploy(in, change.New("d", CICDMode)); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("existing workflow: err = %v", err)
	}
	in.Workspace = fstest.MapFS{}
	for k, v := range map[string]string{"deploy": "ecs", "branch": "a b", "infra_dir": "in fra"} {
		bad := in
		bad.Task.Params = map[string]string{"deploy": "apprunner", k: v}
		if err := ciWriteDeploy(bad, change.New("d", CICDMode)); err == nil {
			t.Errorf("%s=%q: no error", k, v)
		}
	}
}
