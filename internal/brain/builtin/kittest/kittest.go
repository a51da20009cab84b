// Package kittest holds the test helpers the built-in specialists' tests
// share: fixtures, gate checks and a stand-in for the built-in brain that
// runs the specialists a package's tests register.
package kittest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/mode"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
	"github.com/devops-lead/devops-lead/modes"
	"github.com/hashicorp/terraform-config-inspect/tfconfig"
)

// Specialists are the specialists by mode slug that Brain runs; the tests
// of each package set them (in an init of a _test.go file) to the
// specialists they exercise.
var Specialists map[string]kit.Specialist

// Planner is the lead's Plan that Brain runs; the tests that plan set it.
var Planner func(ctx context.Context, in engine.PlanInput) (*engine.Plan, error)

// Brain runs a task's specialist from Specialists, as the built-in brain
// does for a task without findings or review feedback.
type Brain struct{}

// New returns the stand-in brain.
func New() Brain { return Brain{} }

// Plan runs Planner.
func (Brain) Plan(ctx context.Context, in engine.PlanInput) (*engine.Plan, error) {
	if Planner == nil {
		return nil, fmt.Errorf("kittest: no planner set by these tests")
	}
	return Planner(ctx, in)
}

// Work runs the specialist of the task's mode.
func (Brain) Work(ctx context.Context, in engine.WorkInput) (*change.ChangeSet, error) {
	s, ok := Specialists[in.Task.Mode]
	if !ok {
		return nil, fmt.Errorf("kittest: no %s specialist registered by these tests", in.Task.Mode)
	}
	return s(ctx, in)
}

// Work runs a built-in specialist on one task, twice, and checks the two
// results are byte-identical.
func Work(t *testing.T, mode string, task engine.Task, repo *stack.Repo, fsys fstest.MapFS, deps ...*change.ChangeSet) *change.ChangeSet {
	t.Helper()
	task.Mode = mode
	in := engine.WorkInput{Issue: engine.Issue{Title: "test"}, Task: task, Repo: repo, Workspace: fsys, Deps: deps}
	cs, err := New().Work(context.Background(), in)
	if err != nil {
		t.Fatalf("%s: %v", mode, err)
	}
	again, err := New().Work(context.Background(), in)
	if err != nil {
		t.Fatalf("%s (again): %v", mode, err)
	}
	if cs.Diff() != again.Diff() {
		t.Fatalf("%s output is not deterministic", mode)
	}
	return cs
}

// GateClean runs the validation gate on every file and fails on errors;
// warnings are logged.
func GateClean(t *testing.T, cs *change.ChangeSet) {
	t.Helper()
	for _, f := range cs.Files {
		for _, fd := range validate.CheckFile(f.Path, f.Content, validate.Options{}) {
			if fd.Severity == validate.Error {
				t.Errorf("gate error: %s\n%s", fd, f.Content)
			} else {
				t.Logf("gate %s", fd)
			}
		}
	}
}

// FileOf returns the content of p in cs, failing the test when it is missing.
func FileOf(t *testing.T, cs *change.ChangeSet, p string) string {
	t.Helper()
	f := cs.Get(p)
	if f == nil {
		t.Fatalf("no %s in %v", p, cs.Paths())
	}
	return string(f.Content)
}

// InfraGate runs the whole gate (with the mode's writes globs) over cs and
// fails on any error, or any warning.
func InfraGate(t *testing.T, slug string, cs *change.ChangeSet) {
	t.Helper()
	reg, err := mode.Load(modes.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	m := reg.Get(slug)
	if m == nil {
		t.Fatalf("no mode %s", slug)
	}
	var files []validate.File
	for _, f := range cs.Files {
		files = append(files, validate.File{Path: f.Path, Content: f.Content})
	}
	for _, f := range validate.Check(files, validate.Options{Allowed: m.MayWrite, Owner: slug}) {
		if f.Severity == validate.Error || f.Severity == validate.Warning {
			t.Errorf("gate: %s", f.String())
		}
	}
}

// LoadRoot writes the ChangeSet's files under dir into a temp directory
// and loads it with terraform-config-inspect.
func LoadRoot(t *testing.T, cs *change.ChangeSet, dir string, existing fstest.MapFS) *tfconfig.Module {
	t.Helper()
	tmp := t.TempDir()
	write := func(p string, b []byte) {
		if !strings.HasPrefix(p, dir+"/") {
			return
		}
		full := filepath.Join(tmp, filepath.FromSlash(strings.TrimPrefix(p, dir+"/")))
		if err := os.WriteFile(full, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for p, f := range existing {
		write(p, f.Data)
	}
	for _, f := range cs.Files {
		write(f.Path, f.Content)
	}
	mod, diags := tfconfig.LoadModule(tmp)
	if diags.HasErrors() || len(diags) > 0 {
		t.Fatalf("tfconfig diagnostics: %v", diags)
	}
	return mod
}

// StrictGate runs the gate with the mode's writes globs on every file and
// fails on any error or warning (notes are logged).
func StrictGate(t *testing.T, slug string, cs *change.ChangeSet) {
	t.Helper()
	reg, err := mode.Default()
	if err != nil {
		t.Fatal(err)
	}
	m := reg.Get(slug)
	if m == nil {
		t.Fatalf("no mode %s", slug)
	}
	if cs.Empty() {
		t.Fatal("the ChangeSet is empty")
	}
	for _, f := range cs.Files {
		for _, fd := range validate.CheckFile(f.Path, f.Content, validate.Options{Allowed: m.MayWrite, Owner: m.Slug}) {
			if fd.Severity == validate.Error || fd.Severity == validate.Warning {
				t.Errorf("gate %s: %s\n%s", fd.Severity, fd, f.Content)
			} else {
				t.Logf("gate %s", fd)
			}
		}
	}
}

// WorkIn runs a WorkInput twice and checks the output is deterministic.
func WorkIn(t *testing.T, in engine.WorkInput) *change.ChangeSet {
	t.Helper()
	cs, err := New().Work(context.Background(), in)
	if err != nil {
		t.Fatalf("%s: %v", in.Task.Mode, err)
	}
	again, err := New().Work(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Diff() != again.Diff() {
		t.Fatalf("%s output is not deterministic", in.Task.Mode)
	}
	return cs
}

// CheckWrote holds a ChangeSet to the substrings each file must have and
// the paths it must not write.
func CheckWrote(t *testing.T, cs *change.ChangeSet, want map[string][]string, absent []string) {
	t.Helper()
	for p, subs := range want {
		got := FileOf(t, cs, p)
		for _, s := range subs {
			if !strings.Contains(got, s) {
				t.Errorf("%s lacks %q:\n%s", p, s, got)
			}
		}
	}
	for _, p := range absent {
		if cs.Get(p) != nil {
			t.Errorf("%s written, want none", p)
		}
	}
}

// Plan runs Planner on the request twice, checks the plan against the
// embedded modes and that both runs plan the same.
func Plan(t *testing.T, title, body string, repo *stack.Repo, fsys fstest.MapFS) *engine.Plan {
	t.Helper()
	reg := DefaultModes(t)
	in := engine.PlanInput{Issue: engine.Issue{Title: title, Body: body}, Repo: repo, Workspace: fsys, Lead: reg.Lead(), Modes: reg}
	p, err := New().Plan(context.Background(), in)
	if err != nil {
		t.Fatalf("Plan(%q): %v", title, err)
	}
	if err := engine.CheckPlan(p, reg); err != nil {
		t.Fatalf("Plan(%q) is invalid: %v", title, err)
	}
	// Deterministic: the same input plans the same way.
	again, err := New().Plan(context.Background(), in)
	if err != nil || !reflect.DeepEqual(p, again) {
		t.Fatalf("Plan(%q) is not deterministic", title)
	}
	return p
}
