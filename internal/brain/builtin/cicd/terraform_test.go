package cicd

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/pins"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// terraformWorkflow runs the CI/CD specialist with workflows=terraform
// and returns the workflow it wrote.
func terraformWorkflow(t *testing.T, params map[string]string, ws fstest.MapFS) (string, *change.ChangeSet) {
	t.Helper()
	repo := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "api", Language: stack.Go}}}
	p := map[string]string{"workflows": "terraform"}
	for k, v := range params {
		p[k] = v
	}
	cs, err := Work(context.Background(), engine.WorkInput{
		Task: engine.Task{ID: kit.TaskTerraform, Mode: kit.CICDMode, Params: p}, Repo: repo, Workspace: ws,
	})
	if err != nil {
		t.Fatal(err)
	}
	f := cs.Get(TerraformWorkflowPath)
	if f == nil {
		t.Fatalf("no %s: %v", TerraformWorkflowPath, cs.Paths())
	}
	return string(f.Content), cs
}

func TestCIWriteTerraform(t *testing.T) {
	setup, err := pins.Action("hashicorp/setup-terraform")
	if err != nil {
		t.Fatal(err)
	}
	for cloud, want := range map[string][]string{
		"aws": {"aws-actions/configure-aws-credentials", "role-to-assume: ${{ vars.AWS_TERRAFORM_PLAN_ROLE_ARN }}",
			"role-to-assume: ${{ vars.AWS_TERRAFORM_APPLY_ROLE_ARN }}", `-backend-config="key=deploy/tf/terraform.tfstate"`,
			`backend[[:space:]]+"s3"`, "TF_VAR_region: ${{ vars.AWS_REGION }}"},
		"gcp": {"google-github-actions/auth", "workload_identity_provider: ${{ vars.GCP_TERRAFORM_WORKLOAD_IDENTITY_PROVIDER }}",
			"service_account: ${{ vars.GCP_TERRAFORM_APPLY_SERVICE_ACCOUNT }}", `-backend-config="prefix=deploy/tf"`,
			"TF_VAR_project_id: ${{ vars.GCP_PROJECT_ID }}"},
		"azure": {"azure/login", "client-id: ${{ vars.AZURE_TERRAFORM_PLAN_CLIENT_ID }}", "ARM_USE_OIDC: \"true\"",
			"ARM_CLIENT_ID: ${{ vars.AZURE_TERRAFORM_APPLY_CLIENT_ID }}", "use_oidc=true",
			"TF_VAR_storage_account_name: ${{ vars.AZURE_STORAGE_ACCOUNT_NAME }}", "TF_VAR_registry_name: ${{ vars.AZURE_REGISTRY_NAME }}"},
	} {
		t.Run(cloud, func(t *testing.T) {
			got, cs := terraformWorkflow(t, map[string]string{"cloud": cloud, "infra_dir": "deploy/tf", "compute": "x", "bucket": "true"}, fstest.MapFS{})
			want = append(want, setup.Uses(), `terraform_version: ">= 1.6"`, "terraform fmt -check", "init -backend=false",
				"terraform validate", "-lock=false", "environment: production", "required reviewers",
				`working-directory: "deploy/tf"`, `- "deploy/tf/**"`, "terraform apply -input=false -no-color tfplan",
				"TF_VAR_github_repository: ${{ github.repository }}")
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("workflow lacks %q:\n%s", w, got)
				}
			}
			// Top-level permissions are read-only; id-token: write only on
			// the plan and apply jobs, never on validate.
			top, jobs, _ := strings.Cut(got, "\njobs:\n")
			if !strings.Contains(top, "permissions:\n  contents: read\n") || strings.Contains(top, "id-token") {
				t.Errorf("top-level permissions:\n%s", top)
			}
			validate, rest, _ := strings.Cut(jobs, "\n  plan:\n")
			if strings.Contains(validate, "id-token") || strings.Count(rest, "id-token: write") != 2 {
				t.Errorf("id-token placement:\n%s", jobs)
			}
			if strings.Contains(got, "github.event.pull_request.title") || strings.Contains(got, "${{ github.event") {
				t.Errorf("event text in the workflow:\n%s", got)
			}
			kittest.InfraGate(t, kit.CICDMode, cs)
		})
	}
}

// TestCIWriteTerraformInputs: only the inputs the root declares are
// required, and apply follows the repository's default branch.
func TestCIWriteTerraformInputs(t *testing.T) {
	got, _ := terraformWorkflow(t, map[string]string{"cloud": "azure"}, fstest.MapFS{
		".git/refs/remotes/origin/HEAD": {Data: []byte("ref: refs/remotes/origin/trunk\n")}})
	for _, bad := range []string{"AZURE_REGISTRY_NAME", "AZURE_STORAGE_ACCOUNT_NAME", "branches: [main]"} {
		if strings.Contains(got, bad) {
			t.Errorf("workflow has %q:\n%s", bad, got)
		}
	}
	if !strings.Contains(got, "branches: [trunk]") || !strings.Contains(got, "github.ref == 'refs/heads/trunk'") ||
		!strings.Contains(got, `TF_VAR_deploy_branch: "trunk"`) {
		t.Errorf("apply does not follow the default branch trunk:\n%s", got)
	}
}

func TestCIWriteTerraformVersionFromRoot(t *testing.T) {
	ws := fstest.MapFS{"infra/versions.tf": {Data: []byte("terraform {\n  required_version = \"~> 1.9.0\"\n}\n")}}
	got, _ := terraformWorkflow(t, map[string]string{"cloud": "aws"}, ws)
	if !strings.Contains(got, `terraform_version: "~> 1.9.0"`) || !strings.Contains(got, "required_version in infra/versions.tf") {
		t.Errorf("the root's own required_version is not used:\n%s", got)
	}
	// A constraint that could break out of the YAML scalar falls back to the table.
	ws = fstest.MapFS{"infra/versions.tf": {Data: []byte("terraform {\n  required_version = \">= 1.6 # x: ${{ y }}\"\n}\n")}}
	got, _ = terraformWorkflow(t, map[string]string{"cloud": "aws"}, ws)
	if !strings.Contains(got, `terraform_version: ">= 1.6"`) {
		t.Errorf("unsafe required_version used:\n%s", got)
	}
}

func TestCIWriteTerraformRefuses(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "api", Language: stack.Go}}}
	for name, c := range map[string]struct {
		params map[string]string
		ws     fstest.MapFS
		want   string
	}{
		"no cloud":   {map[string]string{}, nil, "aws, gcp or azure"},
		"bad cloud":  {map[string]string{"cloud": "oci"}, nil, "aws, gcp or azure"},
		"bad dir":    {map[string]string{"cloud": "aws", "infra_dir": "../x"}, nil, "infra_dir"},
		"spaced dir": {map[string]string{"cloud": "aws", "infra_dir": "in fra"}, nil, "infra_dir"},
		"root dir":   {map[string]string{"cloud": "aws", "infra_dir": "."}, nil, "infra_dir"},
		"bad branch": {map[string]string{"cloud": "aws", "branch": "a b"}, nil, "branch"},
		"exists":     {map[string]string{"cloud": "aws"}, fstest.MapFS{TerraformWorkflowPath: {Data: []byte("name: x\n")}}, "exists"},
	} {
		in := engine.WorkInput{Task: engine.Task{ID: "t", Mode: kit.CICDMode, Params: c.params}, Repo: repo, Workspace: c.ws}
		err := ciWriteTerraform(in, "", change.New("t", kit.CICDMode))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}

// TestCIWriteTerraformNoService: a root with only a bucket, in a
// repository with no detected service, still gets its workflow.
func TestCIWriteTerraformNoService(t *testing.T) {
	in := engine.WorkInput{
		Task: engine.Task{ID: kit.TaskTerraform, Mode: kit.CICDMode, Params: map[string]string{"workflows": "terraform", "cloud": "gcp", "bucket": "true"}},
		Repo: &stack.Repo{}, Workspace: fstest.MapFS{},
	}
	cs, err := Work(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Get(TerraformWorkflowPath) == nil || len(cs.Files) != 1 {
		t.Fatalf("wrote %v", cs.Paths())
	}
	// CI still needs a service.
	in.Task.Params["workflows"] = "ci,terraform"
	if _, err := Work(context.Background(), in); err == nil || !strings.Contains(err.Error(), "no service was detected") {
		t.Errorf("ci without a service: err = %v", err)
	}
}
