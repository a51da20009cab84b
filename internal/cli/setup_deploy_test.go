package cli

import (
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

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
