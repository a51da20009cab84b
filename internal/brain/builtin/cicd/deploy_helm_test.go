package cicd

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// TestCIWriteDeployHelm: with helm=true a cluster deploy installs the
// chart in charts/<name>/ with helm upgrade --install, setting the image
// it pushed (and the identity or proxy values from repository variables),
// and waits for it; no manifests are rendered or applied with kubectl.
func TestCIWriteDeployHelm(t *testing.T) {
	one := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "", Language: stack.Go, Port: 8080}}}
	two := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "services/api", Language: stack.Go}, {Name: "Web UI", Dir: "services/web", Language: stack.Node}}}
	const sha = "0123456789abcdef0123456789abcdef01234567"
	for _, tc := range []struct {
		name, compute, path string
		params              map[string]string
		repo                *stack.Repo
		env                 map[string]string // the job's env as the runner sets it
		want                []string          // the arguments helm gets
		header              []string
	}{
		{name: "eks", compute: "eks", path: EKSDeployWorkflowPath, repo: one,
			env: map[string]string{"IMAGE_REPOSITORY": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop"},
			want: []string{"upgrade", "--install", "api", "charts/api", "--namespace", "default",
				"--set-string", "image.repository=123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop", "--set-string", "image.tag=" + sha,
				"--wait", "--timeout", "10m"},
			header: []string{"IMAGE_REPOSITORY: ${{ vars.ECR_REPOSITORY_URL }}\n", "installs the Helm chart in charts/api/ (release\n# api) on the EKS cluster"}},
		{name: "gke cloud sql", compute: "gke", path: GKEDeployWorkflowPath, repo: one,
			params: map[string]string{"cloudsql_proxy": "true", "k8s_namespace": "shop"},
			env: map[string]string{"IMAGE_REPOSITORY": "europe-west1-docker.pkg.dev/p/shop/shop",
				"GCP_DB_CONNECTION_NAME": "p:europe-west1:shop", "GCP_DB_SERVICE_ACCOUNT": "shop-db@p.iam.gserviceaccount.com",
				"GCP_DB_USER": "shop-db@p.iam", "GCP_DB_NAME": "app"},
			want: []string{"upgrade", "--install", "api", "charts/api", "--namespace", "shop",
				"--set-string", "image.repository=europe-west1-docker.pkg.dev/p/shop/shop", "--set-string", "image.tag=" + sha,
				"--set-string", "cloudSqlProxy.instanceConnectionName=p:europe-west1:shop",
				"--set-string", "cloudSqlProxy.impersonateServiceAccount=shop-db@p.iam.gserviceaccount.com",
				"--set-string", "cloudSqlProxy.databaseUser=shop-db@p.iam", "--set-string", "cloudSqlProxy.databaseName=app",
				"--wait", "--timeout", "10m"},
			header: []string{"IMAGE_REPOSITORY: ${{ vars.GCP_IMAGE_REPOSITORY }}\n", "Secrets in the\n# namespace shop"}},
		{name: "aks workload identity, second service", compute: "aks", path: AKSDeployWorkflowPath, repo: two,
			params: map[string]string{"workload_identity": "azure"},
			env: map[string]string{"IMAGE_REPOSITORY": "shop.azurecr.io/api",
				"AZURE_APP_CLIENT_ID": "11111111-2222-3333-4444-555555555555"},
			want: []string{"upgrade", "--install", "api", "charts/api", "--namespace", "default",
				"--set-string", "image.repository=shop.azurecr.io/api", "--set-string", "image.tag=" + sha,
				"--set-string", "azureWorkloadIdentity.clientId=11111111-2222-3333-4444-555555555555",
				"--wait", "--timeout", "10m"},
			header: []string{"IMAGE_REPOSITORY: ${{ vars.ACR_LOGIN_SERVER }}/api\n", "ghcr.io/acme/shop/api:IMAGE_TAG"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			params := map[string]string{"helm": "true"}
			maps.Copy(params, tc.params)
			cs, err := clusterDeploy(t, tc.compute, params, tc.repo)
			if err != nil {
				t.Fatal(err)
			}
			f := cs.Get(tc.path)
			if f == nil || len(cs.Files) != 1 {
				t.Fatalf("want only %s: %v", tc.path, cs.Paths())
			}
			wf := string(f.Content)
			for _, w := range append(tc.header, "GitHub's ubuntu-latest runners come with helm and kubectl", "values.yaml names the image") {
				if !strings.Contains(wf, w) {
					t.Errorf("workflow lacks %q:\n%s", w, wf)
				}
			}
			for _, no := range []string{"kubectl apply", "Render the manifests", "IMAGE_TAG|", " sed ", "setup-helm", "IMAGE: "} {
				if strings.Contains(wf, no) {
					t.Errorf("workflow has %q:\n%s", no, wf)
				}
			}
			if !strings.Contains(f.Note, "helm upgrade --install") {
				t.Errorf("note: %s", f.Note)
			}
			kittest.InfraGate(t, kit.CICDMode, cs)
			kittest.CILintClean(t, tc.path, f.Content)

			script := workflowStep(t, f.Content, "Install the chart with the new image and wait for the rollout")
			if sc, err := exec.LookPath("shellcheck"); err == nil {
				cmd := exec.Command(sc, "--shell=bash", "--format=gcc", "-")
				cmd.Stdin = strings.NewReader(script)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("shellcheck: %v\n%s\nscript:\n%s", err, out, script)
				}
			}
			env := map[string]string{"GITHUB_SHA": sha}
			maps.Copy(env, tc.env)
			args, out, err := runHelmStep(t, script, env)
			if err != nil {
				t.Fatalf("step failed: %v\n%s\nscript:\n%s", err, out, script)
			}
			if !slices.Equal(args, tc.want) {
				t.Errorf("helm got\n%q\nwant\n%q", args, tc.want)
			}

			// An unset or malformed variable the values need stops the
			// step before helm runs, naming it.
			for v := range tc.env {
				if v == "IMAGE_REPOSITORY" {
					continue
				}
				bad := maps.Clone(env)
				bad[v] = ""
				if args, out, err := runHelmStep(t, script, bad); err == nil || args != nil || !strings.Contains(out, "::error::set the repository variable "+v) {
					t.Errorf("no %s: err = %v, helm %q, output %s", v, err, args, out)
				}
				bad[v] = "a,b=c"
				if args, out, err := runHelmStep(t, script, bad); err == nil || args != nil || !strings.Contains(out, "::error::the repository variable "+v) {
					t.Errorf("malformed %s: err = %v, helm %q, output %s", v, err, args, out)
				}
			}
		})
	}

	for _, bad := range []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{"helm": "true", "kustomize": "true"}, "pick one"},
		{map[string]string{"helm": "yes"}, `helm="yes" must be true or false`},
	} {
		if _, err := clusterDeploy(t, "eks", bad.params, one); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v: err = %v, want %q", bad.params, err, bad.want)
		}
	}
}

// Without helm=true (or with helm=false) the cluster deploy is the plain
// one, byte for byte.
func TestCIWriteDeployHelmOff(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "", Language: stack.Go}}}
	for _, compute := range []string{"eks", "gke", "aks"} {
		for _, extra := range []map[string]string{nil, {"kustomize": "true"}, {"cloudsql_proxy": "true"}, {"workload_identity": "azure"}} {
			if extra["cloudsql_proxy"] != "" && compute != "gke" || extra["workload_identity"] != "" && compute != "aks" {
				continue
			}
			off := map[string]string{"helm": "false"}
			maps.Copy(off, extra)
			a, err := clusterDeploy(t, compute, extra, repo)
			if err != nil {
				t.Fatal(err)
			}
			b, err := clusterDeploy(t, compute, off, repo)
			if err != nil {
				t.Fatal(err)
			}
			if a.Diff() != b.Diff() {
				t.Errorf("%s %v: helm=false differs from no helm param", compute, extra)
			}
			if c := string(a.Files[0].Content); strings.Contains(c, "helm") || strings.Contains(c, " IMAGE_REPOSITORY:") {
				t.Errorf("%s %v: a plain deploy mentions helm:\n%s", compute, extra, c)
			}
		}
	}
}

// runHelmStep runs a workflow's helm step with bash in a fresh directory,
// with env set and a helm on PATH that records its arguments: it returns
// them (nil when helm did not run), the step's output and its error.
func runHelmStep(t *testing.T, script string, env map[string]string) ([]string, string, error) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	dir, bin := t.TempDir(), t.TempDir()
	record := filepath.Join(dir, "helm-args")
	fake := "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\" > " + record + "\n"
	if err := os.WriteFile(filepath.Join(bin, "helm"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bash, "-c", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "RUNNER_TEMP=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	b, rerr := os.ReadFile(record)
	if rerr != nil {
		return nil, string(out), err
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"), string(out), err
}
