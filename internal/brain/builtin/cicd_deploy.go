package builtin

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/pins"
)

// The deploy workflows the CI/CD specialist writes, one per target.
const (
	// DeployWorkflowPath is the App Runner deploy workflow.
	DeployWorkflowPath = ".github/workflows/deploy-apprunner.yml"
	// CloudRunDeployWorkflowPath is the Cloud Run deploy workflow.
	CloudRunDeployWorkflowPath = ".github/workflows/deploy-cloudrun.yml"
	// ContainerAppsDeployWorkflowPath is the Azure Container Apps deploy
	// workflow.
	ContainerAppsDeployWorkflowPath = ".github/workflows/deploy-containerapps.yml"
)

// deployTag is the image tag the cloud service runs: the infra
// templates' image_tag default, which the deploy workflows move to each
// new image.
const deployTag = "production"

// deployTarget is one deploy workflow: its file, template, the actions it
// uses (template key -> action) and the note on what to set.
type deployTarget struct {
	path, tmpl, label string
	actions           map[string]string
	note              string
}

var deployTargets = map[string]deployTarget{
	"apprunner": {path: DeployWorkflowPath, tmpl: "cicd/deploy-apprunner.yml.tmpl", label: "App Runner",
		actions: map[string]string{"AWSCredentials": "aws-actions/configure-aws-credentials"},
		note:    "set the repository variables AWS_REGION, AWS_DEPLOY_ROLE_ARN, ECR_REPOSITORY_URL and APPRUNNER_SERVICE_ARN from the Terraform outputs"},
	"cloudrun": {path: CloudRunDeployWorkflowPath, tmpl: "cicd/deploy-cloudrun.yml.tmpl", label: "Cloud Run",
		actions: map[string]string{"GCPAuth": "google-github-actions/auth"},
		note:    "set the repository variables GCP_PROJECT_ID, GCP_REGION, GCP_WORKLOAD_IDENTITY_PROVIDER, GCP_DEPLOY_SERVICE_ACCOUNT and GCP_IMAGE_REPOSITORY from the Terraform root and its outputs"},
	"containerapps": {path: ContainerAppsDeployWorkflowPath, tmpl: "cicd/deploy-containerapps.yml.tmpl", label: "Container Apps",
		actions: map[string]string{"AzureLogin": "azure/login"},
		note:    "set the repository variables AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP, ACR_LOGIN_SERVER and CONTAINER_APP_NAME from the Terraform outputs; the job has no environment because the federated credential matches the branch"},
}

// deployTargetNames lists the deploy targets for messages.
func deployTargetNames() string {
	var out []string
	for k := range deployTargets {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// ciWriteDeploy writes a deploy workflow: check out, authenticate through
// GitHub OIDC, push the image (commit SHA and the deploy tag) and roll the
// service. Params: deploy (apprunner, cloudrun or containerapps),
// infra_dir (where the Terraform outputs are), branch (default: the repository's default branch, else main). The image
// builds from the task's first service directory.
func ciWriteDeploy(in engine.WorkInput, defaultBranch string, cs *change.ChangeSet) error {
	pr := in.Task.Params
	target, ok := deployTargets[pr["deploy"]]
	if !ok {
		return fmt.Errorf("task %s: params deploy is %q; the built-in CI/CD specialist deploys to %s", in.Task.ID, pr["deploy"], deployTargetNames())
	}
	dir := "."
	switch {
	case len(in.Task.Services) > 0:
		dir = path.Clean(in.Task.Services[0])
	case in.Repo != nil && len(in.Repo.Services) > 0 && in.Repo.Services[0].Dir != "":
		dir = in.Repo.Services[0].Dir
	}
	if !safePath(dir) {
		return fmt.Errorf("task %s: service directory %q has characters a workflow path may not use; rename it", in.Task.ID, dir)
	}
	branch := pr["branch"]
	if branch == "" {
		branch = defaultBranch
	}
	if branch == "" {
		branch = "main"
	}
	if !ciBranchRE.MatchString(branch) {
		return fmt.Errorf("task %s: params branch %q is not a branch name", in.Task.ID, branch)
	}
	infraDir := pr["infra_dir"]
	if infraDir == "" {
		infraDir = "infra"
	}
	if !safePath(infraDir) {
		return fmt.Errorf("task %s: params infra_dir %q is not a plain path", in.Task.ID, infraDir)
	}
	data := map[string]string{"Name": dirLabel(dir), "InfraDir": infraDir, "Branch": branch, "Tag": deployTag}
	ctxJSON, err := json.Marshal(dir) // a JSON string is a valid YAML scalar
	if err != nil {
		return fmt.Errorf("quote the build context %q: %w", dir, err)
	}
	data["Context"] = string(ctxJSON)
	acts := map[string]string{
		"Checkout": "actions/checkout", "Buildx": "docker/setup-buildx-action", "BuildPush": "docker/build-push-action",
	}
	for k, v := range target.actions {
		acts[k] = v
	}
	for key, act := range acts {
		p, err := pins.Action(act)
		if err != nil {
			return fmt.Errorf("the deploy workflow needs %s pinned in internal/pins/actions.yaml: %w", act, err)
		}
		data[key] = p.Uses()
	}
	content, err := render(target.tmpl, data)
	if err != nil {
		return err
	}
	if exists(in.Workspace, target.path) {
		return fmt.Errorf("%s exists: the built-in CI/CD specialist does not replace a deploy workflow; remove or rename it to have it written again", target.path)
	}
	cs.Put(target.path, content, nil, target.note)
	return nil
}
