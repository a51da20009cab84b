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

func TestCIWriteDeploy(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "services/api", Language: stack.Go}}}
	in := engine.WorkInput{
		Task:      engine.Task{ID: kit.TaskDeploy, Mode: kit.CICDMode, Params: map[string]string{"deploy": "apprunner", "infra_dir": "terraform"}},
		Repo:      repo,
		Workspace: fstest.MapFS{},
	}
	cs := change.New(in.Task.ID, in.Task.Mode)
	if err := CIWriteDeploy(in, "", cs); err != nil {
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
		"Terraform outputs in terraform/", "aws apprunner start-deployment", "}}:production", "The job names no environment"} {
		if !strings.Contains(got, want) {
			t.Errorf("deploy workflow lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "    environment:") {
		// The root's deploy role trusts the branch subject, which a job in
		// an environment does not carry.
		t.Errorf("the App Runner job runs in an environment:\n%s", got)
	}
	kittest.InfraGate(t, kit.CICDMode, cs)

	// It never replaces an existing deploy workflow, and checks its params.
	in.Workspace = fstest.MapFS{DeployWorkflowPath: {Data: []byte("name: x\n")}}
	if err := CIWriteDeploy(in, "", change.New("d", kit.CICDMode)); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("existing workflow: err = %v", err)
	}
	in.Workspace = fstest.MapFS{}
	for k, v := range map[string]string{"deploy": "lambda", "branch": "a b", "infra_dir": "in fra"} {
		bad := in
		bad.Task.Params = map[string]string{"deploy": "apprunner", k: v}
		if err := CIWriteDeploy(bad, "", change.New("d", kit.CICDMode)); err == nil {
			t.Errorf("%s=%q: no error", k, v)
		}
	}
}

func TestCIWriteDeployClouds(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "services/api", Language: stack.Go}}}
	for target, c := range map[string]struct {
		path, action string
		want         []string
		env          bool
	}{
		"cloudrun": {CloudRunDeployWorkflowPath, "google-github-actions/auth", []string{
			"workload_identity_provider: ${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}", "service_account: ${{ vars.GCP_DEPLOY_SERVICE_ACCOUNT }}",
			`gcloud run deploy "${GCP_IMAGE_REPOSITORY##*/}" --image "${GCP_IMAGE_REPOSITORY}:${GITHUB_SHA}"`, "${{ vars.GCP_IMAGE_REPOSITORY }}:production", "${{ vars.GCP_IMAGE_REPOSITORY }}:${{ github.sha }}",
			`gcloud auth configure-docker "${GCP_REGION}-docker.pkg.dev"`}, true},
		"containerapps": {ContainerAppsDeployWorkflowPath, "azure/login", []string{
			"client-id: ${{ vars.AZURE_CLIENT_ID }}", "tenant-id: ${{ vars.AZURE_TENANT_ID }}", "subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}",
			"${{ vars.ACR_LOGIN_SERVER }}/${{ vars.CONTAINER_APP_NAME }}:production",
			`--image "${ACR_LOGIN_SERVER}/${CONTAINER_APP_NAME}:${GITHUB_SHA}"`, "/${{ vars.CONTAINER_APP_NAME }}:${{ github.sha }}"}, false},
	} {
		t.Run(target, func(t *testing.T) {
			in := engine.WorkInput{
				Task: engine.Task{ID: kit.TaskDeploy, Mode: kit.CICDMode, Params: map[string]string{
					"workflows": "deploy", "deploy": target, "infra_dir": "terraform"}},
				Repo: repo, Workspace: fstest.MapFS{},
			}
			cs, err := Work(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			f := cs.Get(c.path)
			if f == nil || len(cs.Files) != 1 {
				t.Fatalf("want only %s: %v", c.path, cs.Paths())
			}
			got := string(f.Content)
			auth, err := pins.Action(c.action)
			if err != nil {
				t.Fatal(err)
			}
			want := append(c.want, auth.Uses(), "id-token: write", `context: "services/api"`, "branches: [main]",
				"in terraform/", "permissions:\n  contents: read\n")
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("deploy workflow lacks %q:\n%s", w, got)
				}
			}
			if has := strings.Contains(got, "    environment: production"); has != c.env {
				t.Errorf("environment on the job = %v, want %v", has, c.env)
			}
			kittest.InfraGate(t, kit.CICDMode, cs)

			in.Workspace = fstest.MapFS{c.path: {Data: []byte("name: x\n")}}
			if err := CIWriteDeploy(in, "", change.New("d", kit.CICDMode)); err == nil || !strings.Contains(err.Error(), "exists") {
				t.Errorf("existing workflow: err = %v", err)
			}
			in.Workspace = fstest.MapFS{}
			in.Task.Params = map[string]string{"deploy": target, "infra_dir": "in fra"}
			if err := CIWriteDeploy(in, "", change.New("d", kit.CICDMode)); err == nil || !strings.Contains(err.Error(), "infra_dir") {
				t.Errorf("bad infra_dir: err = %v", err)
			}
		})
	}
}
