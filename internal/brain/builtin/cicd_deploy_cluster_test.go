package builtin

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/pins"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// clusterDeploy runs the CI/CD specialist's cluster deploy for compute.
func clusterDeploy(t *testing.T, compute string, params map[string]string, repo *stack.Repo) (*change.ChangeSet, error) {
	t.Helper()
	p := map[string]string{"workflows": "deploy", "deploy": compute, "infra_dir": "infra"}
	for k, v := range params {
		p[k] = v
	}
	in := engine.WorkInput{
		Issue:     engine.Issue{Title: "run it on a cluster", URL: "https://github.com/acme/shop/issues/7"},
		Task:      engine.Task{ID: TaskDeploy, Mode: CICDMode, Params: p},
		Repo:      repo,
		Workspace: fstest.MapFS{},
	}
	return cicd(context.Background(), in)
}

func TestCIWriteDeployClusters(t *testing.T) {
	one := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "", Language: stack.Go}}}
	two := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "services/api", Language: stack.Go}, {Name: "web", Dir: "services/web", Language: stack.Node}}}
	for _, tc := range []struct {
		name, compute, path string
		params              map[string]string
		repo                *stack.Repo
		actions             []string
		want                []string
	}{
		{name: "eks", compute: "eks", path: EKSDeployWorkflowPath, repo: one,
			actions: []string{"aws-actions/configure-aws-credentials"},
			want: []string{`aws eks update-kubeconfig --name "$EKS_CLUSTER_NAME" --region "$AWS_REGION"`,
				"IMAGE: ${{ vars.ECR_REPOSITORY_URL }}:${{ github.sha }}", "for f in k8s/api/*.yaml",
				`sed "s|image: ghcr.io/acme/shop:IMAGE_TAG|image: ${IMAGE}|"`,
				"kubectl rollout status deployment/api --namespace default", "#   EKS_CLUSTER_NAME                output eks_cluster_name"}},
		{name: "gke kustomize", compute: "gke", path: GKEDeployWorkflowPath, repo: one,
			params:  map[string]string{"kustomize": "true", "k8s_namespace": "production"},
			actions: []string{"google-github-actions/auth", "google-github-actions/get-gke-credentials"},
			want: []string{"cluster_name: ${{ vars.GKE_CLUSTER_NAME }}", "location: ${{ vars.GKE_LOCATION }}",
				"kubectl kustomize k8s/overlays/production", "IMAGE: ${{ vars.GCP_IMAGE_REPOSITORY }}:${{ github.sha }}",
				"kubectl apply --namespace production", "deployment/api --namespace production"}},
		{name: "aks two services in deploy/", compute: "aks", path: AKSDeployWorkflowPath, repo: two,
			params:  map[string]string{"k8s_dir": "deploy"},
			actions: []string{"azure/login", "azure/use-kubelogin"},
			want: []string{"kubelogin convert-kubeconfig -l azurecli", `az aks get-credentials --resource-group "$AZURE_RESOURCE_GROUP" --name "$AKS_CLUSTER_NAME"`,
				"IMAGE: ${{ vars.ACR_LOGIN_SERVER }}/api:${{ github.sha }}", "for f in deploy/api/*.yaml",
				`image: ghcr.io/acme/shop/api:IMAGE_TAG|`, `context: "services/api"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := clusterDeploy(t, tc.compute, tc.params, tc.repo)
			if err != nil {
				t.Fatal(err)
			}
			f := cs.Get(tc.path)
			if f == nil || len(cs.Files) != 1 {
				t.Fatalf("want only %s: %v", tc.path, cs.Paths())
			}
			got := string(f.Content)
			for _, a := range tc.actions {
				p, err := pins.Action(a)
				if err != nil {
					t.Fatal(err)
				}
				tc.want = append(tc.want, p.Uses())
			}
			for _, w := range append(tc.want, "id-token: write", "permissions:\n  contents: read\n", "branches: [main]") {
				if !strings.Contains(got, w) {
					t.Errorf("workflow lacks %q:\n%s", w, got)
				}
			}
			if strings.Contains(got, "<no value>") || strings.Contains(got, "{{name}}") {
				t.Errorf("template left unrendered parts:\n%s", got)
			}
			infraGate(t, CICDMode, cs)
		})
	}

	for _, bad := range []struct {
		params map[string]string
		repo   *stack.Repo
		want   string
	}{
		{map[string]string{"k8s_dir": "manifests"}, one, "k8s_dir"},
		{map[string]string{"k8s_namespace": "Prod_1"}, one, "k8s_namespace"},
		{nil, &stack.Repo{}, "no service"},
	} {
		if _, err := clusterDeploy(t, "eks", bad.params, bad.repo); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("params %v: err = %v, want one naming %s", bad.params, err, bad.want)
		}
	}
}

// TestCIWriteDeployClusterRender runs the workflow's render step over the
// manifests the Kubernetes specialist writes for the same service: the
// image reference must be found and replaced, so a deploy never applies
// the IMAGE_TAG placeholder.
func TestCIWriteDeployClusterRender(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	repo := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "services/api", Language: stack.Go, Port: 8080},
		{Name: "web", Dir: "services/web", Language: stack.Node, Port: 3000}}}
	in := engine.WorkInput{
		Issue:     engine.Issue{Title: "run it on EKS", URL: "https://github.com/acme/shop/issues/7"},
		Task:      engine.Task{ID: TaskK8s, Mode: KubernetesMode, Params: map[string]string{"dir": "k8s"}},
		Repo:      repo,
		Workspace: fstest.MapFS{},
	}
	manifests, err := New().Work(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range []string{"api", "web"} {
		t.Run(svc, func(t *testing.T) {
			cs, err := clusterDeploy(t, "eks", map[string]string{}, repo)
			if svc == "web" {
				in := engine.WorkInput{
					Issue: engine.Issue{URL: "https://github.com/acme/shop/issues/7"},
					Task: engine.Task{ID: TaskDeploy, Mode: CICDMode, Services: []string{"services/web"},
						Params: map[string]string{"workflows": "deploy", "deploy": "eks"}},
					Repo: repo, Workspace: fstest.MapFS{},
				}
				cs, err = cicd(context.Background(), in)
			}
			if err != nil {
				t.Fatal(err)
			}
			script := workflowStep(t, cs.Get(EKSDeployWorkflowPath).Content, "Render the manifests with the new image")
			dir := t.TempDir()
			for _, f := range manifests.Files {
				p := filepath.Join(dir, filepath.FromSlash(f.Path))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, f.Content, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			tmp := t.TempDir()
			image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:0123abc"
			cmd := exec.Command(bash, "-c", script)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "RUNNER_TEMP="+tmp, "IMAGE="+image)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("render step failed: %v\n%s\nscript:\n%s", err, out, script)
			}
			out, err := os.ReadFile(filepath.Join(tmp, "manifests.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			text := string(out)
			if !strings.Contains(text, "image: "+image) || !strings.Contains(text, "name: "+svc) {
				t.Errorf("rendered manifests lack the new image for %s:\n%s", svc, text)
			}
			if strings.Contains(text, "IMAGE_TAG\n") {
				t.Errorf("rendered manifests still name IMAGE_TAG:\n%s", text)
			}
			var docs int
			dec := yaml.NewDecoder(strings.NewReader(text))
			for {
				var v any
				if err := dec.Decode(&v); err != nil {
					break
				}
				if v != nil {
					docs++
				}
			}
			if docs < 3 {
				t.Errorf("rendered %d YAML documents, want the service's ServiceAccount, Deployment and Service", docs)
			}

			// Manifests that do not name the image fail the step, not the cluster.
			if err := os.WriteFile(filepath.Join(dir, "k8s", svc, "deployment.yaml"), []byte("kind: Deployment\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd = exec.Command(bash, "-c", script)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "RUNNER_TEMP="+tmp, "IMAGE="+image)
			if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "::error::") {
				t.Errorf("render without the image: err = %v, output %s", err, out)
			}
		})
	}
}

// workflowStep returns the run: script of the named step.
func workflowStep(t *testing.T, content []byte, name string) string {
	t.Helper()
	var wf struct {
		Jobs map[string]struct {
			Steps []struct{ Name, Run string }
		}
	}
	if err := yaml.Unmarshal(content, &wf); err != nil {
		t.Fatal(err)
	}
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			if s.Name == name {
				return s.Run
			}
		}
	}
	t.Fatalf("no step %q in:\n%s", name, content)
	return ""
}

// TestCIWriteDeployAKSWorkloadIdentity: with AKS workload identity the
// Kubernetes specialist labels the pods and annotates the ServiceAccount
// with a placeholder, and the deploy's render step puts the app
// identity's client id there, or stops when the variable is unset.
func TestCIWriteDeployAKSWorkloadIdentity(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	repo := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "", Language: stack.Go, Port: 8080}}}
	k8s := engine.WorkInput{
		Issue:     engine.Issue{URL: "https://github.com/acme/shop/issues/7"},
		Task:      engine.Task{ID: TaskK8s, Mode: KubernetesMode, Params: map[string]string{"workload_identity": "azure"}},
		Repo:      repo,
		Workspace: fstest.MapFS{},
	}
	manifests, err := New().Work(context.Background(), k8s)
	if err != nil {
		t.Fatal(err)
	}
	infraGate(t, KubernetesMode, manifests)
	dep := manifests.Get("k8s/api/deployment.yaml")
	if dep == nil || !strings.Contains(string(dep.Content), `azure.workload.identity/use: "true"`) {
		t.Fatalf("the pods lack the workload identity label: %v", manifests.Paths())
	}
	cs, err := clusterDeploy(t, "aks", map[string]string{"workload_identity": "azure"}, repo)
	if err != nil {
		t.Fatal(err)
	}
	infraGate(t, CICDMode, cs)
	wf := cs.Get(AKSDeployWorkflowPath).Content
	if !strings.Contains(string(wf), "AZURE_APP_CLIENT_ID: ${{ vars.AZURE_APP_CLIENT_ID }}") {
		t.Errorf("the workflow does not read AZURE_APP_CLIENT_ID:\n%s", wf)
	}
	script := workflowStep(t, wf, "Render the manifests with the new image")
	dir := t.TempDir()
	for _, f := range manifests.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run := func(clientID string) (string, error) {
		tmp := t.TempDir()
		cmd := exec.Command(bash, "-c", script)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "RUNNER_TEMP="+tmp, "IMAGE=shop.azurecr.io/api:abc", "AZURE_APP_CLIENT_ID="+clientID)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return string(out), err
		}
		b, err := os.ReadFile(filepath.Join(tmp, "manifests.yaml"))
		return string(b), err
	}
	got, err := run("11111111-2222-3333-4444-555555555555")
	if err != nil {
		t.Fatalf("render: %v\n%s", err, got)
	}
	if !strings.Contains(got, "azure.workload.identity/client-id: 11111111-2222-3333-4444-555555555555") || strings.Contains(got, "client-id: "+AzureClientIDPlaceholder) {
		t.Errorf("the client id was not filled in:\n%s", got)
	}
	if out, err := run(""); err == nil || !strings.Contains(out, "AZURE_APP_CLIENT_ID") {
		t.Errorf("no client id: err = %v, output %s", err, out)
	}
	if _, err := clusterDeploy(t, "eks", map[string]string{"workload_identity": "azure"}, repo); err == nil {
		t.Error("workload_identity=azure on eks: no error")
	}
}
