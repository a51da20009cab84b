package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/stack"
)

// detectCLI runs "devops-lead detect args..." and returns the exit code
// and outputs.
func detectCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(append([]string{"detect"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// writeTree writes files (slash path -> content) under a new temporary
// directory and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDetectText(t *testing.T) {
	code, out, errs := detectCLI(t, "testdata/repos/python-uv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"inventory-api: service (app = FastAPI() in app/main.py)\n",
		"  dir:        .\n",
		"  language:   python 3.12 (pyproject.toml)\n",
		"  packages:   uv, lockfile uv.lock\n",
		"  install:    uv sync --frozen\n",
		"  entry:      app/main.py (app = FastAPI() in app/main.py, served as app.main:app)\n",
		"  start:      uvicorn app.main:app --host 0.0.0.0 --port 8000\n",
		"  port:       8000 (app/main.py)\n",
		"  backing:    postgres\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestDetectJSON(t *testing.T) {
	// Flags may follow the directory.
	code, out, errs := detectCLI(t, "testdata/repos/go", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var repo stack.Repo
	if err := json.Unmarshal([]byte(out), &repo); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	s := repo.Service(".")
	if s == nil || s.Kind != stack.KindService || s.Start != "go run ./cmd/server" || s.Port != 8080 ||
		!strings.Contains(s.KindReason, "ListenAndServe") || len(s.Mains) != 1 {
		t.Errorf("go fixture: %s", out)
	}
}

func TestDetectUnitsAndUnsupported(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"dune-project":             "(lang dune 3.0)\n",
		"tools/trace/go.mod":       "module trace\n\ngo 1.22\n",
		"tools/trace/main.go":      "package main\n\nfunc main() { http.ListenAndServe(\":6060\", nil) }\n",
		"docs/package.json":        `{"name":"docs","scripts":{"build":"vitepress build"},"devDependencies":{"vitepress":"1"}}`,
		".github/workflows/ci.yml": "on: push\n",
		"broken/package.json":      "{nope",
		"action/action.yml":        "name: x\nruns:\n  using: node20\n  main: dist/index.js\n",
		"action/package.json":      `{"name":"act","main":"dist/index.js"}`,
		"action/bun.lock":          "{}",
	})
	code, out, errs := detectCLI(t, dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"trace: cli (a go helper under tools/: the repository's root is OCaml (dune-project)",
		"docs: site (depends on vitepress: a static or docs site)\n",
		"action: action (action.yml in the directory",
		"  packages:   bun, lockfile bun.lock\n  install:    bun install --frozen-lockfile\n",
		"\nUnsupported (named, not built by the built-in specialists):\n  .: OCaml (dune-project)\n",
		"\nExisting artifacts:\n  Workflows:        .github/workflows/ci.yml\n",
		"\nWarnings:\n  broken/package.json: malformed package.json",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// A repository with only an unsupported stack says so, rather than
// claiming no manifest was found.
func TestDetectOnlyUnsupported(t *testing.T) {
	dir := writeTree(t, map[string]string{"Gemfile": "source 'https://rubygems.org'\ngem 'rails'\n", "config.ru": "run App\n"})
	code, out, errs := detectCLI(t, dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "No units the built-in specialists can build") || strings.Contains(out, "No units found") {
		t.Errorf("output:\n%s", out)
	}
}

func TestDetectErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "go.mod")
	if err := os.WriteFile(file, []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"missing directory", []string{filepath.Join(t.TempDir(), "nope")}, 2, "no directory"},
		{"a file", []string{file}, 2, "is a file: pass the repository's directory"},
		{"two directories", []string{".", "."}, 2, "takes at most one directory"},
		{"unknown flag", []string{"--yaml"}, 2, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := detectCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.err) || out != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want exit %d and %q", code, errs, out, tt.code, tt.err)
			}
		})
	}
}

func TestDetectHelpAndDefaultDir(t *testing.T) {
	code, out, _ := detectCLI(t, "--help")
	if code != 0 || !strings.Contains(out, "Usage: devops-lead detect [--json] [DIR]") {
		t.Errorf("help: exit %d\n%s", code, out)
	}
	var list bytes.Buffer
	Main([]string{"help"}, strings.NewReader(""), &list, &list)
	if !strings.Contains(list.String(), "  detect ") {
		t.Errorf("detect missing from the command list:\n%s", list.String())
	}
	// Without DIR, detect reads the current directory.
	t.Chdir("testdata/repos/rust")
	code, out, errs := detectCLI(t)
	if code != 0 || !strings.Contains(out, "  start:      cargo run --release\n") {
		t.Errorf("default dir: exit %d %s\n%s", code, errs, out)
	}
}
