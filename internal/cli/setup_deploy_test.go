package cli

import (
	"context"
	"encoding/base64"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	gh "github.com/google/go-github/v62/github"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"gopkg.in/yaml.v3"
)

var deployDir = filepath.Join("..", "..", "deploy")

// deployFiles lists the files under deploy/ the gate should check (its
// YAML; .gitignore files are not examples).
func deployFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".tpl")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

var filesChecked = regexp.MustCompile(`(\d+) file\(s\) checked`)

// gateStrict runs `devops-lead validate --strict DIR` and fails the test
// unless it passes having checked at least want files.
func gateStrict(t *testing.T, dir string, want int) {
	t.Helper()
	code, out, stderr := runCLI(t, "", "validate", "--strict", dir)
	if code != exitOK {
		t.Fatalf("validate --strict %s: exit %d\n%s%s", dir, code, out, stderr)
	}
	m := filesChecked.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("validate did not say how many files it checked:\n%s", stderr)
	}
	if n, _ := strconv.Atoi(m[1]); n < want {
		t.Fatalf("validate checked %d files under %s, want at least %d", n, dir, want)
	}
}

// TestDeployExamplesPassTheGate: every deploy example (Compose, the
// Kubernetes manifests, the Helm chart rendered with its values.yaml)
// passes `devops-lead validate --strict`, as .ci/run checks; the chart
// also with PostgreSQL and an image digest.
func TestDeployExamplesPassTheGate(t *testing.T) {
	files := deployFiles(t, deployDir)
	for _, want := range []string{"compose/compose.yaml", "compose/compose.postgres.yaml", "kubernetes/sqlite/devops-lead.yaml",
		"kubernetes/postgres/devops-lead.yaml", "helm/devops-lead/Chart.yaml", "helm/devops-lead/values.yaml"} {
		if _, err := os.Stat(filepath.Join(deployDir, want)); err != nil {
			t.Errorf("deploy/%s: %v", want, err)
		}
	}
	gateStrict(t, deployDir, len(files))

	chart := filepath.Join(t.TempDir(), "devops-lead")
	if err := os.CopyFS(chart, os.DirFS(filepath.Join(deployDir, "helm", "devops-lead"))); err != nil {
		t.Fatal(err)
	}
	values, err := os.ReadFile(filepath.Join(chart, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pg := strings.Replace(strings.Replace(string(values), `urlSecretKey: ""`, `urlSecretKey: database-url`, 1),
		`digest: ""`, `digest: sha256:`+strings.Repeat("ab", 32), 1)
	if pg == string(values) {
		t.Fatal("values.yaml no longer has database.urlSecretKey and image.digest")
	}
	if err := os.WriteFile(filepath.Join(chart, "values.yaml"), []byte(pg), 0o644); err != nil {
		t.Fatal(err)
	}
	gateStrict(t, chart, len(deployFiles(t, chart)))
}

// k8sContainer is the part of a Deployment's container this test reads.
type k8sContainer struct {
	Args []string `yaml:"args"`
	Env  []struct {
		Name  string `yaml:"name"`
		Value string `yaml:"value"`
	} `yaml:"env"`
	LivenessProbe struct {
		HTTPGet struct{ Path string } `yaml:"httpGet"`
	} `yaml:"livenessProbe"`
	ReadinessProbe struct {
		HTTPGet struct{ Path string } `yaml:"httpGet"`
	} `yaml:"readinessProbe"`
}

// TestDeployExamplesMatchServe: the Kubernetes manifests start serve
// with a command line and variables serve accepts (the env file and
// DATABASE_URL_FILE mounted from the Secret), and their probes ask paths
// a running serve answers 200.
func TestDeployExamplesMatchServe(t *testing.T) {
	e := newE2E(t)
	dir := t.TempDir()
	appEnv := filepath.Join(dir, "app.env")
	// A file as setup writes it, for the Secret's app.env.
	if err := os.WriteFile(appEnv, []byte("GITHUB_APP_ID='77'\nGITHUB_WEBHOOK_SECRET='s'\nGITHUB_PRIVATE_KEY='"+
		strings.ReplaceAll(string(e.cfg.PrivateKey), "\n", `\n`)+"'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dbURL := filepath.Join(dir, "database-url")
	if err := os.WriteFile(dbURL, []byte("postgres://u:p@db:5432/d\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sqlite", "postgres"} {
		raw, err := os.ReadFile(filepath.Join(deployDir, "kubernetes", name, "devops-lead.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var c *k8sContainer
		dec := yaml.NewDecoder(strings.NewReader(string(raw)))
		for {
			var doc struct {
				Kind string `yaml:"kind"`
				Spec struct {
					Template struct {
						Spec struct {
							Containers []k8sContainer `yaml:"containers"`
						} `yaml:"spec"`
					} `yaml:"template"`
				} `yaml:"spec"`
			}
			if dec.Decode(&doc) != nil {
				break
			}
			if doc.Kind == "Deployment" && len(doc.Spec.Template.Spec.Containers) == 1 {
				c = &doc.Spec.Template.Spec.Containers[0]
			}
		}
		if c == nil || len(c.Args) == 0 || c.Args[0] != "serve" {
			t.Fatalf("%s: no Deployment running serve", name)
		}
		vars := map[string]string{}
		for _, v := range c.Env {
			vars[v.Name] = strings.Replace(v.Value, "/run/secrets/devops-lead/database-url", dbURL, 1)
		}
		if vars["DEVOPS_LEAD_DB"] != "" {
			vars["DEVOPS_LEAD_DB"] = filepath.Join(dir, "queue.db")
		}
		args := append([]string(nil), c.Args[1:]...)
		for i := range args {
			args[i] = strings.Replace(args[i], "/run/secrets/devops-lead/app.env", appEnv, 1)
		}
		var errb syncBuffer
		cfg, code, done := serveConfig(&Env{Stdout: &errb, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}, args)
		if done {
			t.Fatalf("%s: serve %v: exit %d: %s", name, c.Args, code, errb.String())
		}
		if (name == "postgres") != (cfg.DatabaseURL == "postgres://u:p@db:5432/d") {
			t.Errorf("%s: the queue is %s", name, cfg)
		}
		for _, p := range []string{c.LivenessProbe.HTTPGet.Path, c.ReadinessProbe.HTTPGet.Path} {
			resp, err := http.Get(e.url + p)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if p == "" || resp.StatusCode != http.StatusOK {
				t.Errorf("%s: probe %q answers %d", name, p, resp.StatusCode)
			}
		}
	}
}

// TestComposeReadsTheSetupFile: Compose (compose-go, the library behind
// docker compose) loads compose.yaml with the env file setup writes, and
// the variables the container gets make a configuration serve accepts,
// the private key intact.
func TestComposeReadsTheSetupFile(t *testing.T) {
	_, key := pemKey(t)
	dir := t.TempDir()
	for _, f := range []string{"compose.yaml", "compose.postgres.yaml"} {
		data, err := os.ReadFile(filepath.Join(deployDir, "compose", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o := &setupOptions{out: filepath.Join(dir, defaultEnvFile)}
	app := &gh.AppConfig{ID: gh.Int64(77), Slug: gh.String("acme-devops-lead"), Name: gh.String("Acme"), ClientID: gh.String("Iv1.x"),
		ClientSecret: gh.String("c$s`x`"), WebhookSecret: gh.String(`w"s\z`), PEM: gh.String(string(key)), HTMLURL: gh.String("https://github.com/apps/acme-devops-lead")}
	if err := writeAppEnv(o, app); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"compose.yaml", "compose.postgres.yaml"} {
		p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
			WorkingDir:  dir,
			ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, f)}},
			Environment: types.Mapping{"POSTGRES_PASSWORD": "pw"},
		}, func(o *loader.Options) { o.SetProjectName("t", true) })
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		svc, err := p.GetService("devops-lead")
		if err != nil {
			t.Fatal(err)
		}
		vars := map[string]string{}
		for k, v := range svc.Environment {
			if v != nil {
				vars[k] = *v
			}
		}
		cfg, code, done := serveConfig(&Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return vars[k] }}, svc.Command[1:])
		if done || svc.Command[0] != "serve" {
			t.Fatalf("%s: serve %v: exit %d", f, svc.Command, code)
		}
		if string(cfg.PrivateKey) != string(key) || cfg.WebhookSecret != `w"s\z` || cfg.AppID != 77 {
			t.Errorf("%s: the container gets key %q, secret %q, id %d", f, cfg.PrivateKey, cfg.WebhookSecret, cfg.AppID)
		}
		if want := f == "compose.postgres.yaml"; want != strings.Contains(cfg.DatabaseURL, ":pw@postgres:5432/") {
			t.Errorf("%s: DATABASE_URL %q", f, cfg.DatabaseURL)
		}
	}
}

// TestKubectlSecretFromTheSetupFile runs the docs' kubectl command
// (client side only, no cluster) when kubectl is installed: the Secret
// holds the file setup wrote, byte for byte, under the key the
// manifests mount.
func TestKubectlSecretFromTheSetupFile(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed")
	}
	dir := t.TempDir()
	data := []byte("GITHUB_APP_ID='77'\nGITHUB_WEBHOOK_SECRET='s'\n")
	if err := os.WriteFile(filepath.Join(dir, defaultEnvFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(kubectl, "create", "secret", "generic", "devops-lead", "--from-file=app.env="+defaultEnvFile, "--dry-run=client", "-o", "yaml")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(dir, "none"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl: %v", err)
	}
	var secret struct {
		Kind string            `yaml:"kind"`
		Data map[string]string `yaml:"data"`
	}
	if err := yaml.Unmarshal(out, &secret); err != nil {
		t.Fatal(err)
	}
	got, err := base64.StdEncoding.DecodeString(secret.Data["app.env"])
	if err != nil || secret.Kind != "Secret" || string(got) != string(data) {
		t.Fatalf("kubectl made %s", out)
	}
}

// TestBuildContextLeavesTheCredentialsOut: the Compose examples build
// the repository's Dockerfile from the repository root, where setup's
// file may lie (at the root or next to the Compose files); the
// .dockerignore keeps it out of the build context.
func TestBuildContextLeavesTheCredentialsOut(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{defaultEnvFile, "deploy/compose/" + defaultEnvFile, "deploy/compose/.env"} {
		if ok, err := pm.MatchesOrParentMatches(p); err != nil || !ok {
			t.Errorf("%s is sent to the image build (%v)", p, err)
		}
	}
	if ok, _ := pm.MatchesOrParentMatches("internal/cli/setup.go"); ok {
		t.Error("the .dockerignore leaves out the sources")
	}
}
