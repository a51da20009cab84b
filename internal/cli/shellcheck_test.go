package cli

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/devops-lead/devops-lead/internal/engine"
)

// reExpr is a GitHub expression in a run: script; shellcheck sees a word
// in its place, as the runner substitutes one before the shell runs.
var reExpr = regexp.MustCompile(`\$\{\{[^}]*\}\}`)

// TestGoldenScriptsPassShellcheck writes the files of every golden request
// and runs shellcheck over each run: script of each workflow written: the
// gate does not run shellcheck (validators are libraries, not processes),
// so this keeps the templates' shell honest. CI installs shellcheck; the
// test is skipped where it is missing.
func TestGoldenScriptsPassShellcheck(t *testing.T) {
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Skip("shellcheck is not installed (CI installs it)")
	}
	scripts := 0
	for _, c := range goldenCases {
		for _, req := range c.requests {
			name := c.repo + "__" + engine.Slug(req)
			t.Run(name, func(t *testing.T) {
				dir := copyRepo(t, c.repo)
				out := t.TempDir()
				if code, _, errs := runCLI(t, "", "run", "--repo", dir, "--out", out, "--quiet", req); code != 0 {
					t.Fatalf("exit %d: %s", code, errs)
				}
				err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
					if err != nil || d.IsDir() || !strings.Contains(filepath.ToSlash(p), "/.github/workflows/") {
						return err
					}
					for step, script := range runScripts(t, p) {
						scripts++
						cmd := exec.Command(sc, "--shell=bash", "--format=gcc", "-")
						cmd.Stdin = strings.NewReader("set -e\n" + reExpr.ReplaceAllString(script, "EXPR"))
						if msg, err := cmd.CombinedOutput(); err != nil {
							t.Errorf("%s, step %q: shellcheck:\n%s\nscript:\n%s", strings.TrimPrefix(p, out+"/"), step, msg, script)
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			})
		}
	}
	if scripts == 0 {
		t.Fatal("no run: scripts were checked")
	}
}

// runScripts returns the run: scripts of a workflow by "job/step name".
func runScripts(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []struct{ Name, Run string }
		}
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]string{}
	for id, j := range wf.Jobs {
		for i, s := range j.Steps {
			if s.Run != "" {
				out[id+"/"+s.Name+"#"+string(rune('0'+i%10))] = s.Run
			}
		}
	}
	return out
}
