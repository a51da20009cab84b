package cicd

import (
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

// TestCIWriteDeployECS: the ECS deploy pushes the SHA and production tags,
// forces a new deployment of the service named by the Terraform outputs and
// waits for it, through OIDC only.
func TestCIWriteDeployECS(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "services/api", Language: stack.Go}}}
	in := engine.WorkInput{
		Task:      engine.Task{ID: kit.TaskDeploy, Mode: kit.CICDMode, Params: map[string]string{"deploy": "ecs", "infra_dir": "terraform"}},
		Repo:      repo,
		Workspace: fstest.MapFS{},
	}
	cs := change.New(in.Task.ID, in.Task.Mode)
	if err := CIWriteDeploy(in, "", cs); err != nil {
		t.Fatal(err)
	}
	f := cs.Get(ECSDeployWorkflowPath)
	if f == nil || len(cs.Files) != 1 {
		t.Fatalf("want only %s: %v", ECSDeployWorkflowPath, cs.Paths())
	}
	got := string(f.Content)
	aws, err := pins.Action("aws-actions/configure-aws-credentials")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		aws.Uses(), "id-token: write", "permissions:\n  contents: read\n", `context: "services/api"`, "branches: [main]",
		"Terraform outputs in terraform/", "role-to-assume: ${{ vars.AWS_DEPLOY_ROLE_ARN }}",
		"${{ vars.ECR_REPOSITORY_URL }}:${{ github.sha }}", "${{ vars.ECR_REPOSITORY_URL }}:production",
		"ECS_CLUSTER_NAME: ${{ vars.ECS_CLUSTER_NAME }}", "ECS_SERVICE_NAME: ${{ vars.ECS_SERVICE_NAME }}",
		"#   ECS_CLUSTER_NAME       output ecs_cluster_name", "#   ECS_SERVICE_NAME       output ecs_service_name",
		`aws ecs update-service --cluster "$ECS_CLUSTER_NAME" --service "$ECS_SERVICE_NAME" --force-new-deployment`,
		`aws ecs wait services-stable --cluster "$ECS_CLUSTER_NAME" --services "$ECS_SERVICE_NAME"`,
		"group: deploy-ecs", "cancel-in-progress: false",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("deploy workflow lacks %q:\n%s", want, got)
		}
	}
	for _, bad := range []string{"    environment:", "apprunner", "register-task-definition", "aws-access-key-id"} {
		if strings.Contains(got, bad) {
			t.Errorf("deploy workflow has %q:\n%s", bad, got)
		}
	}
	// The tags come first, the deployment after: ECS resolves the tag when
	// the deployment starts.
	if strings.Index(got, ":production") > strings.Index(got, "aws ecs update-service") {
		t.Errorf("the deployment starts before the production tag moves:\n%s", got)
	}
	kittest.InfraGate(t, kit.CICDMode, cs)

	in.Workspace = fstest.MapFS{ECSDeployWorkflowPath: {Data: []byte("name: x\n")}}
	if err := CIWriteDeploy(in, "", change.New("d", kit.CICDMode)); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("existing workflow: err = %v", err)
	}
}
