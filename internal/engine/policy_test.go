package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// lines returns n numbered non-blank lines, each ending in a newline.
func lines(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

// changeLines returns lines(n) with the first k lines changed.
func changeLines(n, k int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i <= k {
			fmt.Fprintf(&b, "changed %d\n", i)
			continue
		}
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

func rules(fs []validate.Finding) string {
	var out []string
	for _, f := range fs {
		if f.Severity != validate.Error {
			out = append(out, "not-an-error:"+f.Rule)
			continue
		}
		out = append(out, f.Path+" "+f.Rule)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func TestMaxRewritten(t *testing.T) {
	for total, want := range map[int]int{0: 3, 1: 3, 8: 3, 12: 3, 15: 3, 16: 4, 20: 5, 100: 25, 101: 25} {
		if got := MaxRewritten(total); got != want {
			t.Errorf("MaxRewritten(%d) = %d, want %d", total, got, want)
		}
	}
}

func TestRewritten(t *testing.T) {
	cases := []struct {
		name, old, new string
		changed, total int
	}{
		{"added lines only", "a\nb\n", "a\nx\nb\ny\n", 0, 2},
		{"one line changed", "a\nb\nc\n", "a\nB\nc\n", 1, 3},
		{"blank lines are not counted", "a\n\n\nb\n", "a\nb\n", 0, 2},
		{"a removed blank and a changed line", "a\n\nb\n", "a\nB\n", 1, 2},
		{"everything", "a\nb\nc\n", "x\ny\n", 3, 3},
		{"a line that looks like a diff header", "--- a\nb\n", "b\n", 1, 2},
	}
	for _, c := range cases {
		changed, total := Rewritten([]byte(c.old), []byte(c.new))
		if changed != c.changed || total != c.total {
			t.Errorf("%s: Rewritten = %d of %d, want %d of %d", c.name, changed, total, c.changed, c.total)
		}
	}
}

func TestDeclares(t *testing.T) {
	task := Task{ID: "t", Files: []string{"Dockerfile", "./svc/api/Dockerfile", "k8s/", "charts/**", "monitoring/*.yaml", ".github/", ".github/workflows/ci.yml", "."}}
	for p, want := range map[string]bool{
		"Dockerfile":                   true,
		"svc/api/Dockerfile":           true,
		"svc/api/main.go":              false,
		"k8s/base/app.yaml":            true,
		"k8s":                          false,
		"k8sx/app.yaml":                false,
		"charts/app/values.yaml":       true,
		"monitoring/rules.yaml":        true,
		"monitoring/sub/rules.yaml":    false,
		".github/dependabot.yml":       true, // through the .github/ directory entry
		".github/workflows/ci.yml":     true, // named exactly
		".github/workflows/go.yml":     false,
		".github/workflows/deploy.yml": false, // the .github/ entry never reaches a workflow
		"go.mod":                       false, // "." names nothing
	} {
		if got := Declares(task, p); got != want {
			t.Errorf("Declares(%s) = %v, want %v", p, got, want)
		}
	}
	if Declares(Task{}, "Dockerfile") {
		t.Error("a task with no files declares Dockerfile")
	}
}

func TestCheckPolicy(t *testing.T) {
	ws := fstest.MapFS{
		"Dockerfile":                      {Data: []byte(lines(8))},
		"big.txt":                         {Data: []byte(lines(20))},
		".github/workflows/go.yml":        {Data: []byte(lines(20))},
		"k8s/app.yaml":                    {Data: []byte(lines(20))},
		"docs/blank.md":                   {Data: []byte("a\n\n\n\nb\n")},
		".github/workflows/untouched.yml": {Data: []byte("x\n")},
	}
	task := Task{ID: "t", Files: []string{"Dockerfile", "big.txt", "k8s/", "docs/blank.md"}}
	type file struct {
		path, content, note string
		del                 bool
	}
	cases := []struct {
		name  string
		task  Task
		own   []file
		files []file
		want  string
	}{
		{"new files anywhere", task, nil, []file{{path: "new/Dockerfile", content: "FROM x"}, {path: ".github/workflows/new.yml", content: "on: push"}}, ""},
		{"delete an existing file", task, nil, []file{{path: "Dockerfile", del: true}}, "Dockerfile policy-delete"},
		{"delete what is not there", task, nil, []file{{path: "gone.txt", del: true}}, ""},
		{"rename is a delete and an add", task, nil, []file{{path: "Dockerfile", del: true}, {path: "Containerfile", content: lines(8)}}, "Dockerfile policy-delete"},
		{"unchanged content", Task{ID: "t"}, nil, []file{{path: "Dockerfile", content: lines(8)}}, ""},
		{"undeclared modify", Task{ID: "t", Files: []string{"other"}}, nil, []file{{path: "Dockerfile", content: changeLines(8, 1), note: "why"}}, "Dockerfile policy-scope"},
		{"declared through a directory", task, nil, []file{{path: "k8s/app.yaml", content: changeLines(20, 2), note: "why"}}, ""},
		{"a workflow is never reached through a directory", Task{ID: "deploy", Files: []string{".github/workflows/"}}, nil,
			[]file{{path: ".github/workflows/go.yml", content: changeLines(20, 1), note: "why"}}, ".github/workflows/go.yml policy-scope"},
		{"a workflow named exactly", Task{ID: "ci", Files: []string{".github/workflows/go.yml"}}, nil,
			[]file{{path: ".github/workflows/go.yml", content: changeLines(20, 1), note: "pin actions"}}, ""},
		{"no reason", task, nil, []file{{path: "Dockerfile", content: changeLines(8, 1), note: " "}}, "Dockerfile policy-reason"},
		// 8 non-blank lines: at most 3 may change.
		{"3 of 8 lines changed", task, nil, []file{{path: "Dockerfile", content: changeLines(8, 3), note: "why"}}, ""},
		{"4 of 8 lines changed", task, nil, []file{{path: "Dockerfile", content: changeLines(8, 4), note: "why"}}, "Dockerfile policy-rewrite"},
		// 20 non-blank lines: at most 5 may change.
		{"5 of 20 lines changed", task, nil, []file{{path: "big.txt", content: changeLines(20, 5), note: "why"}}, ""},
		{"6 of 20 lines changed", task, nil, []file{{path: "big.txt", content: changeLines(20, 6), note: "why"}}, "big.txt policy-rewrite"},
		{"added lines are free", task, nil, []file{{path: "big.txt", content: lines(20) + lines(40), note: "why"}}, ""},
		{"blank lines removed are free", task, nil, []file{{path: "docs/blank.md", content: "a\nb\n", note: "tidy"}}, ""},
		{"a whole rewrite with no reason", task, nil, []file{{path: "big.txt", content: "new\n"}}, "big.txt policy-reason, big.txt policy-rewrite"},
		{"the task's own pull request files", Task{ID: "t"}, []file{{path: "big.txt", content: "mine\n"}},
			[]file{{path: "big.txt", content: "mine, revised\n"}}, ""},
		{"the task's own pull request never deletes", Task{ID: "t"}, []file{{path: "big.txt", content: "mine\n"}},
			[]file{{path: "big.txt", del: true}}, "big.txt policy-delete"},
		{"a delete in the pull request is not ownership", Task{ID: "t"}, []file{{path: "big.txt", del: true}},
			[]file{{path: "big.txt", content: "new\n", note: "why"}}, "big.txt policy-scope"},
	}
	build := func(id string, files []file) *change.ChangeSet {
		cs := change.New(id, "m")
		for _, f := range files {
			if f.del {
				cs.Remove(f.path, nil, f.note)
				continue
			}
			cs.Put(f.path, []byte(f.content), nil, f.note)
		}
		return cs
	}
	for _, c := range cases {
		var own *change.ChangeSet
		if c.own != nil {
			own = build(c.task.ID, c.own)
		}
		got := rules(CheckPolicy(ws, c.task, own, build(c.task.ID, c.files)))
		if got != c.want {
			t.Errorf("%s: findings %q, want %q", c.name, got, c.want)
		}
	}
}

// noted is a Brain that writes scripted files with a note, per round.
type noted struct {
	rounds []map[string]string // path → content; "<delete>" deletes
	seen   []WorkInput
}

func (n *noted) Name() string                                   { return "noted" }
func (n *noted) Plan(context.Context, PlanInput) (*Plan, error) { return nil, nil }
func (n *noted) Work(_ context.Context, in WorkInput) (*change.ChangeSet, error) {
	n.seen = append(n.seen, in)
	k := len(n.seen) - 1
	if k >= len(n.rounds) {
		k = len(n.rounds) - 1
	}
	cs := change.New(in.Task.ID, in.Task.Mode)
	for p, c := range n.rounds[k] {
		if c == "<delete>" {
			cs.Remove(p, nil, "not needed")
			continue
		}
		cs.Put(p, []byte(c), nil, "the reason")
	}
	return cs, nil
}

// The engine holds every brain to the policy: a refused attempt goes back
// for repair with the policy's findings, and one that keeps breaking it
// fails with nothing to publish.
func TestWorkEnforcesThePolicy(t *testing.T) {
	ws := fstest.MapFS{"Dockerfile": {Data: []byte(lines(8))}, ".github/workflows/go.yml": {Data: []byte(lines(8))}}
	task := Task{ID: "box", Mode: "box", Title: "t", Files: []string{"Dockerfile"}}
	plan := &Plan{Tasks: []Task{task}}

	b := &noted{rounds: []map[string]string{{"Dockerfile": "FROM rewritten\n"}, {"Dockerfile": changeLines(8, 1)}}}
	e := &Engine{Brain: b, Modes: testModes(t), Gate: badGate}
	res, err := e.Work(context.Background(), Issue{Title: "x"}, plan, &stack.Repo{}, ws)
	if err != nil {
		t.Fatal(err)
	}
	if tr := res.Tasks[0]; tr.Status != StatusDone || tr.Rounds != 2 {
		t.Fatalf("status %s after %d round(s) (%s), want done after the repair", tr.Status, tr.Rounds, tr.Error)
	}
	if got := rules(b.seen[1].Findings); got != "Dockerfile policy-rewrite" {
		t.Errorf("the repair round was handed %q, want the rewrite finding", got)
	}

	for name, files := range map[string]map[string]string{
		"delete":   {"Dockerfile": "<delete>"},
		"rename":   {"Dockerfile": "<delete>", "Containerfile": lines(8)},
		"workflow": {".github/workflows/go.yml": changeLines(8, 1)},
	} {
		b := &noted{rounds: []map[string]string{files}}
		e := &Engine{Brain: b, Modes: testModes(t), Gate: badGate, MaxRepairs: 1}
		res, err := e.Work(context.Background(), Issue{Title: "x"}, plan, &stack.Repo{}, ws)
		if err != nil {
			t.Fatal(err)
		}
		tr := res.Tasks[0]
		if tr.Status != StatusFailed || tr.Rounds != 2 || !strings.Contains(rules(tr.Findings), "policy-") {
			t.Errorf("%s: status %s after %d round(s), findings %q: want failed on the policy", name, tr.Status, tr.Rounds, rules(tr.Findings))
		}
	}
}

// A revision may rework the files of its own pull request; a repair
// round's refused attempt is not the task's own, so it gains nothing.
func TestRevisePolicyOwnFiles(t *testing.T) {
	ws := fstest.MapFS{"Dockerfile": {Data: []byte(lines(8))}}
	task := Task{ID: "box", Mode: "box", Title: "t"} // names no files
	plan := &Plan{Tasks: []Task{task}}
	current := change.New("box", "box")
	current.Put("Dockerfile", []byte("FROM earlier\n"), []byte(lines(8)), "")

	b := &noted{rounds: []map[string]string{{"Dockerfile": "FROM revised\n"}}}
	e := &Engine{Brain: b, Modes: testModes(t), Gate: badGate}
	tr := e.ReviseTask(context.Background(), Issue{Title: "x"}, plan, &stack.Repo{}, ws, task, nil, current, []Feedback{{Author: "a", Body: "b"}})
	if tr.Status != StatusDone {
		t.Fatalf("revision of its own file: %s (%s) %v", tr.Status, tr.Error, tr.Findings)
	}

	tr = e.RunTask(context.Background(), Issue{Title: "x"}, plan, &stack.Repo{}, ws, task, nil)
	if tr.Status != StatusFailed || !strings.Contains(rules(tr.Findings), "policy-scope") {
		t.Fatalf("a first run rewriting an undeclared file: %s %q, want failed on policy-scope", tr.Status, rules(tr.Findings))
	}
}

// The Check a brain may call while it works applies the policy too.
func TestWorkInputCheckHasThePolicy(t *testing.T) {
	ws := fstest.MapFS{"Dockerfile": {Data: []byte(lines(8))}}
	task := Task{ID: "box", Mode: "box", Title: "t"}
	b := &noted{rounds: []map[string]string{{"new/Dockerfile": "FROM x\n"}}}
	e := &Engine{Brain: b, Modes: testModes(t), Gate: badGate}
	if tr := e.RunTask(context.Background(), Issue{Title: "x"}, &Plan{Tasks: []Task{task}}, &stack.Repo{}, ws, task, nil); tr.Status != StatusDone {
		t.Fatalf("%s %s", tr.Status, tr.Error)
	}
	cs := change.New("box", "box")
	cs.Remove("Dockerfile", nil, "")
	if got := rules(b.seen[0].Check(cs)); got != "Dockerfile policy-delete" {
		t.Errorf("Check on a delete = %q, want policy-delete", got)
	}
}
