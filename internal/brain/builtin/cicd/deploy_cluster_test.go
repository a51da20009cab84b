package cicd

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/pins"
	"github.com/devops-lead/devops-lead/internal/stack"
	"gopkg.in/yaml.v3"
	appsv1 "k8s.io/api/apps/v1"
	sigsyaml "sigs.k8s.io/yaml"
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
		Task:      engine.Task{ID: kit.TaskDeploy, Mode: kit.CICDMode, Params: p},
		Repo:      repo,
		Workspace: fstest.MapFS{},
	}
	return Work(context.Background(), in)
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
			kittest.InfraGate(t, kit.CICDMode, cs)
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
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	repo := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "services/api", Language: stack.Go, Port: 8080},
		{Name: "web", Dir: "services/web", Language: stack.Node, Port: 3000}}}
	in := engine.WorkInput{
		Issue:     engine.Issue{Title: "run it on EKS", URL: "https://github.com/acme/shop/issues/7"},
		Task:      engine.Task{ID: kit.TaskK8s, Mode: kit.KubernetesMode, Params: map[string]string{"dir": "k8s"}},
		Repo:      repo,
		Workspace: fstest.MapFS{},
	}
	manifests, err := kittest.New().Work(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range []string{"api", "web"} {
		t.Run(svc, func(t *testing.T) {
			cs, err := clusterDeploy(t, "eks", map[string]string{}, repo)
			if svc == "web" {
				in := engine.WorkInput{
					Issue: engine.Issue{URL: "https://github.com/acme/shop/issues/7"},
					Task: engine.Task{ID: kit.TaskDeploy, Mode: kit.CICDMode, Services: []string{"services/web"},
						Params: map[string]string{"workflows": "deploy", "deploy": "eks"}},
					Repo: repo, Workspace: fstest.MapFS{},
				}
				cs, err = Work(context.Background(), in)
			}
			if err != nil {
				t.Fatal(err)
			}
			script := workflowStep(t, cs.Get(EKSDeployWorkflowPath).Content, "Render the manifests with the new image")
			files := csFiles(manifests)
			image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:0123abc"
			text, err := runRender(t, script, files, "IMAGE="+image)
			if err != nil {
				t.Fatalf("render step failed: %v\n%s\nscript:\n%s", err, text, script)
			}
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
			files["k8s/"+svc+"/deployment.yaml"] = "kind: Deployment\n"
			if out, err := runRender(t, script, files, "IMAGE="+image); err == nil || !strings.Contains(out, "::error::") {
				t.Errorf("render without the image: err = %v, output %s", err, out)
			}
		})
	}
}

// k8sManifests runs the Kubernetes specialist with params for repo (an
// issue of acme/shop) and requires its files to pass the gate.
func k8sManifests(t *testing.T, repo *stack.Repo, params map[string]string) *change.ChangeSet {
	t.Helper()
	in := engine.WorkInput{
		Issue:     engine.Issue{URL: "https://github.com/acme/shop/issues/7"},
		Task:      engine.Task{ID: kit.TaskK8s, Mode: kit.KubernetesMode, Params: params},
		Repo:      repo,
		Workspace: fstest.MapFS{},
	}
	cs, err := kittest.New().Work(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	kittest.InfraGate(t, kit.KubernetesMode, cs)
	return cs
}

// csFiles is a ChangeSet's files by path.
func csFiles(cs *change.ChangeSet) map[string]string {
	out := map[string]string{}
	for _, f := range cs.Files {
		out[f.Path] = string(f.Content)
	}
	return out
}

// runRender writes files into a fresh directory and runs a workflow's
// render step there with bash, RUNNER_TEMP and env set: it returns the
// rendered manifests, or the step's output and its error.
func runRender(t *testing.T, script string, files map[string]string, env ...string) (string, error) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	dir, tmp := t.TempDir(), t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bash, "-c", script)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "RUNNER_TEMP="+tmp), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), err
	}
	b, err := os.ReadFile(filepath.Join(tmp, "manifests.yaml"))
	return string(b), err
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
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	repo := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "", Language: stack.Go, Port: 8080}}}
	manifests := k8sManifests(t, repo, map[string]string{"workload_identity": "azure"})
	dep := manifests.Get("k8s/api/deployment.yaml")
	if dep == nil || !strings.Contains(string(dep.Content), `azure.workload.identity/use: "true"`) {
		t.Fatalf("the pods lack the workload identity label: %v", manifests.Paths())
	}
	cs, err := clusterDeploy(t, "aks", map[string]string{"workload_identity": "azure"}, repo)
	if err != nil {
		t.Fatal(err)
	}
	kittest.InfraGate(t, kit.CICDMode, cs)
	wf := cs.Get(AKSDeployWorkflowPath).Content
	if !strings.Contains(string(wf), "AZURE_APP_CLIENT_ID: ${{ vars.AZURE_APP_CLIENT_ID }}") {
		t.Errorf("the workflow does not read AZURE_APP_CLIENT_ID:\n%s", wf)
	}
	script := workflowStep(t, wf, "Render the manifests with the new image")
	run := func(clientID string) (string, error) {
		return runRender(t, script, csFiles(manifests), "IMAGE=shop.azurecr.io/api:abc", "AZURE_APP_CLIENT_ID="+clientID)
	}
	got, err := run("11111111-2222-3333-4444-555555555555")
	if err != nil {
		t.Fatalf("render: %v\n%s", err, got)
	}
	if !strings.Contains(got, "azure.workload.identity/client-id: 11111111-2222-3333-4444-555555555555") || strings.Contains(got, "client-id: "+kit.AzureClientIDPlaceholder) {
		t.Errorf("the client id was not filled in:\n%s", got)
	}
	if out, err := run(""); err == nil || !strings.Contains(out, "AZURE_APP_CLIENT_ID") {
		t.Errorf("no client id: err = %v, output %s", err, out)
	}
	if _, err := clusterDeploy(t, "eks", map[string]string{"workload_identity": "azure"}, repo); err == nil {
		t.Error("workload_identity=azure on eks: no error")
	}
}

// TestCIWriteDeployGKECloudSQLProxy: with the Cloud SQL Auth Proxy the
// Kubernetes specialist writes placeholders for the instance, the login
// service account, the database user and the database name, and the GKE
// deploy's render step fills them in from repository variables (as the
// manifests are written, and unquoted as kustomize prints them), or stops
// naming the variable that is unset or malformed.
func TestCIWriteDeployGKECloudSQLProxy(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	repo := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "", Language: stack.Python, Port: 8000}}}
	manifests := k8sManifests(t, repo, map[string]string{"cloudsql_proxy": "true"})
	cs, err := clusterDeploy(t, "gke", map[string]string{"cloudsql_proxy": "true"}, repo)
	if err != nil {
		t.Fatal(err)
	}
	kittest.InfraGate(t, kit.CICDMode, cs)
	f := cs.Get(GKEDeployWorkflowPath)
	wf := string(f.Content)
	for _, v := range []string{kit.GCPDBConnectionNamePlaceholder, kit.GCPDBServiceAccountPlaceholder, kit.GCPDBUserPlaceholder, kit.GCPDBNamePlaceholder} {
		if !strings.Contains(wf, v+": ${{ vars."+v+" }}") || !strings.Contains(f.Note, v) {
			t.Errorf("the workflow or its note does not read %s:\n%s\nnote: %s", v, wf, f.Note)
		}
	}
	for _, w := range []string{"#   GCP_DB_CONNECTION_NAME          output db_connection_name", "#   GCP_DB_SERVICE_ACCOUNT          output db_service_account",
		"#   GCP_DB_USER                     output db_user", "#   GCP_DB_NAME                     output db_name"} {
		if !strings.Contains(wf, w) {
			t.Errorf("the header lacks %q:\n%s", w, wf)
		}
	}
	script := workflowStep(t, f.Content, "Render the manifests with the new image")
	good := map[string]string{
		"GCP_DB_CONNECTION_NAME": "shop-prod:europe-west1:shop",
		"GCP_DB_SERVICE_ACCOUNT": "shop-db@shop-prod.iam.gserviceaccount.com",
		"GCP_DB_USER":            "shop-db@shop-prod.iam",
		"GCP_DB_NAME":            "app",
	}
	const image = "europe-west1-docker.pkg.dev/shop-prod/shop/shop:0123abc"
	run := func(files map[string]string, vars map[string]string) (string, error) {
		env := []string{"IMAGE=" + image}
		for k, v := range vars {
			env = append(env, k+"="+v)
		}
		return runRender(t, script, files, env...)
	}
	written := map[string]string{}
	unquoted := map[string]string{} // as kubectl kustomize prints the placeholders
	for _, f := range manifests.Files {
		written[f.Path] = string(f.Content)
		u := string(f.Content)
		for _, ph := range []string{kit.GCPDBConnectionNamePlaceholder, kit.GCPDBUserPlaceholder, kit.GCPDBNamePlaceholder} {
			u = strings.ReplaceAll(u, `"`+ph+`"`, ph)
		}
		u = strings.ReplaceAll(u, `"--impersonate-service-account=`+kit.GCPDBServiceAccountPlaceholder+`"`, "--impersonate-service-account="+kit.GCPDBServiceAccountPlaceholder)
		unquoted[f.Path] = u
	}
	if unquoted["k8s/api/deployment.yaml"] == written["k8s/api/deployment.yaml"] {
		t.Fatal("the unquoted variant is the same as the written manifests")
	}
	for name, files := range map[string]map[string]string{"as written": written, "unquoted": unquoted} {
		got, err := run(files, good)
		if err != nil {
			t.Fatalf("%s: render: %v\n%s", name, err, got)
		}
		var dep *appsv1.Deployment
		dec := yaml.NewDecoder(strings.NewReader(got))
		for {
			var doc map[string]any
			if err := dec.Decode(&doc); err != nil {
				break
			}
			if doc["kind"] != "Deployment" {
				continue
			}
			b, err := sigsyaml.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			dep = &appsv1.Deployment{}
			if err := sigsyaml.UnmarshalStrict(b, dep); err != nil {
				t.Fatalf("%s: the rendered Deployment does not decode: %v\n%s", name, err, got)
			}
		}
		if dep == nil {
			t.Fatalf("%s: no Deployment rendered:\n%s", name, got)
		}
		spec := dep.Spec.Template.Spec
		args := spec.InitContainers[0].Args
		if !slices.Contains(args, "--impersonate-service-account="+good["GCP_DB_SERVICE_ACCOUNT"]) || args[len(args)-1] != good["GCP_DB_CONNECTION_NAME"] {
			t.Errorf("%s: proxy args not filled in: %q", name, args)
		}
		env := map[string]string{}
		for _, e := range spec.Containers[0].Env {
			env[e.Name] = e.Value
		}
		if env["DATABASE_USER"] != good["GCP_DB_USER"] || env["DATABASE_NAME"] != good["GCP_DB_NAME"] || env["DATABASE_HOST"] != "127.0.0.1" {
			t.Errorf("%s: app env not filled in: %v", name, env)
		}
		if spec.Containers[0].Image != image {
			t.Errorf("%s: image %q, want %q", name, spec.Containers[0].Image, image)
		}
	}

	// A missing or malformed variable stops the step and names it.
	for v := range good {
		vars := maps.Clone(good)
		vars[v] = ""
		if out, err := run(written, vars); err == nil || !strings.Contains(out, "::error::set the repository variable "+v) {
			t.Errorf("no %s: err = %v, output %s", v, err, out)
		}
		vars[v] = `x|y" && echo pwned`
		if out, err := run(written, vars); err == nil || !strings.Contains(out, "::error::the repository variable "+v) {
			t.Errorf("malformed %s: err = %v, output %s", v, err, out)
		}
	}
	// Manifests without the sidecar fail the step, not the cluster.
	noProxy := maps.Clone(written)
	noProxy["k8s/api/deployment.yaml"] = strings.ReplaceAll(written["k8s/api/deployment.yaml"], "--impersonate-service-account=", "--impersonate=")
	if out, err := run(noProxy, good); err == nil || !strings.Contains(out, "no Cloud SQL Auth Proxy sidecar") {
		t.Errorf("no sidecar: err = %v, output %s", err, out)
	}
	// A placeholder the step cannot fill in fails it too.
	odd := maps.Clone(written)
	odd["k8s/api/deployment.yaml"] = strings.Replace(written["k8s/api/deployment.yaml"], `value: "`+kit.GCPDBNamePlaceholder+`"`, `value: "db-`+kit.GCPDBNamePlaceholder+`"`, 1)
	if out, err := run(odd, good); err == nil || !strings.Contains(out, "keep the placeholders") {
		t.Errorf("a placeholder left: err = %v, output %s", err, out)
	}

	for _, compute := range []string{"eks", "aks"} {
		if _, err := clusterDeploy(t, compute, map[string]string{"cloudsql_proxy": "true"}, repo); err == nil || !strings.Contains(err.Error(), "gke only") {
			t.Errorf("cloudsql_proxy=true on %s: err = %v", compute, err)
		}
	}
	in := engine.WorkInput{Issue: engine.Issue{URL: "https://github.com/acme/shop/issues/7"},
		Task: engine.Task{ID: kit.TaskDeploy, Mode: kit.CICDMode, Params: map[string]string{"workflows": "deploy", "deploy": "cloudrun", "cloudsql_proxy": "true"}},
		Repo: repo, Workspace: fstest.MapFS{}}
	if _, err := Work(context.Background(), in); err == nil || !strings.Contains(err.Error(), "gke only") {
		t.Errorf("cloudsql_proxy=true on cloudrun: err = %v", err)
	}
	if _, err := clusterDeploy(t, "gke", map[string]string{"cloudsql_proxy": "yes"}, repo); err == nil || !strings.Contains(err.Error(), "true or false") {
		t.Errorf("cloudsql_proxy=yes: err = %v", err)
	}
	// Without the param the GKE workflow reads none of the variables.
	plain, err := clusterDeploy(t, "gke", nil, repo)
	if err != nil {
		t.Fatal(err)
	}
	if c := string(plain.Get(GKEDeployWorkflowPath).Content); strings.Contains(c, "GCP_DB_") {
		t.Errorf("the GKE workflow without cloudsql_proxy reads the database variables:\n%s", c)
	}
}
