package builtin

import (
	"encoding/json"
	"fmt"
	"path"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/pins"
)

// DeployWorkflowPath is the deploy workflow the CI/CD specialist writes
// for App Runner.
const DeployWorkflowPath = ".github/workflows/deploy-apprunner.yml"

// deployTag is the ECR tag App Runner runs: the infra template's
// image_tag default, which the deploy workflow moves to each new image.
const deployTag = "production"

// ciWriteDeploy writes the App Runner deploy workflow: check out, assume
// the OIDC deploy role, push the image (commit SHA and the deploy tag)
// and start a deployment. Params: deploy=apprunner, infra_dir (where the
// Terraform outputs are), branch (default main). The image builds from
// the task's first service directory.
func ciWriteDeploy(in engine.WorkInput, cs *change.ChangeSet) error {
	pr := in.Task.Params
	if d := pr["deploy"]; d != "apprunner" {
		return fmt.Errorf("task %s: params deploy is %q; the built-in CI/CD specialist deploys to apprunner only", in.Task.ID, d)
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
	for key, act := range map[string]string{
		"Checkout": "actions/checkout", "AWSCredentials": "aws-actions/configure-aws-credentials",
		"Buildx": "docker/setup-buildx-action", "BuildPush": "docker/build-push-action",
	} {
		p, err := pins.Action(act)
		if err != nil {
			return fmt.Errorf("the deploy workflow needs %s pinned in internal/pins/actions.yaml: %w", act, err)
		}
		data[key] = p.Uses()
	}
	content, err := render("cicd/deploy-apprunner.yml.tmpl", data)
	if err != nil {
		return err
	}
	if exists(in.Workspace, DeployWorkflowPath) {
		return fmt.Errorf("%s exists: the built-in CI/CD specialist does not replace a deploy workflow; remove or rename it to have it written again", DeployWorkflowPath)
	}
	cs.Put(DeployWorkflowPath, content, nil, "set the repository variables AWS_REGION, AWS_DEPLOY_ROLE_ARN, ECR_REPOSITORY_URL and APPRUNNER_SERVICE_ARN from the Terraform outputs")
	return nil
}
