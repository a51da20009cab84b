package validate

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeDiscoverTree writes files (slash paths relative to dir) under dir.
func writeDiscoverTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func discoveredPaths(fs []File) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Path)
	}
	return out
}

var discoverTree = map[string]string{
	".github/workflows/ci.yml":         "on: push\n",
	".github/dependabot.yml":           "version: 2\n",
	"Dockerfile":                       "FROM scratch\n",
	"api/Dockerfile.prod":              "FROM scratch\n",
	".dockerignore":                    ".git\n",
	"compose.yaml":                     "services: {}\n",
	"infra/main.tf":                    "terraform {}\n",
	"k8s/deploy.yaml":                  "apiVersion: v1\nkind: Pod\n",
	"config/app.toml":                  "a = 1\n",
	"package.json":                     "{}\n",
	"testdata/case/x.yaml":             "a: 1\n",
	"README.md":                        "# readme\n",
	"main.go":                          "package main\n",
	".git/config.json":                 "{}\n",
	"node_modules/left-pad/p.json":     "{}\n",
	"vendor/mod/a.yaml":                "a: 1\n",
	".terraform/modules/m/main.tf":     "x {}\n",
	"sub/node_modules/z/index.yaml":    "a: 1\n",
	"web/tsconfig.json":                "{\n  // comments allowed\n}\n",
	"web/tsconfig.build.json":          "{}\n",
	".vscode/settings.json":            "{}\n",
	".devcontainer/devcontainer.json":  "{}\n",
	"web/.devcontainer/x.json":         "{}\n",
	"charts/api/Chart.yaml":            "apiVersion: v2\nname: api\n",
	"charts/api/templates/deploy.yaml": "{{ include \"x\" . }}\n",
	"charts/api/templates/_x.tpl":      "{{ define \"x\" }}a: 1{{ end }}\n",
	"charts/api/templates/NOTES.txt":   "Installed.\n",
	"charts/api/README.md":             "# api\n",
	"charts/api/values.yaml":           "replicas: 1\n",
	"templates/not-helm.yaml":          "a: 1\n",
}

func TestDiscoverPicksArtifacts(t *testing.T) {
	dir := t.TempDir()
	writeDiscoverTree(t, dir, discoverTree)
	files, err := Discover(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		".dockerignore",
		".github/dependabot.yml",
		".github/workflows/ci.yml",
		"Dockerfile",
		"api/Dockerfile.prod",
		"charts/api/Chart.yaml",
		"charts/api/templates/NOTES.txt",
		"charts/api/templates/_x.tpl",
		"charts/api/templates/deploy.yaml",
		"charts/api/values.yaml",
		"compose.yaml",
		"config/app.toml",
		"infra/main.tf",
		"k8s/deploy.yaml",
		"package.json",
		"templates/not-helm.yaml",
		"testdata/case/x.yaml",
	}
	if got := discoveredPaths(files); !reflect.DeepEqual(got, want) {
		t.Errorf("Discover paths:\n got %q\nwant %q", got, want)
	}
	for _, f := range files {
		if string(f.Content) != discoverTree[f.Path] {
			t.Errorf("%s: content %q, want %q", f.Path, f.Content, discoverTree[f.Path])
		}
	}
}

func TestDiscoverExplicitPaths(t *testing.T) {
	dir := t.TempDir()
	writeDiscoverTree(t, dir, discoverTree)
	// An explicit file is kept whatever its kind; an explicit skipped
	// directory is walked; overlapping paths give each file once.
	files, err := Discover(dir, []string{"README.md", "vendor", "k8s", "k8s/deploy.yaml", "./k8s/", "web/tsconfig.json"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"README.md", "k8s/deploy.yaml", "vendor/mod/a.yaml", "web/tsconfig.json"}
	if got := discoveredPaths(files); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestDiscoverTakesChartsWhole checks that a chart's template, values.yaml
// or Chart.yaml named alone brings the rest of its chart, which Check needs
// to render it, and that a subchart is a chart of its own.
func TestDiscoverTakesChartsWhole(t *testing.T) {
	dir := t.TempDir()
	writeDiscoverTree(t, dir, map[string]string{
		"charts/api/Chart.yaml":                   "apiVersion: v2\nname: api\nversion: 0.1.0\n",
		"charts/api/values.yaml":                  "a: 1\n",
		"charts/api/templates/cm.yaml":            "a: {{ .Values.a }}\n",
		"charts/api/templates/_h.tpl":             "{{ define \"h\" }}{{ end }}\n",
		"charts/api/charts/db/Chart.yaml":         "apiVersion: v2\nname: db\nversion: 0.1.0\n",
		"charts/api/charts/db/templates/sts.yaml": "b: 2\n",
		"charts/api/files/templates/not-one.conf": "x\n",
		"other/templates/plain.txt":               "not a chart\n",
	})
	for _, named := range []string{"charts/api/templates/cm.yaml", "charts/api/values.yaml", "charts/api/Chart.yaml"} {
		files, err := Discover(dir, []string{named})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"charts/api/Chart.yaml",
			"charts/api/charts/db/Chart.yaml",
			"charts/api/charts/db/templates/sts.yaml",
			"charts/api/templates/_h.tpl",
			"charts/api/templates/cm.yaml",
			"charts/api/values.yaml",
		}
		if got := discoveredPaths(files); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %q, want %q", named, got, want)
		}
	}
	// Run from inside the templates directory, the chart is found above.
	files, err := Discover(filepath.Join(dir, "charts", "api", "templates"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := discoveredPaths(files); len(got) != 6 || got[0] != "../Chart.yaml" || got[len(got)-1] != "cm.yaml" {
		t.Errorf("from templates/: got %q", got)
	}
}

func TestDiscoverOutsideRootAndAbsolute(t *testing.T) {
	dir := t.TempDir()
	writeDiscoverTree(t, dir, map[string]string{"repo/a.yaml": "a: 1\n", "other/b.yaml": "b: 2\n"})
	root := filepath.Join(dir, "repo")
	files, err := Discover(root, []string{"../other", filepath.Join(root, "a.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"../other/b.yaml", "a.yaml"}
	if got := discoveredPaths(files); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDiscoverMissingPath(t *testing.T) {
	_, err := Discover(t.TempDir(), []string{"no/such/dir"})
	if err == nil {
		t.Fatal("Discover of a missing path returned no error")
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap fs.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), "no/such/dir") {
		t.Errorf("error %q does not name the path", err)
	}
}

func TestDiscoverTooLarge(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("# padding line\n", MaxFileSize/15+10)
	writeDiscoverTree(t, dir, map[string]string{
		"Dockerfile":    "FROM scratch\n" + big,
		"data/big.json": "[" + strings.Repeat(" ", MaxFileSize) + "]",
		"ok.yaml":       "a: 1\n",
		// exactly at the limit is still checked
		"edge.toml": "a = 1\n" + strings.Repeat("#", MaxFileSize-len("a = 1\n")),
	})
	d, err := DiscoverAll(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := discoveredPaths(d.Files), []string{"edge.toml", "ok.yaml"}; !reflect.DeepEqual(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
	var got []string
	for _, f := range d.Skipped {
		got = append(got, findingKey(f))
	}
	want := []string{
		"Dockerfile:0:0: warning [file-too-large]",
		"data/big.json:0:0: note [file-too-large]",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("skipped %q, want %q", got, want)
	}
	if _, ok := LookupRule("file-too-large"); !ok {
		t.Error("rule file-too-large is not registered")
	}
}

func TestDiscoverSkipsSymlinks(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	writeDiscoverTree(t, outside, map[string]string{"secret.yaml": "a: 1\n"})
	writeDiscoverTree(t, dir, map[string]string{"real.yaml": "a: 1\n"})
	if err := os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "link.yaml")); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "linkdir")); err != nil {
		t.Fatal(err)
	}
	files, err := Discover(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := discoveredPaths(files), []string{"real.yaml"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// Named on the command line, a linked directory is walked.
	files, err = Discover(dir, []string{"linkdir"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := discoveredPaths(files), []string{"linkdir/secret.yaml"}; !reflect.DeepEqual(got, want) {
		t.Errorf("named link: got %q, want %q", got, want)
	}
}
