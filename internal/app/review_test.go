package app

import (
	"testing"
	"testing/fstest"

	gh "github.com/google/go-github/v62/github"

	"github.com/devops-lead/devops-lead/internal/change"
)

// TestChangedFrom: a revision's commit changes what differs, adds what is
// new, and puts back as in the plan's base what the revision no longer
// writes (deleting only what base does not have).
func TestChangedFrom(t *testing.T) {
	base := fstest.MapFS{"b.yaml": {Data: []byte("base b\n")}, "c.yaml": {Data: []byte("base c\n")}, "same.yaml": {Data: []byte("s\n")}}
	cur := change.New("k8s", "kubernetes-specialist")
	cur.Put("a.yaml", []byte("a1\n"), nil, "")
	cur.Put("b.yaml", []byte("pr b\n"), nil, "")
	cur.Remove("c.yaml", nil, "")
	cur.Put("keep.yaml", []byte("k\n"), nil, "")
	cur.Put("gone.yaml", []byte("g\n"), nil, "")
	next := change.New("k8s", "kubernetes-specialist")
	next.Put("a.yaml", []byte("a2\n"), nil, "")
	next.Put("d.yaml", []byte("d\n"), nil, "")
	next.Put("keep.yaml", []byte("k\n"), nil, "")
	got, err := changedFrom(cur, next, base)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a.yaml": "a2\n", "d.yaml": "d\n", "b.yaml": "base b\n", "c.yaml": "base c\n", "gone.yaml": "<delete>"}
	if len(got) != len(want) {
		t.Fatalf("got %d changes %+v, want %d", len(got), got, len(want))
	}
	for _, f := range got {
		w, ok := want[f.Path]
		switch {
		case !ok:
			t.Errorf("unexpected change of %s", f.Path)
		case w == "<delete>" && !f.Delete, w != "<delete>" && (f.Delete || string(f.Content) != w):
			t.Errorf("%s: delete %v content %q, want %q", f.Path, f.Delete, f.Content, w)
		}
	}
}

// TestTaskOf: only a pull request with devops-lead's marker whose head is
// the task's branch in this repository is a task's.
func TestTaskOf(t *testing.T) {
	j := &job{owner: "acme", repo: "api"}
	pr := func(body, ref, repo string) *gh.PullRequest {
		return &gh.PullRequest{Number: gh.Int(9), Body: gh.String(body),
			Head: &gh.PullRequestBranch{Ref: gh.String(ref), Repo: &gh.Repository{FullName: gh.String(repo)}}}
	}
	marker := "text\n<!-- devops-lead:pr:3:k8s:0123abcd -->\n"
	if got, ok := j.taskOf(pr(marker, "devops-lead/3-k8s", "acme/api")); !ok || got.issue != 3 || got.task != "k8s" || got.number != 9 {
		t.Errorf("the task's PR: %+v %v", got, ok)
	}
	for name, p := range map[string]*gh.PullRequest{
		"no marker":    pr("text", "devops-lead/3-k8s", "acme/api"),
		"other branch": pr(marker, "feature/x", "acme/api"),
		"a fork":       pr(marker, "devops-lead/3-k8s", "mallory/api"),
		"other task":   pr(marker, "devops-lead/3-ci", "acme/api"),
	} {
		if _, ok := j.taskOf(p); ok {
			t.Errorf("%s: taken for a task's pull request", name)
		}
	}
}
