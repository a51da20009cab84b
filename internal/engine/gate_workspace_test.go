package engine

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// The gate gets the task's workspace, so the build-context rules see the
// repository: a Dockerfile copying a file the repository lacks is refused
// by the real gate, and passes once the file is there.
func TestGateSeesWorkspace(t *testing.T) {
	df := "FROM alpine:3.20\nCOPY app.conf /etc/app.conf\nUSER 1000\n"
	plan := &Plan{Summary: "s", Brain: "scripted", Tasks: []Task{{ID: "box", Mode: "box", Title: "Dockerfile"}}}
	for _, tc := range []struct {
		ws   fstest.MapFS
		want Status
	}{
		{fstest.MapFS{}, StatusFailed},
		{fstest.MapFS{"app.conf": {Data: []byte("x=1\n")}}, StatusDone},
	} {
		b := &scripted{plan: plan, files: map[string][]map[string]string{"box": {{"Dockerfile": df}}}}
		var got validate.Options
		gate := func(files []validate.File, opts validate.Options) []validate.Finding {
			got = opts
			return validate.Check(files, opts)
		}
		e := &Engine{Brain: b, Modes: testModes(t), Gate: gate, MaxRepairs: -1}
		res, err := e.Work(context.Background(), Issue{Title: "x"}, plan, &stack.Repo{}, tc.ws)
		if err != nil {
			t.Fatal(err)
		}
		if got.Workspace == nil {
			t.Fatal("the gate got no workspace")
		}
		if st := res.Tasks[0].Status; st != tc.want {
			t.Errorf("workspace %v: status %s, want %s (%v)", tc.ws, st, tc.want, res.Tasks[0].Findings)
		}
	}
}
