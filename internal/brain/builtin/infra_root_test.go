package builtin

import (
	"context"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// An AWS request in a repository whose infra/ root already uses the aws
// provider adds files to it and changes none of its files.
func TestInfraAddsToExistingRoot(t *testing.T) {
	goR, goFS := kittest.GoRepo()
	fsys := kittest.WithFile(kittest.WithFile(goFS, "infra/main.tf", kittest.TFAWS), "infra/variables.tf", "variable \"name\" {\n  type = string\n}\n")
	fsys = kittest.WithFile(fsys, "examples/aws/main.tf", kittest.TFAWS)
	repo := &stack.Repo{Services: goR.Services, Artifacts: stack.Artifacts{TerraformRoots: []string{"examples/aws", "infra"}}}
	p := kittest.Plan(t, "We need an S3 bucket for uploads on AWS", "", repo, fsys)
	it := kittest.Task(p, kit.TaskInfra)
	if it == nil || it.Params["dir"] != "infra" {
		t.Fatalf("infra task %+v (tasks %q)", it, kittest.TaskIDs(p))
	}
	in := engine.WorkInput{Task: *it, Repo: repo, Workspace: fsys}
	cs, err := New().Work(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if err := engine.Normalise(cs, fsys); err != nil {
		t.Fatal(err)
	}
	for _, f := range cs.Files {
		if f.Op != change.Add {
			t.Errorf("%s: %s, want only new files", f.Path, f.Op)
		}
		if !strings.HasPrefix(f.Path, "infra/") {
			t.Errorf("%s written outside the root", f.Path)
		}
	}
	if cs.Get("infra/aws_variables.tf") == nil {
		t.Errorf("variables.tf is taken, so the new variables go to aws_variables.tf: %v", cs.Paths())
	}
	kittest.InfraGate(t, kit.InfraMode, cs)
}
