package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/engine"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenCases pairs each sample repository of testdata/repos with the
// requests it is planned against.
var goldenCases = []struct {
	repo     string
	requests []string
}{
	{"go", []string{"add CI and containerize the service", "compose file for local development with Postgres and Redis", "publish the image to GHCR",
		"deploy this API to AWS with a Postgres database", "host it on GCP Cloud Run with a bucket for uploads", "host it on Azure with Postgres",
		"run it on Kubernetes with autoscaling and an ingress", "alert when the error rate is high", "put a Cloudflare Worker in front with a KV cache",
		"run it on ECS Fargate with a Postgres database"}},
	{"node-npm", []string{"add CI and containerize the service", "publish the image to GHCR", "we need an S3 bucket for uploads",
		"run it on Kubernetes with kustomize overlays", "alert when the error rate is high with a Grafana dashboard",
		"deploy it to EKS with autoscaling"}},
	{"node-pnpm", []string{"add CI and containerize the service"}},
	{"python-uv", []string{"add CI and containerize the service", "compose file for local development with Postgres",
		"host the API on Google Cloud Run with Cloud SQL", "deploy it to Azure Container Apps",
		"run the API on GKE with a bucket for uploads", "package it as a Helm chart and run it on GKE"}},
	{"python-poetry", []string{"add CI and containerize the service"}},
	{"rust", []string{"add CI and containerize the service", "put a Cloudflare Worker in front with R2 for uploads and a D1 database"}},
	{"java-maven", []string{"add CI and containerize the service", "terraform for AWS with an S3 bucket for reports",
		"host it on AKS with Postgres and kustomize overlays"}},
	{"java-gradle", []string{"add CI and containerize the service"}},
	{"monorepo", []string{"add CI and containerize the service", "compose file for local development with Postgres and Redis",
		"run both services on Kubernetes with autoscaling", "Prometheus monitoring with a scrape config for both services"}},
	{"existing", []string{"add CI and containerize the service", "publish the image to GHCR"}},
}

// copyRepo copies testdata/repos/NAME to a temporary directory outside
// this project's git repository, so it is planned as a repository of its
// own.
func copyRepo(t *testing.T, name string) string {
	t.Helper()
	return copyTree(t, filepath.Join("testdata", "repos", name))
}

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code = env.main(args)
	return code, out.String(), errb.String()
}

// TestGolden plans every request against every sample repository with the
// built-in brain and compares the dry-run output (plan, results, diff) with
// testdata/golden. Every task must finish and every file must pass the
// gate with no errors.
func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		for _, req := range c.requests {
			name := c.repo + "__" + engine.Slug(req)
			t.Run(name, func(t *testing.T) {
				dir := copyRepo(t, c.repo)
				code, out, errs := runCLI(t, "", "run", "--repo", dir, "--dry-run", "--quiet", req)
				if code != 0 {
					t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
				}
				matchGolden(t, filepath.Join("testdata", "golden", name+".txt"), out, "TestGolden")
				if *update {
					return
				}

				// The same run as JSON: every task done or noop, no error
				// findings anywhere.
				code, js, errs := runCLI(t, "", "run", "--repo", dir, "--dry-run", "--quiet", "--json", req)
				if code != 0 {
					t.Fatalf("--json exit %d: %s", code, errs)
				}
				var res struct {
					Tasks []engine.TaskResult `json:"tasks"`
				}
				if err := json.Unmarshal([]byte(js), &res); err != nil {
					t.Fatal(err)
				}
				if len(res.Tasks) == 0 {
					t.Fatal("no tasks")
				}
				for _, tr := range res.Tasks {
					if tr.Status != engine.StatusDone && tr.Status != engine.StatusNoop {
						t.Errorf("task %s: %s %s", tr.Task.ID, tr.Status, tr.Error)
					}
					for _, f := range tr.Findings {
						if f.Severity == "error" {
							t.Errorf("task %s: error finding %s", tr.Task.ID, f)
						}
					}
				}
			})
		}
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n want: " + w + "\n  got: " + g
		}
	}
	return ""
}

func gitCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func initRepo(t *testing.T, dir string) {
	t.Helper()
	gitCmd(t, dir, "init", "-q", "-b", "main")
	gitCmd(t, dir, "add", "-A")
	gitCmd(t, dir, "commit", "-qm", "init")
}

// TestRunBranches runs a request for real: branches appear, the working
// tree, index and current branch stay as they were, and a second run
// changes nothing.
func TestRunBranches(t *testing.T) {
	t.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
	t.Setenv("GIT_AUTHOR_NAME", "t")
	t.Setenv("GIT_AUTHOR_EMAIL", "t@example.com")
	t.Setenv("GIT_COMMITTER_NAME", "t")
	t.Setenv("GIT_COMMITTER_EMAIL", "t@example.com")
	dir := copyRepo(t, "go")
	initRepo(t, dir)
	head := gitCmd(t, dir, "rev-parse", "HEAD")
	req := "add CI and containerize the service"
	code, out, errs := runCLI(t, "", "run", "--repo", dir, "--quiet", req)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	branches := gitCmd(t, dir, "branch", "--list", "devops-lead/*", "--format=%(refname:short)")
	for _, want := range []string{"devops-lead/add-ci-and-containerize-the-service/cicd-specialist",
		"devops-lead/add-ci-and-containerize-the-service/containerization-developer"} {
		if !strings.Contains(branches, want) {
			t.Errorf("branch %s missing; have:\n%s", want, branches)
		}
	}
	if got := gitCmd(t, dir, "status", "--porcelain"); got != "" {
		t.Errorf("working tree changed:\n%s", got)
	}
	if got := gitCmd(t, dir, "rev-parse", "HEAD"); got != head {
		t.Errorf("HEAD moved")
	}
	if got := gitCmd(t, dir, "symbolic-ref", "--short", "HEAD"); got != "main" {
		t.Errorf("current branch = %s", got)
	}
	files := gitCmd(t, dir, "ls-tree", "-r", "--name-only", "devops-lead/add-ci-and-containerize-the-service/containerization-developer")
	if !strings.Contains(files, "Dockerfile") {
		t.Errorf("container branch lacks the Dockerfile:\n%s", files)
	}
	code, out, errs = runCLI(t, "", "run", "--repo", dir, "--quiet", req)
	if code != 0 {
		t.Fatalf("second run: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "unchanged") || strings.Contains(out, "created") {
		t.Errorf("second run should leave the branches unchanged:\n%s", out)
	}
	if again := gitCmd(t, dir, "branch", "--list", "devops-lead/*", "--format=%(refname:short)"); again != branches {
		t.Errorf("branches changed on rerun:\n%s\nvs\n%s", again, branches)
	}
}

func TestRunRefusesBadInput(t *testing.T) {
	t.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
	notGit := copyRepo(t, "go")
	dirty := copyRepo(t, "go")
	initRepo(t, dirty)
	if err := os.WriteFile(filepath.Join(dirty, "scratch.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	badConfig := writeTree(t, map[string]string{"go.mod": "module x\n", ".github/devops-lead.yml": "allow_substitutions: [CloudFormation]\n"})
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no request", []string{"run", "--repo", notGit}, 2, "say what you need"},
		{"both", []string{"run", "--repo", notGit, "--issue-file", "x.md", "add CI"}, 2, "not both"},
		{"dry-run and out", []string{"run", "--dry-run", "--out", "x", "add CI"}, 2, "do not go together"},
		{"unknown flag", []string{"run", "--nope", "add CI"}, 2, "flag provided but not defined"},
		{"not a dir", []string{"run", "--repo", filepath.Join(notGit, "missing"), "--dry-run", "add CI"}, 1, "not a directory"},
		{"not git", []string{"run", "--repo", notGit, "add CI"}, 1, "not inside a git repository"},
		{"dirty", []string{"run", "--repo", dirty, "add CI"}, 1, "scratch.txt"},
		{"vague", []string{"run", "--repo", notGit, "--dry-run", "make it better"}, 3, "needs answers"},
		{"declined only", []string{"run", "--repo", notGit, "--dry-run", "print the GITHUB_TOKEN in the build log"}, 4, "never reads or writes secret values"},
		{"bad config", []string{"run", "--repo", badConfig, "--dry-run", "add CI"}, 1, "allow_substitutions"},
		{"brain", []string{"run", "--brain", "magic", "add CI"}, 2, "want builtin"},
	}
	for _, c := range cases {
		code, out, errs := runCLI(t, "", c.args...)
		if code != c.code || !strings.Contains(out+errs, c.want) {
			t.Errorf("%s: exit %d, want %d with %q\nstdout: %s\nstderr: %s", c.name, code, c.code, c.want, out, errs)
		}
	}
}

func TestRunIssueFileAndOut(t *testing.T) {
	dir := copyRepo(t, "node-npm")
	out := t.TempDir()
	code, stdout, errs := runCLI(t, "# Containerize the service\n\nWe want a Dockerfile.\n",
		"run", "--repo", dir, "--issue-file", "-", "--out", out, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
	}
	if _, err := os.Stat(filepath.Join(out, "Dockerfile")); err != nil {
		t.Errorf("--out did not write the Dockerfile: %v\n%s", err, stdout)
	}
	if !regexp.MustCompile(`(?m)^1\. `).MatchString(stdout) {
		t.Errorf("no plan printed:\n%s", stdout)
	}
}
