package builtin

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
)

const (
	tfAWS    = "provider \"aws\" {\n  region = var.region\n}\n\nvariable \"region\" {\n  type = string\n}\n"
	tfGoogle = "terraform {\n  required_providers {\n    google = {\n      source  = \"hashicorp/google\"\n      version = \"~> 6.0\"\n    }\n  }\n}\n"
	tfAzure  = "provider \"azurerm\" {\n  features {}\n}\n"
	// tfAWSResources uses the aws provider without a provider block.
	tfAWSResources = "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n}\n"
	tfModuleOnly   = "module \"vpc\" {\n  source = \"./modules/vpc\"\n}\n"
)

// TestChooseTerraformRoot holds the layouts real repositories have: sample
// code, test fixtures and docs with their own Terraform, a root per cloud,
// one root for everything.
func TestChooseTerraformRoot(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // path: content; the roots are their dirs
		cloud string
		focus string
		want  string
		notes []string // substrings of the notes
	}{
		{name: "no terraform", cloud: "aws", want: "infra/aws"},
		{name: "an example root", files: map[string]string{"examples/aws/main.tf": tfAWS}, cloud: "aws", want: "infra/aws",
			notes: []string{"examples/aws is left alone: it sits under examples/"}},
		{name: "a test fixture checked against a golden file", files: map[string]string{"test/fixtures/tf/main.tf": tfAWS, "test/fixtures/tf/plan.golden": "x"},
			cloud: "aws", want: "infra/aws", notes: []string{"under test/"}},
		{name: "a blog's sample code", files: map[string]string{"docs/blog/code/main.tf": tfAWS}, cloud: "aws", want: "infra/aws", notes: []string{"under docs/"}},
		{name: "website and testdata", files: map[string]string{"website/tf/main.tf": tfAWS, "internal/testdata/aws/main.tf": tfAWS}, cloud: "aws", want: "infra/aws"},
		{name: "a GCP root and an AWS request", files: map[string]string{"infra/gcp/main.tf": tfGoogle}, cloud: "aws", want: "infra/aws",
			notes: []string{"infra/gcp does not use the aws provider", "new root, infra/aws"}},
		{name: "per-cloud roots under terraform", files: map[string]string{"terraform/gcp/main.tf": tfGoogle, "terraform/azure/main.tf": tfAzure}, cloud: "aws", want: "terraform/aws"},
		{name: "an infra root with the aws provider", files: map[string]string{"infra/main.tf": tfAWS}, cloud: "aws", want: "infra",
			notes: []string{"Terraform root in infra that uses the aws provider"}},
		{name: "an infra root of another cloud", files: map[string]string{"infra/main.tf": tfGoogle}, cloud: "aws", want: "infra/aws"},
		{name: "resources show the provider", files: map[string]string{"deploy/tf/main.tf": tfAWSResources}, cloud: "aws", want: "deploy/tf"},
		{name: "the google provider for gcp", files: map[string]string{"ops/main.tf": tfGoogle, "ops/aws/main.tf": tfAWS}, cloud: "gcp", want: "ops"},
		{name: "modules are not roots", files: map[string]string{"terraform/modules/vpc/main.tf": tfAWS}, cloud: "aws", want: "terraform/aws",
			notes: []string{"under modules/"}},
		{name: "a cloud folder of modules only", files: map[string]string{"infra/aws/main.tf": tfModuleOnly}, cloud: "aws", want: "infra/aws"},
		{name: "a cloud folder used otherwise", files: map[string]string{"infra/aws/main.tf": tfGoogle}, cloud: "aws", want: "infra/aws-2"},
		{name: "two roots with the provider", files: map[string]string{"envs/prod/main.tf": tfAWS, "envs/staging/main.tf": tfAWS}, cloud: "aws", want: "envs/prod",
			notes: []string{"2 Terraform roots use the aws provider (envs/prod, envs/staging)"}},
		{name: "focus", files: map[string]string{"infra/main.tf": tfAWS}, cloud: "aws", focus: "services/api", want: "services/api/infra/aws"},
		{name: "azure next to gcp", files: map[string]string{"infra/gcp/main.tf": tfGoogle}, cloud: "azure", want: "infra/azure"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			seen := map[string]bool{}
			var roots []string
			for p, c := range tc.files {
				fsys[p] = &fstest.MapFile{Data: []byte(c)}
				if d := p[:strings.LastIndex(p, "/")]; strings.HasSuffix(p, ".tf") && !seen[d] {
					seen[d] = true
					roots = append(roots, d)
				}
			}
			c := chooseTerraformRoot(fsys, roots, tc.cloud, tc.focus)
			if c.Dir != tc.want {
				t.Errorf("dir = %q, want %q (notes %q)", c.Dir, tc.want, c.Notes)
			}
			notes := strings.Join(c.Notes, "\n")
			for _, n := range tc.notes {
				if !strings.Contains(notes, n) {
					t.Errorf("notes lack %q:\n%s", n, notes)
				}
			}
		})
	}
}

// An AWS request in a repository whose infra/ root already uses the aws
// provider adds files to it and changes none of its files.
func TestInfraAddsToExistingRoot(t *testing.T) {
	goR, goFS := kittest.GoRepo()
	fsys := kittest.WithFile(kittest.WithFile(goFS, "infra/main.tf", tfAWS), "infra/variables.tf", "variable \"name\" {\n  type = string\n}\n")
	fsys = kittest.WithFile(fsys, "examples/aws/main.tf", tfAWS)
	repo := &stack.Repo{Services: goR.Services, Artifacts: stack.Artifacts{TerraformRoots: []string{"examples/aws", "infra"}}}
	p := plan(t, "We need an S3 bucket for uploads on AWS", "", repo, fsys)
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
