package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/mode"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
)

func testModes(t *testing.T) *mode.Registry {
	t.Helper()
	reg, err := mode.New([]*mode.Mode{
		{Slug: "lead", Name: "Lead", Description: "plans", Level: mode.LevelLead, DelegatesTo: []string{"ci", "box"}},
		{Slug: "ci", Name: "CI", Description: "pipelines", Level: mode.LevelSpecialist, Writes: []string{".github/workflows/**"}},
		{Slug: "box", Name: "Box", Description: "containers", Level: mode.LevelSpecialist, Writes: []string{"**/Dockerfile"}},
		{Slug: "stray", Name: "Stray", Description: "not delegated", Level: mode.LevelSpecialist, Writes: []string{"x/**"}},
	})
	if err != nil {
		t.Fatalf("mode.New: %v", err)
	}
	return reg
}

// scripted is a Brain whose answers tests script per task id and round.
type scripted struct {
	plan  *Plan
	files map[string][]map[string]string // task id → rounds → path → content
	seen  []WorkInput
}

func (s *scripted) Name() string { return "scripted" }

func (s *scripted) Plan(context.Context, PlanInput) (*Plan, error) { return s.plan, nil }

func (s *scripted) Work(_ context.Context, in WorkInput) (*change.ChangeSet, error) {
	s.seen = append(s.seen, in)
	rounds := s.files[in.Task.ID]
	n := 0
	for _, w := range s.seen {
		if w.Task.ID == in.Task.ID {
			n++
		}
	}
	if n > len(rounds) {
		return nil, fmt.Errorf("task %s: no answer scripted for round %d", in.Task.ID, n)
	}
	cs := change.New(in.Task.ID, in.Task.Mode)
	for p, c := range rounds[n-1] {
		if c == "<delete>" {
			cs.Remove(p, nil, "")
			continue
		}
		cs.Put(p, []byte(c), nil, "")
	}
	return cs, nil
}

// badGate fails every file whose content contains "BAD".
func badGate(files []validate.File, opts validate.Options) []validate.Finding {
	var out []validate.Finding
	for _, f := range files {
		if opts.Allowed != nil && !opts.Allowed(f.Path) {
			out = append(out, validate.Finding{Path: f.Path, Rule: "path-allowed", Severity: validate.Error, Message: "outside"})
		}
		if bytes.Contains(f.Content, []byte("BAD")) {
			out = append(out, validate.Finding{Path: f.Path, Line: 1, Rule: "test-bad", Severity: validate.Error, Message: "bad content"})
		}
		if bytes.Contains(f.Content, []byte("MEH")) {
			out = append(out, validate.Finding{Path: f.Path, Line: 1, Rule: "test-meh", Severity: validate.Warning, Message: "meh"})
		}
	}
	return out
}

func twoTasks() *Plan {
	return &Plan{Summary: "s", Brain: "scripted", Tasks: []Task{
		{ID: "box", Mode: "box", Title: "Dockerfile"},
		{ID: "ci", Mode: "ci", Title: "CI", DependsOn: []string{"box"}},
	}}
}

func TestWorkRepairsThenPasses(t *testing.T) {
	ws := fstest.MapFS{}
	b := &scripted{plan: twoTasks(), files: map[string][]map[string]string{
		"box": {{"Dockerfile": "BAD"}, {"Dockerfile": "FROM good MEH"}},
		"ci":  {{".github/workflows/ci.yml": "on: push"}},
	}}
	e := &Engine{Brain: b, Modes: testModes(t), Gate: badGate}
	res, err := e.Work(context.Background(), Issue{Title: "x"}, b.plan, &stack.Repo{}, ws)
	if err != nil {
		t.Fatal(err)
	}
	box, ci := res.Tasks[0], res.Tasks[1]
	if box.Status != StatusDone || box.Rounds != 2 {
		t.Fatalf("box: status %s rounds %d, want done after 2 rounds (%s)", box.Status, box.Rounds, box.Error)
	}
	if len(box.Findings) != 1 || box.Findings[0].Rule != "test-meh" {
		t.Errorf("box findings = %v, want the one warning", box.Findings)
	}
	// The repair round saw the refused ChangeSet and its errors.
	repair := b.seen[1]
	if repair.Previous == nil || len(repair.Findings) != 1 || repair.Findings[0].Rule != "test-bad" {
		t.Errorf("repair input: previous %v findings %v", repair.Previous, repair.Findings)
	}
	if ci.Status != StatusDone {
		t.Fatalf("ci: %s %s", ci.Status, ci.Error)
	}
	// The dependent task saw the container task's output.
	last := b.seen[len(b.seen)-1]
	if len(last.Deps) != 1 || last.Deps[0].Get("Dockerfile") == nil {
		t.Errorf("ci task deps = %v, want the box ChangeSet", last.Deps)
	}
}

func TestWorkGivesUpAndSkipsDependents(t *testing.T) {
	b := &scripted{plan: twoTasks(), files: map[string][]map[string]string{
		"box": {{"Dockerfile": "BAD"}, {"Dockerfile": "BAD"}, {"Dockerfile": "BAD"}, {"Dockerfile": "BAD"}},
	}}
	e := &Engine{Brain: b, Modes: testModes(t), Gate: badGate, MaxRepairs: 2}
	res, err := e.Work(context.Background(), Issue{Title: "x"}, b.plan, &stack.Repo{}, fstest.MapFS{})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Tasks[0]; got.Status != StatusFailed || got.Rounds != 3 || !strings.Contains(got.Error, "nothing from this task is published") {
		t.Fatalf("box = %s after %d rounds (%q), want failed after 3", got.Status, got.Rounds, got.Error)
	}
	if got := res.Tasks[1]; got.Status != StatusSkipped {
		t.Fatalf("ci = %s, want skipped", got.Status)
	}
}

func TestWorkRefusesPathsOutsideTheMode(t *testing.T) {
	plan := &Plan{Tasks: []Task{{ID: "box", Mode: "box", Title: "t"}}}
	b := &scripted{plan: plan, files: map[string][]map[string]string{
		"box": {{".github/workflows/evil.yml": "on: push"}},
	}}
	e := &Engine{Brain: b, Modes: testModes(t), Gate: validate.Check, MaxRepairs: -1}
	res, err := e.Work(context.Background(), Issue{Title: "x"}, plan, &stack.Repo{}, fstest.MapFS{})
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Tasks[0]
	if tr.Status != StatusFailed || len(tr.Findings) == 0 || tr.Findings[0].Rule != "path-allowed" {
		t.Fatalf("status %s findings %v, want failed with path-allowed", tr.Status, tr.Findings)
	}
}

func TestWorkRefusesEscapingPaths(t *testing.T) {
	for _, p := range []string{"../x/Dockerfile", "/etc/Dockerfile", ".git/hooks/Dockerfile", "a//Dockerfile", `a\Dockerfile`} {
		plan := &Plan{Tasks: []Task{{ID: "box", Mode: "box", Title: "t"}}}
		b := &scripted{plan: plan, files: map[string][]map[string]string{"box": {{p: "FROM x"}}}}
		e := &Engine{Brain: b, Modes: testModes(t), Gate: badGate}
		res, err := e.Work(context.Background(), Issue{Title: "x"}, plan, &stack.Repo{}, fstest.MapFS{})
		if err != nil {
			t.Fatal(err)
		}
		if tr := res.Tasks[0]; tr.Status != StatusFailed || !strings.Contains(tr.Error, "path") {
			t.Errorf("%s: status %s (%s), want failed on the path", p, tr.Status, tr.Error)
		}
	}
}

func TestNormalise(t *testing.T) {
	ws := fstest.MapFS{
		"same/Dockerfile":    {Data: []byte("FROM a\n")},
		"changed/Dockerfile": {Data: []byte("FROM a\n")},
		"gone/Dockerfile":    {Data: []byte("FROM a\n")},
	}
	cs := change.New("t", "box")
	cs.Put("same/Dockerfile", []byte("FROM a\n"), nil, "")
	cs.Put("changed/Dockerfile", []byte("FROM b\n"), nil, "")
	cs.Put("new/Dockerfile", []byte("FROM c\n"), nil, "")
	cs.Remove("gone/Dockerfile", nil, "")
	cs.Remove("never/Dockerfile", nil, "")
	if err := Normalise(cs, ws); err != nil {
		t.Fatal(err)
	}
	got := map[string]change.Op{}
	for _, f := range cs.Files {
		got[f.Path] = f.Op
	}
	want := map[string]change.Op{"changed/Dockerfile": change.Modify, "new/Dockerfile": change.Add, "gone/Dockerfile": change.Delete}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ops = %v, want %v", got, want)
	}
	if f := cs.Get("changed/Dockerfile"); string(f.Old) != "FROM a\n" {
		t.Errorf("old content = %q", f.Old)
	}
	if d := cs.Get("changed/Dockerfile").Diff(); !strings.Contains(d, "-FROM a") || !strings.Contains(d, "+FROM b") {
		t.Errorf("diff = %q", d)
	}
}

func TestCheckPlan(t *testing.T) {
	reg := testModes(t)
	cases := []struct {
		name  string
		tasks []Task
		want  string
	}{
		{"ok", twoTasks().Tasks, ""},
		{"unknown mode", []Task{{ID: "a", Mode: "nope"}}, "unknown mode"},
		{"not delegated", []Task{{ID: "a", Mode: "stray"}}, "may not delegate"},
		{"duplicate id", []Task{{ID: "a", Mode: "ci"}, {ID: "a", Mode: "box"}}, "used twice"},
		{"unknown dep", []Task{{ID: "a", Mode: "ci", DependsOn: []string{"z"}}}, "unknown task"},
		{"cycle", []Task{{ID: "a", Mode: "ci", DependsOn: []string{"b"}}, {ID: "b", Mode: "box", DependsOn: []string{"a"}}}, "cycle"},
		{"no id", []Task{{Mode: "ci"}}, "no id"},
	}
	for _, c := range cases {
		err := CheckPlan(&Plan{Tasks: c.tasks}, reg)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
}

func TestOrderKeepsPlanOrderWhereFree(t *testing.T) {
	got, err := Order([]Task{{ID: "ci", DependsOn: []string{"box"}}, {ID: "box"}, {ID: "compose", DependsOn: []string{"box"}}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, t := range got {
		ids = append(ids, t.ID)
	}
	if strings.Join(ids, ",") != "box,ci,compose" {
		t.Fatalf("order = %v", ids)
	}
}

func TestPlanRejectsEmptyRequest(t *testing.T) {
	e := &Engine{Brain: &scripted{}, Modes: testModes(t)}
	_, _, err := e.Plan(context.Background(), Issue{Title: "  "}, fstest.MapFS{})
	if !errors.Is(err, ErrNothingToDo) {
		t.Fatalf("err = %v, want ErrNothingToDo", err)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Add CI for the API!":     "add-ci-for-the-api",
		"  ---  ":                 "request",
		"Containerize: Go/Node":   "containerize-go-node",
		strings.Repeat("ab ", 40): strings.TrimSuffix(strings.Repeat("ab-", 13), "-"),
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

// A plan with nothing to do and nothing declined, only notes of what was
// found and kept, is a result: no error.
func TestPlanNothingToChange(t *testing.T) {
	for _, tc := range []struct {
		plan    *Plan
		wantErr bool
	}{
		{&Plan{Summary: "s", Brain: "scripted", Notes: []string{"docker/Dockerfile already builds it: kept"}}, false},
		{&Plan{Summary: "s", Brain: "scripted", Notes: []string{"n"}, Declined: []string{"Lambda: not built"}}, true},
		{&Plan{Summary: "s", Brain: "scripted"}, true},
	} {
		e := &Engine{Brain: &scripted{plan: tc.plan}, Modes: testModes(t)}
		_, _, err := e.Plan(context.Background(), Issue{Title: "containerize"}, fstest.MapFS{})
		if (err != nil) != tc.wantErr {
			t.Errorf("notes %v declined %v: err %v, want error %v", tc.plan.Notes, tc.plan.Declined, err, tc.wantErr)
		}
	}
}
