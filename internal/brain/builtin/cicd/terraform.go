package cicd

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/pins"
)

// TerraformWorkflowPath is the Terraform workflow the CI/CD specialist
// writes: fmt, validate and plan on pull requests, apply on pushes.
const TerraformWorkflowPath = ".github/workflows/terraform.yml"

// tfVar is one repository variable the Terraform workflow reads, with
// what the user should set it to.
type tfVar struct{ Name, What string }

// tfEnv is one environment entry of a job: Name: Value.
type tfEnv struct{ Name, Value string }

// tfCloud is what the Terraform workflow needs for one cloud: the
// backend it expects, the backend-config flags, the auth step and the
// Terraform input variables taken from repository variables.
type tfCloud struct {
	Label, Backend string
	// AuthAction is the action in internal/pins that assumes a role.
	AuthAction string
	// Common are the repository variables both credentialed jobs read.
	Common []tfVar
	// Plan and Apply are the identity variables of each job.
	Plan, Apply []tfVar
	// TFVars maps a root input variable to the repository variable that
	// sets it; optional ones are only set when the root declares them.
	TFVars [][2]string
}

var tfClouds = map[string]tfCloud{
	"aws": {Label: "AWS", Backend: "s3", AuthAction: "aws-actions/configure-aws-credentials",
		Common: []tfVar{
			{"AWS_REGION", "the region variable of the root"},
			{"TF_STATE_BUCKET", "an S3 bucket you own for the state (versioned, private)"},
		},
		Plan:   []tfVar{{"AWS_TERRAFORM_PLAN_ROLE_ARN", "a read-only role trusting repo:<owner>/<repo>:pull_request"}},
		Apply:  []tfVar{{"AWS_TERRAFORM_APPLY_ROLE_ARN", "the role that applies, trusting repo:<owner>/<repo>:environment:production"}},
		TFVars: [][2]string{{"region", "AWS_REGION"}},
	},
	"gcp": {Label: "Google Cloud", Backend: "gcs", AuthAction: "google-github-actions/auth",
		Common: []tfVar{
			{"GCP_PROJECT_ID", "the project_id variable of the root"},
			{"GCP_REGION", "the region variable of the root"},
			{"TF_STATE_BUCKET", "a Cloud Storage bucket you own for the state (versioned)"},
			{"GCP_TERRAFORM_WORKLOAD_IDENTITY_PROVIDER", "a Workload Identity provider for this repository's pull requests and its production environment"},
		},
		Plan:   []tfVar{{"GCP_TERRAFORM_PLAN_SERVICE_ACCOUNT", "a read-only service account (roles/viewer) the provider may impersonate"}},
		Apply:  []tfVar{{"GCP_TERRAFORM_APPLY_SERVICE_ACCOUNT", "the service account that applies"}},
		TFVars: [][2]string{{"project_id", "GCP_PROJECT_ID"}, {"region", "GCP_REGION"}},
	},
	"azure": {Label: "Azure", Backend: "azurerm", AuthAction: "azure/login",
		Common: []tfVar{
			{"AZURE_TENANT_ID", "the Entra ID tenant"},
			{"AZURE_SUBSCRIPTION_ID", "the subscription the root deploys to"},
			{"AZURE_LOCATION", "the location variable of the root"},
			{"TF_STATE_RESOURCE_GROUP", "the resource group of the state storage account"},
			{"TF_STATE_STORAGE_ACCOUNT", "a storage account you own for the state"},
			{"TF_STATE_CONTAINER", "its blob container for the state"},
		},
		Plan:   []tfVar{{"AZURE_TERRAFORM_PLAN_CLIENT_ID", "a Reader identity with a federated credential for repo:<owner>/<repo>:pull_request"}},
		Apply:  []tfVar{{"AZURE_TERRAFORM_APPLY_CLIENT_ID", "the identity that applies, federated for repo:<owner>/<repo>:environment:production"}},
		TFVars: [][2]string{{"location", "AZURE_LOCATION"}},
	},
}

// tfJob is one credentialed job of the Terraform workflow.
type tfJob struct {
	Job   string // plan or apply
	Env   []tfEnv
	Vars  string // space-separated names the job checks are set
	Ident string // the identity repository variable
}

// tfWorkflow is the data of templates/cicd/terraform.yml.tmpl.
type tfWorkflow struct {
	Cloud, Label, Backend, Dir, DirQ, Branch, StateKey string
	TFVersion, TFVersionFrom                           string
	Vars                                               []tfVar
	Jobs                                               []tfJob
	Checkout, SetupTerraform, Auth                     string
}

var reRequiredVersion = regexp.MustCompile(`(?m)^\s*required_version\s*=\s*"([^"\n]{1,40})"`)
var reConstraint = regexp.MustCompile(`^[0-9A-Za-z.,<>=~! -]+$`)

// ciWriteTerraform writes the Terraform workflow. Params: cloud (aws,
// gcp, azure), infra_dir (default infra), compute and bucket (set when
// the root has them: the Azure registry and storage names are inputs), branch (default
// main).
func ciWriteTerraform(in engine.WorkInput, defaultBranch string, cs *change.ChangeSet) error {
	pr := in.Task.Params
	cl, ok := tfClouds[pr["cloud"]]
	if !ok {
		return fmt.Errorf("task %s: params cloud is %q; the Terraform workflow is written for aws, gcp or azure", in.Task.ID, pr["cloud"])
	}
	dir := pr["infra_dir"]
	if dir == "" {
		dir = "infra"
	}
	if !kit.SafePath(dir) || strings.Contains(dir, "..") || strings.HasPrefix(dir, "/") || dir == "." {
		return fmt.Errorf("task %s: params infra_dir %q is not a plain relative directory; name the Terraform root's directory", in.Task.ID, dir)
	}
	branch := pr["branch"]
	if branch == "" {
		branch = defaultBranch
	}
	if branch == "" {
		branch = "main"
	}
	if !CIBranchRE.MatchString(branch) || strings.Contains(branch, "..") {
		return fmt.Errorf("task %s: params branch %q is not a branch name", in.Task.ID, branch)
	}
	if kit.Exists(in.Workspace, TerraformWorkflowPath) {
		return fmt.Errorf("%s exists: the built-in CI/CD specialist does not replace a Terraform workflow; remove or rename it to have it written again", TerraformWorkflowPath)
	}
	version, from := tfVersionFor(in.Workspace, dir)
	branchQ, err := json.Marshal(branch)
	if err != nil {
		return fmt.Errorf("quote the branch %q: %w", branch, err)
	}
	dirQ, err := json.Marshal(dir) // a JSON string is a valid YAML scalar
	if err != nil {
		return fmt.Errorf("quote the infra directory %q: %w", dir, err)
	}
	tfvars := append([][2]string{}, cl.TFVars...)
	cl.Common = append([]tfVar{}, cl.Common...) // the table is shared
	if pr["cloud"] == "azure" && pr["compute"] != "" {
		cl.Common = append(cl.Common, tfVar{"AZURE_REGISTRY_NAME", "the registry_name variable of the root"})
		tfvars = append(tfvars, [2]string{"registry_name", "AZURE_REGISTRY_NAME"})
	}
	if pr["cloud"] == "azure" && pr["bucket"] == "true" {
		cl.Common = append(cl.Common, tfVar{"AZURE_STORAGE_ACCOUNT_NAME", "the storage_account_name variable of the root"})
		tfvars = append(tfvars, [2]string{"storage_account_name", "AZURE_STORAGE_ACCOUNT_NAME"})
	}
	data := tfWorkflow{
		Cloud: pr["cloud"], Label: cl.Label, Backend: cl.Backend, Dir: dir, DirQ: string(dirQ), Branch: branch,
		StateKey: dir + "/terraform.tfstate", TFVersion: version, TFVersionFrom: from,
		Vars: append(append(append([]tfVar{}, cl.Common...), cl.Plan...), cl.Apply...),
	}
	job := func(name string, ident []tfVar) tfJob {
		j := tfJob{Job: name, Ident: ident[0].Name}
		var names []string
		for _, v := range append(append([]tfVar{}, cl.Common...), ident...) {
			j.Env = append(j.Env, tfEnv{v.Name, "${{ vars." + v.Name + " }}"})
			names = append(names, v.Name)
		}
		for _, tv := range tfvars {
			j.Env = append(j.Env, tfEnv{"TF_VAR_" + tv[0], "${{ vars." + tv[1] + " }}"})
		}
		j.Env = append(j.Env, tfEnv{"TF_VAR_github_repository", "${{ github.repository }}"}, tfEnv{"TF_VAR_deploy_branch", string(branchQ)})
		if pr["cloud"] == "azure" {
			j.Env = append(j.Env, tfEnv{"ARM_USE_OIDC", `"true"`}, tfEnv{"ARM_CLIENT_ID", "${{ vars." + ident[0].Name + " }}"},
				tfEnv{"ARM_TENANT_ID", "${{ vars.AZURE_TENANT_ID }}"}, tfEnv{"ARM_SUBSCRIPTION_ID", "${{ vars.AZURE_SUBSCRIPTION_ID }}"})
		}
		j.Vars = strings.Join(names, " ")
		return j
	}
	data.Jobs = []tfJob{job("plan", cl.Plan), job("apply", cl.Apply)}
	for key, act := range map[string]string{"Checkout": "actions/checkout", "SetupTerraform": "hashicorp/setup-terraform", "Auth": cl.AuthAction} {
		p, err := pins.Action(act)
		if err != nil {
			return fmt.Errorf("the Terraform workflow needs %s pinned in internal/pins/actions.yaml: %w", act, err)
		}
		switch key {
		case "Checkout":
			data.Checkout = p.Uses()
		case "SetupTerraform":
			data.SetupTerraform = p.Uses()
		default:
			data.Auth = p.Uses()
		}
	}
	content, err := templates.Render("terraform.yml.tmpl", data)
	if err != nil {
		return err
	}
	cs.Put(TerraformWorkflowPath, content, nil, fmt.Sprintf(
		"fmt, validate and plan %s/ on pull requests, apply on pushes to %s in the production environment (add required reviewers to it); Terraform %s from %s; the root needs a partial backend \"%s\" {} block before plan and apply run; set the repository variables listed at the top of the file",
		dir, branch, version, from, cl.Backend))
	return nil
}

// tfVersionFor returns the Terraform version constraint for the root in
// dir: its own required_version when the root exists in the workspace,
// else the constraint of devops-lead's version table, with where it came
// from.
func tfVersionFor(ws fs.FS, dir string) (string, string) {
	if ws != nil {
		if entries, err := fs.ReadDir(ws, dir); err == nil {
			for _, e := range entries {
				if e.IsDir() || !strings.HasSuffix(e.Name(), ".tf") {
					continue
				}
				b, err := fs.ReadFile(ws, dir+"/"+e.Name())
				if err != nil || len(b) > 1<<20 {
					continue
				}
				if m := reRequiredVersion.FindSubmatch(b); m != nil && reConstraint.Match(m[1]) {
					return string(m[1]), "required_version in " + dir + "/" + e.Name()
				}
			}
		}
	}
	return kit.TFVersions["terraform"].Constraint, "devops-lead's Terraform version table (internal/brain/builtin/kit/tfversions.go), the root's required_version"
}
