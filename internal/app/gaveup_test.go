package app

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v62/github"

	"github.com/devops-lead/devops-lead/internal/github"
	"github.com/devops-lead/devops-lead/internal/githubtest"
	"github.com/devops-lead/devops-lead/internal/jobs"
	"github.com/devops-lead/devops-lead/internal/webhook"
)

const testBot = "devops-lead[bot]"

// gaveUpFixture is an issue whose applied plan has both tasks queued, on
// the in-memory GitHub.
type gaveUpFixture struct {
	srv    *githubtest.Server
	a      *App
	j      *job
	st     *State
	issue  *githubtest.Issue
	queued [][]jobs.TaskArgs
}

func newGaveUpFixture(t *testing.T) *gaveUpFixture {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv := githubtest.New(t, 5, &k.PublicKey)
	srv.AddInstallation(9, "acme/api")
	srv.Repo("acme/api").SetFiles(map[string]string{"go.mod": "module acme/api\n"})
	f := &gaveUpFixture{srv: srv, issue: srv.AddIssue("acme/api", "alice", "Add CI", "please")}
	ghApp := &github.App{ID: 5, APIURL: srv.URL, Key: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}),
		Sleep: func(context.Context, time.Duration) error { return nil }}
	f.a = &App{GitHub: ghApp, Bot: testBot, RetryWait: time.Millisecond,
		Enqueue: func(_ context.Context, tasks []jobs.TaskArgs) error { f.queued = append(f.queued, tasks); return nil }}
	c, err := ghApp.Installation(9)
	if err != nil {
		t.Fatal(err)
	}
	f.j = &job{a: f.a, c: c, d: &webhook.Delivery{ID: "d1", Installation: 9, Repo: "acme/api", Number: f.issue.Number,
		Payload: []byte(`{"repository":{"default_branch":"main"}}`)}, owner: "acme", repo: "api", number: f.issue.Number, defBranch: "main"}
	p := samplePlan()
	f.st = &State{V: 1, Issue: f.issue.Number, Hash: planHash(p), Plan: p, Applied: true,
		Tasks: map[string]*TaskState{"container": {Status: taskQueued}, "ci": {Status: taskQueued}}}
	if err := f.j.savePlan(context.Background(), f.st); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *gaveUpFixture) args(task string) jobs.TaskArgs {
	return jobs.TaskArgs{Installation: 9, Repo: "acme/api", Issue: f.issue.Number, DefaultBranch: "main", Task: task, Hash: f.st.Hash, Run: "d1"}
}

func (f *gaveUpFixture) state(t *testing.T) *State {
	t.Helper()
	st, _, err := f.j.state(context.Background())
	if err != nil || st == nil {
		t.Fatalf("state: %v %v", st, err)
	}
	return st
}

func (f *gaveUpFixture) botComments(substr string) int {
	n := 0
	for _, c := range f.srv.Repo("acme/api").CommentsOn(f.issue.Number) {
		if c.Author == testBot && strings.Contains(c.Body, substr) {
			n++
		}
	}
	return n
}

// A failure report lost to 500s is retried; it is posted once, and only
// then is the task recorded failed.
func TestTaskGaveUpRetriesTheReport(t *testing.T) {
	f := newGaveUpFixture(t)
	f.srv.FailNext("POST /repos/{owner}/{repo}/issues/{number}/comments", githubtest.FaultAfter, githubtest.FaultBefore)
	f.srv.FailNext("PATCH /repos/{owner}/{repo}/issues/comments/{id}", githubtest.FaultBefore, githubtest.FaultBefore,
		githubtest.FaultBefore, githubtest.FaultBefore, githubtest.FaultBefore)
	f.a.TaskGaveUp(context.Background(), f.args("container"), 8, fmt.Errorf("GET blob: 500"))
	if n := f.botComments("Task `container` (Containerize) did not produce a pull request: it failed 8 times"); n != 1 {
		t.Fatalf("%d failure comments, want 1", n)
	}
	if st := f.state(t); st.Tasks["container"].Status != taskFailed || st.Tasks["ci"].Status != taskQueued {
		t.Fatalf("tasks: container %s, ci %s; want failed and still queued", st.Tasks["container"].Status, st.Tasks["ci"].Status)
	}
}

// A task whose pull request an earlier attempt opened is done, not
// failed, whatever made its last attempt fail.
func TestTaskGaveUpAdoptsTheOpenPR(t *testing.T) {
	f := newGaveUpFixture(t)
	ctx := context.Background()
	base, err := f.j.c.BaseOf(ctx, "acme", "api", "main")
	if err != nil {
		t.Fatal(err)
	}
	branch := fmt.Sprintf("devops-lead/%d-container", f.issue.Number)
	if _, err := f.j.c.CommitFiles(ctx, "acme", "api", branch, base, "add", []github.FileChange{{Path: "Dockerfile", Content: []byte("FROM scratch\n")}}); err != nil {
		t.Fatal(err)
	}
	marker := github.Marker(fmt.Sprintf("pr:%d:container:%s", f.issue.Number, f.st.Hash))
	pr, _, err := f.j.c.EnsurePR(ctx, "acme", "api", &gh.NewPullRequest{Title: gh.String("Containerize"), Head: gh.String(branch),
		Base: gh.String("main"), Body: gh.String("body\n" + marker)})
	if err != nil {
		t.Fatal(err)
	}
	f.a.TaskGaveUp(ctx, f.args("container"), 8, fmt.Errorf("save plan: 500"))
	st := f.state(t)
	if ts := st.Tasks["container"]; ts.Status != taskPR || ts.PR != pr.GetNumber() || ts.Branch != branch {
		t.Fatalf("container: %+v; want done with PR #%d", ts, pr.GetNumber())
	}
	if n := f.botComments("did not produce a pull request"); n != 0 {
		t.Fatalf("%d failure comments for a task whose PR is open", n)
	}
	// Another plan's PR on the branch is not this task's.
	f.a.TaskGaveUp(ctx, f.args("ci"), 8, fmt.Errorf("500"))
	if st := f.state(t); st.Tasks["ci"].Status != taskFailed {
		t.Fatalf("ci: %s, want failed (it has no PR)", st.Tasks["ci"].Status)
	}
}

// A delivery that gave up after saving a plan with queued tasks queues
// them, so none waits for a job that does not exist.
func TestGaveUpQueuesWaitingTasks(t *testing.T) {
	f := newGaveUpFixture(t)
	f.st.Tasks["container"].Status = taskPR
	if err := f.j.savePlan(context.Background(), f.st); err != nil {
		t.Fatal(err)
	}
	f.a.GaveUp(context.Background(), f.j.d, 8, fmt.Errorf("queue tasks: database is locked"))
	if len(f.queued) != 1 || len(f.queued[0]) != 1 || f.queued[0][0] != f.args("ci") {
		t.Fatalf("queued %+v; want the ci task alone", f.queued)
	}
	if n := f.botComments("gave up on this request after 8 attempts"); n != 1 {
		t.Fatalf("%d gave-up comments, want 1", n)
	}
}
