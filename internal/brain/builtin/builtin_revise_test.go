package builtin

import (
	"context"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
)

// TestReviseReadsTheReview: the built-in brain revises a task by reading
// the reviewers' comments as part of the request, so what its lead
// understands changes the task's params; what it does not understand
// changes nothing; and a review that moves the work out of the task is
// refused with the way forward.
func TestReviseReadsTheReview(t *testing.T) {
	repo, fsys := kittest.GoRepo()
	fsys = kittest.WithFile(fsys, "Dockerfile", kittest.GoDockerfileOK)
	issue := engine.Issue{Title: "Run it on Kubernetes"}
	p := kittest.Plan(t, issue.Title, "", repo, fsys)
	k8s := kittest.Task(p, kit.TaskK8s)
	if k8s == nil || k8s.Params["autoscaling"] != "false" {
		t.Fatalf("plan: %+v", p.Tasks)
	}
	e := &engine.Engine{Brain: New(), Modes: kittest.DefaultModes(t)}
	first := e.RunTask(context.Background(), issue, p, repo, fsys, *k8s, nil)
	if first.Status != engine.StatusDone {
		t.Fatalf("first run: %s %s", first.Status, first.Error)
	}
	paths := func(tr engine.TaskResult) string { return strings.Join(tr.ChangeSet.Paths(), ",") }

	fb := []engine.Feedback{{Author: "alice", Body: "Looks good, but please add autoscaling."},
		{Author: "alice", Path: "k8s/api/deployment.yaml", Line: 3, Body: "and a PodDisruptionBudget"}}
	rev := e.ReviseTask(context.Background(), issue, p, repo, fsys, *k8s, nil, first.ChangeSet, fb)
	if rev.Status != engine.StatusDone || len(rev.Findings) != 0 {
		t.Fatalf("revision: %s %s %v", rev.Status, rev.Error, rev.Findings)
	}
	if !strings.Contains(paths(rev), "hpa.yaml") || !strings.Contains(paths(rev), "pdb.yaml") || strings.Contains(paths(first), "hpa.yaml") {
		t.Errorf("autoscaling was not added: before %s, after %s", paths(first), paths(rev))
	}

	same := e.ReviseTask(context.Background(), issue, p, repo, fsys, *k8s, nil, first.ChangeSet,
		[]engine.Feedback{{Author: "alice", Body: "Please rename the container to web-1."}})
	if same.Status != engine.StatusDone || paths(same) != paths(first) {
		t.Fatalf("a review the lead does not understand changed the files: %s %s -> %s", same.Status, paths(first), paths(same))
	}
	for i, f := range same.ChangeSet.Files {
		if string(f.Content) != string(first.ChangeSet.Files[i].Content) {
			t.Errorf("%s changed", f.Path)
		}
	}

	gone := engine.Task{ID: "monitoring", Mode: "monitoring-specialist", Title: "Alerts"}
	out := e.ReviseTask(context.Background(), issue, p, repo, fsys, gone, nil, first.ChangeSet, fb)
	if out.Status != engine.StatusFailed || !strings.Contains(out.Error, "no longer plans task \"monitoring\"") || !strings.Contains(out.Error, "/devops plan") {
		t.Errorf("a task the revised plan lacks: %s %q", out.Status, out.Error)
	}
}
