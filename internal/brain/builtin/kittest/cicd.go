package kittest

import (
	"bytes"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/mode"
	"github.com/devops-lead/devops-lead/internal/pins"
	"github.com/devops-lead/devops-lead/internal/validate"
	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"
)

// CIMapFS turns path: content pairs into a MapFS.
func CIMapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for p, c := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(c), Mode: 0o644}
	}
	return fsys
}

// CICheckWorkflow runs every independent check on one generated workflow.
func CICheckWorkflow(t *testing.T, p string, content []byte, m *mode.Mode) {
	t.Helper()
	for _, f := range validate.CheckFile(p, content, validate.Options{Allowed: m.MayWrite, Owner: m.Slug}) {
		if f.Severity == validate.Error {
			t.Errorf("gate error: %s", f)
		} else {
			t.Logf("gate %s", f)
		}
	}
	CILintClean(t, p, content)
	// With SHAs, actionlint cannot check action inputs; with the major tag
	// it checks them against its popular-actions data.
	CILintClean(t, p, CIMajorTags(t, content))
	CICheckPinned(t, p, content)
	ciCheckShape(t, p, content)
}

// CILintClean fails the test when actionlint finds anything in a workflow.
func CILintClean(t *testing.T, p string, content []byte) {
	t.Helper()
	// shellcheck, when installed, also checks every run: script.
	sc, _ := exec.LookPath("shellcheck")
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{Shellcheck: sc})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint(p, content, nil)
	if err != nil {
		t.Fatalf("actionlint: %v", err)
	}
	for _, e := range errs {
		t.Errorf("actionlint: %s:%d:%d: %s [%s]", p, e.Line, e.Column, e.Message, e.Kind)
	}
}

var ciUsesRE = regexp.MustCompile(`(?m)^\s*(?:- )?uses: (\S+)@(\S+)(.*)$`)

// CIMajorTags rewrites each pinned uses: to its major tag (actions/checkout@v6).
func CIMajorTags(t *testing.T, content []byte) []byte {
	t.Helper()
	return ciUsesRE.ReplaceAllFunc(content, func(line []byte) []byte {
		m := ciUsesRE.FindSubmatch(line)
		p, ok := pins.Known(string(m[1]) + "@" + string(m[2]))
		if !ok {
			return line
		}
		return bytes.Replace(line, []byte(string(m[2])+string(m[3])), []byte(p.Major()), 1)
	})
}

// CICheckPinned asserts every uses: is pinned to the table's SHA with the
// table's version as comment.
func CICheckPinned(t *testing.T, p string, content []byte) {
	t.Helper()
	all := ciUsesRE.FindAllSubmatch(content, -1)
	if len(all) == 0 {
		t.Errorf("%s has no uses: at all", p)
	}
	for _, m := range all {
		pin, ok := pins.Known(string(m[1]) + "@" + string(m[2]))
		if !ok {
			t.Errorf("%s: uses %s@%s is not a pin of the table", p, m[1], m[2])
			continue
		}
		if got := strings.TrimSpace(string(m[3])); got != "# "+pin.Version {
			t.Errorf("%s: uses %s has comment %q, want %q", p, m[1], got, "# "+pin.Version)
		}
	}
}

// ciCheckShape parses the workflow and checks the house rules directly.
func ciCheckShape(t *testing.T, p string, content []byte) {
	t.Helper()
	var wf struct {
		On          map[string]any `yaml:"on"`
		Permissions map[string]string
		Concurrency map[string]any
		Jobs        map[string]struct {
			Timeout     int               `yaml:"timeout-minutes"`
			Permissions map[string]string `yaml:"permissions"`
			Steps       []struct {
				Uses string
				Run  string
				With map[string]any
			}
		}
	}
	if err := yaml.Unmarshal(content, &wf); err != nil {
		t.Fatalf("%s does not parse: %v", p, err)
	}
	if len(wf.Permissions) != 1 || wf.Permissions["contents"] != "read" {
		t.Errorf("%s: top-level permissions = %v, want only contents: read", p, wf.Permissions)
	}
	if wf.Concurrency["cancel-in-progress"] == nil || wf.Concurrency["group"] == nil {
		t.Errorf("%s: concurrency = %v", p, wf.Concurrency)
	}
	if _, ok := wf.On["push"]; !ok {
		t.Errorf("%s: no push trigger", p)
	}
	if _, ok := wf.On["pull_request"]; !ok {
		t.Errorf("%s: no pull_request trigger", p)
	}
	if len(wf.Jobs) == 0 {
		t.Errorf("%s has no jobs", p)
	}
	for id, j := range wf.Jobs {
		if j.Timeout <= 0 {
			t.Errorf("%s: job %s has no timeout-minutes", p, id)
		}
		for k, v := range j.Permissions {
			if v == "write" && k != "packages" {
				t.Errorf("%s: job %s grants %s: write", p, id, k)
			}
		}
		checkouts := 0
		for _, s := range j.Steps {
			if strings.HasPrefix(s.Uses, "actions/checkout@") {
				checkouts++
				if s.With["persist-credentials"] != false {
					t.Errorf("%s: job %s checks out with persist-credentials %v", p, id, s.With["persist-credentials"])
				}
			}
			if strings.Contains(s.Run, "${{") {
				t.Errorf("%s: job %s expands an expression in run: %q", p, id, s.Run)
			}
		}
		if checkouts != 1 {
			t.Errorf("%s: job %s has %d checkout steps", p, id, checkouts)
		}
	}
}
