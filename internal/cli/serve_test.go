package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/config"
	"github.com/devops-lead/devops-lead/internal/githubtest"
	"github.com/devops-lead/devops-lead/internal/jobs/jobstest"
	"github.com/devops-lead/devops-lead/internal/validate"
	"github.com/devops-lead/devops-lead/internal/webhook"
)

const hookSecret = "e2e-webhook-secret"

// e2e is one in-process `serve` against the in-memory GitHub.
type e2e struct {
	t      *testing.T
	gh     *githubtest.Server
	cfg    *config.Server
	url    string
	cancel context.CancelFunc
	done   chan error
	issue  *githubtest.Issue
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	gh, key := newAppGitHub(t)
	repo := gh.Repo("acme/api")
	repo.Permissions["mallory"] = "read"
	e := &e2e{t: t, gh: gh, cfg: testServerConfig(t, gh.URL, key)}
	if os.Getenv(jobstest.EnvVar) != "" {
		e.cfg.DatabaseURL = jobstest.PostgresURL(t)
	}
	e.issue = gh.AddIssue("acme/api", "alice", "Add CI and containerize the API", "We need CI on pull requests and a container image.")
	e.start()
	t.Cleanup(e.stop)
	return e
}

func (e *e2e) start() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	e.url = "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.done = cancel, make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	go func() { e.done <- Serve(ctx, e.cfg, ln, log) }()
	for i := 0; i < 100; i++ {
		if resp, err := http.Get(e.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatal("serve did not become ready")
}

func (e *e2e) stop() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	if err := <-e.done; err != nil {
		e.t.Errorf("serve: %v", err)
	}
	e.cancel = nil
}

var deliverySeq struct {
	sync.Mutex
	n int
}

func nextDelivery() string {
	deliverySeq.Lock()
	defer deliverySeq.Unlock()
	deliverySeq.n++
	return fmt.Sprintf("e2e-%d-%d", time.Now().UnixNano(), deliverySeq.n)
}

// payload builds a webhook payload from the shared fixtures, pointed at
// this test's issue.
func (e *e2e) payload(fixture, sender, body string) []byte {
	return eventPayload(e.t, e.gh, e.issue, fixture, sender, body)
}

func (e *e2e) post(event, id string, body []byte, sig string) int {
	req, _ := http.NewRequest("POST", e.url+"/webhook", bytes.NewReader(body))
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", id)
	if sig != "" {
		req.Header.Set("X-Hub-Signature-256", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (e *e2e) deliver(event string, body []byte) string {
	id := nextDelivery()
	if code := e.post(event, id, body, webhook.Sign(hookSecret, body)); code != http.StatusAccepted {
		e.t.Fatalf("delivery %s: %d", event, code)
	}
	return id
}

// waitUntil polls the in-memory GitHub until cond holds.
func (e *e2e) waitUntil(what string, cond func(r *githubtest.Repo) bool) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		e.gh.Lock()
		ok := cond(e.gh.ReposUnlocked("acme/api"))
		e.gh.Unlock()
		if ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.gh.Lock()
	defer e.gh.Unlock()
	r := e.gh.ReposUnlocked("acme/api")
	var cs []string
	for _, c := range r.CommentsOn(e.issue.Number) {
		cs = append(cs, c.Author+": "+c.Body)
	}
	e.t.Fatalf("timed out waiting for %s; comments:\n%s\ncalls:\n%s", what, strings.Join(cs, "\n---\n"), "")
}

func botComments(r *githubtest.Repo, number int) []*githubtest.Comment {
	return commentsBy(r, number, "devops-lead[bot]")
}

// TestServeLabelToPullRequests: the trigger label → plan comment,
// sub-issues, PRs whose files pass the gate; the same delivery three
// times → one of everything.
func TestServeLabelToPullRequests(t *testing.T) {
	e := newE2E(t)
	body := e.payload("issues-labeled.json", "alice", "")
	id := e.deliver("issues", body)
	for i := 0; i < 2; i++ {
		if code := e.post("issues", id, body, webhook.Sign(hookSecret, body)); code != http.StatusOK {
			t.Fatalf("redelivery: %d, want 200", code)
		}
	}
	e.waitUntil("two pull requests", func(r *githubtest.Repo) bool { return len(openPRs(r)) == 2 })
	time.Sleep(300 * time.Millisecond) // a wrong second job would show now

	e.gh.Lock()
	defer e.gh.Unlock()
	r := e.gh.ReposUnlocked("acme/api")
	parent := r.Issues[e.issue.Number]
	if len(parent.SubIssues) != 2 {
		t.Fatalf("sub-issues = %v, want 2", parent.SubIssues)
	}
	plans := 0
	for _, c := range botComments(r, e.issue.Number) {
		if strings.Contains(c.Body, "<!-- devops-lead:plan") {
			plans++
			if !strings.Contains(c.Body, "pull request #") {
				t.Errorf("plan comment does not link the PRs:\n%s", c.Body)
			}
		}
	}
	if plans != 1 {
		t.Fatalf("%d plan comments, want 1", plans)
	}
	if len(r.Pulls) != 2 {
		t.Fatalf("%d pull requests, want 2", len(r.Pulls))
	}
	for _, p := range r.Pulls {
		if !strings.Contains(p.Body, "Closes #") || !strings.Contains(p.Body, "<!-- devops-lead:pr:") {
			t.Errorf("PR #%d body lacks Closes or its marker:\n%s", p.Number, p.Body)
		}
		if len(p.Reviewers) != 1 || p.Reviewers[0] != "alice" {
			t.Errorf("PR #%d reviewers = %v, want the issue author", p.Number, p.Reviewers)
		}
		var files []validate.File
		for _, path := range []string{"Dockerfile", ".dockerignore", ".github/workflows/ci.yml", ".github/workflows/image.yml"} {
			if c, ok := r.File(p.Head, path); ok {
				files = append(files, validate.File{Path: path, Content: []byte(c)})
			}
		}
		if len(files) == 0 {
			t.Errorf("PR #%d (%s) has none of the expected files", p.Number, p.Head)
		}
		if fs := validate.Errors(validate.Check(files, validate.Options{})); len(fs) > 0 {
			t.Errorf("PR #%d files fail the gate: %v", p.Number, fs)
		}
	}
	if len(r.Issues) != 1+2+2 { // the issue, two sub-issues, two PRs
		t.Errorf("%d issues and PRs in all, want 5", len(r.Issues))
	}
}

// TestServeCommandsAndOutsiders: /devops plan plans only; an outsider
// gets one polite reply and nothing else; bad signatures get 401.
func TestServeCommandsAndOutsiders(t *testing.T) {
	e := newE2E(t)
	e.deliver("issue_comment", e.payload("issue-comment-created.json", "alice", "/devops plan"))
	e.waitUntil("the plan comment", func(r *githubtest.Repo) bool {
		for _, c := range botComments(r, e.issue.Number) {
			if strings.Contains(c.Body, "<!-- devops-lead:plan") {
				return true
			}
		}
		return false
	})
	for i := 0; i < 2; i++ {
		e.deliver("issue_comment", e.payload("issue-comment-created.json", "mallory", "/devops apply"))
	}
	e.waitUntil("the refusal", func(r *githubtest.Repo) bool {
		for _, c := range botComments(r, e.issue.Number) {
			if strings.Contains(c.Body, "Only people with write access") {
				return true
			}
		}
		return false
	})
	body := e.payload("issue-comment-created.json", "alice", "/devops apply")
	if code := e.post("issue_comment", nextDelivery(), body, webhook.Sign("wrong", body)); code != http.StatusUnauthorized {
		t.Fatalf("forged delivery: %d", code)
	}
	if code := e.post("issue_comment", nextDelivery(), body, ""); code != http.StatusUnauthorized {
		t.Fatalf("unsigned delivery: %d", code)
	}
	time.Sleep(500 * time.Millisecond)
	e.gh.Lock()
	defer e.gh.Unlock()
	r := e.gh.ReposUnlocked("acme/api")
	if len(r.Pulls) != 0 || len(r.Issues[e.issue.Number].SubIssues) != 0 {
		t.Fatalf("plan only, outsider and forged deliveries opened %d PRs and %d sub-issues", len(r.Pulls), len(r.Issues[e.issue.Number].SubIssues))
	}
	refusals := 0
	for _, c := range botComments(r, e.issue.Number) {
		if strings.Contains(c.Body, "Only people with write access") {
			refusals++
		}
	}
	if refusals != 1 {
		t.Fatalf("%d refusals, want exactly one", refusals)
	}
	// The command comment got its 👀.
	eyes := false
	for _, c := range r.CommentsOn(e.issue.Number) {
		for _, re := range c.Reactions {
			if re.Content == "eyes" && c.Author == "alice" {
				eyes = true
			}
		}
	}
	if !eyes {
		t.Error("the accepted command was not acknowledged with eyes")
	}
}

// TestServeRestartFinishesOnce: the server stops after the plan job; the
// apply delivered before the stop finishes exactly once after a restart,
// through injected 500s and a secondary rate limit.
func TestServeRestartFinishesOnce(t *testing.T) {
	e := newE2E(t)
	e.deliver("issue_comment", e.payload("issue-comment-created.json", "alice", "/devops plan"))
	e.waitUntil("the plan comment", func(r *githubtest.Repo) bool {
		for _, c := range botComments(r, e.issue.Number) {
			if strings.Contains(c.Body, "<!-- devops-lead:plan") {
				return true
			}
		}
		return false
	})
	e.stop()
	// A delivery that arrived while we were down is redelivered by GitHub
	// when we are back; one stored before the stop is finished on start.
	e.gh.Fail("POST /repos/{owner}/{repo}/pulls", githubtest.ServerError())
	e.gh.Fail("POST /repos/{owner}/{repo}/issues", githubtest.SecondaryRateLimit(0))
	e.start()
	e.deliver("issue_comment", e.payload("issue-comment-created.json", "alice", "/devops apply"))
	e.waitUntil("two pull requests", func(r *githubtest.Repo) bool { return len(openPRs(r)) == 2 })
	e.stop()
	e.start()
	time.Sleep(500 * time.Millisecond)
	e.gh.Lock()
	defer e.gh.Unlock()
	r := e.gh.ReposUnlocked("acme/api")
	if len(r.Pulls) != 2 || len(r.Issues[e.issue.Number].SubIssues) != 2 {
		t.Fatalf("%d PRs, %d sub-issues after restarts and faults, want 2 and 2", len(r.Pulls), len(r.Issues[e.issue.Number].SubIssues))
	}
}

func hasBotComment(r *githubtest.Repo, number int, substr string) bool {
	return hasCommentBy(r, number, "devops-lead[bot]", substr)
}

// TestServeRepoConfig: a bad config gets one comment pointing at the
// line and nothing else; require_approval makes the label plan only.
func TestServeRepoConfig(t *testing.T) {
	e := newE2E(t)
	e.gh.Lock()
	e.gh.ReposUnlocked("acme/api").SetFiles(map[string]string{".github/devops-lead.yml": "trigger_label: devops\nrequire_aproval: true\n"})
	e.gh.Unlock()
	e.deliver("issues", e.payload("issues-labeled.json", "alice", ""))
	e.waitUntil("the config error", func(r *githubtest.Repo) bool {
		return hasBotComment(r, e.issue.Number, "line 2")
	})
	e.gh.Lock()
	r := e.gh.ReposUnlocked("acme/api")
	if hasBotComment(r, e.issue.Number, "<!-- devops-lead:plan") || len(r.Pulls) != 0 {
		e.gh.Unlock()
		t.Fatal("a bad config must stop the job")
	}
	r.SetFiles(map[string]string{".github/devops-lead.yml": "require_approval: true\n"})
	e.gh.Unlock()
	e.deliver("issues", e.payload("issues-labeled.json", "alice", ""))
	e.waitUntil("the plan", func(r *githubtest.Repo) bool { return hasBotComment(r, e.issue.Number, "<!-- devops-lead:plan") })
	time.Sleep(400 * time.Millisecond)
	e.gh.Lock()
	defer e.gh.Unlock()
	r = e.gh.ReposUnlocked("acme/api")
	if len(r.Pulls) != 0 || len(r.Issues[e.issue.Number].SubIssues) != 0 {
		t.Fatal("require_approval: the label must only plan")
	}
}

// TestServeWorkflowPermission: without the workflows permission the CI
// task posts its workflow as a suggested file; the container PR opens.
func TestServeWorkflowPermission(t *testing.T) {
	e := newE2E(t)
	e.gh.Lock()
	e.gh.ReposUnlocked("acme/api").BlockWorkflows = true
	e.gh.Unlock()
	e.deliver("issues", e.payload("issues-labeled.json", "alice", ""))
	e.waitUntil("the suggested workflow", func(r *githubtest.Repo) bool {
		for n := range r.Issues {
			if hasBotComment(r, n, "<!-- devops-lead:suggested:ci -->") {
				return true
			}
		}
		return false
	})
	e.waitUntil("the container PR and the plan status", func(r *githubtest.Repo) bool {
		return len(openPRs(r)) == 1 && hasBotComment(r, e.issue.Number, "needs the workflows permission")
	})
}

// TestServeGivesUpLoudly: when GitHub keeps failing, each task's job stops
// after its last attempt and says so on the issue with the retry command;
// no pull request is half-opened.
func TestServeGivesUpLoudly(t *testing.T) {
	e := newE2E(t)
	var faults []githubtest.Fault
	for i := 0; i < 10; i++ {
		faults = append(faults, githubtest.ServerError())
	}
	e.gh.Fail("POST /repos/{owner}/{repo}/pulls", faults...)
	e.deliver("issues", e.payload("issues-labeled.json", "alice", ""))
	e.waitUntil("a failure comment per task", func(r *githubtest.Repo) bool {
		return hasBotComment(r, e.issue.Number, "Task `container` (Containerize server) did not produce a pull request: it failed 3 times") &&
			hasBotComment(r, e.issue.Number, "Task `ci` (GitHub Actions: ci workflow) did not produce a pull request: it failed 3 times")
	})
	e.gh.Lock()
	defer e.gh.Unlock()
	if n := len(e.gh.ReposUnlocked("acme/api").Pulls); n != 0 {
		t.Fatalf("%d pull requests opened while GitHub failed", n)
	}
}

// TestServeRetryRedoesOnlyTheFailedTask: with the PR for one task failing
// for good, /devops retry runs that task again and leaves the other alone.
func TestServeRetryRedoesOnlyTheFailedTask(t *testing.T) {
	e := newE2E(t)
	var faults []githubtest.Fault
	for i := 0; i < 5; i++ {
		faults = append(faults, githubtest.ServerError())
	}
	// Five failures over two tasks of three attempts each: one task gives
	// up, the other opens its PR on its last attempt.
	e.gh.Fail("POST /repos/{owner}/{repo}/pulls", faults...)
	e.deliver("issues", e.payload("issues-labeled.json", "alice", ""))
	e.waitUntil("one PR and one failed task", func(r *githubtest.Repo) bool {
		return len(openPRs(r)) == 1 && hasBotComment(r, e.issue.Number, "did not produce a pull request")
	})
	e.gh.Lock()
	r := e.gh.ReposUnlocked("acme/api")
	var first *githubtest.Pull
	for _, p := range r.Pulls {
		first = p
	}
	headBefore := r.Head(first.Head)
	e.gh.Unlock()
	e.deliver("issue_comment", e.payload("issue-comment-created.json", "alice", "/devops retry"))
	e.waitUntil("both PRs", func(r *githubtest.Repo) bool { return len(openPRs(r)) == 2 })
	e.gh.Lock()
	defer e.gh.Unlock()
	r = e.gh.ReposUnlocked("acme/api")
	if got := r.Head(first.Head); got != headBefore {
		t.Errorf("the task that had succeeded was redone: %s moved", first.Head)
	}
	if len(r.Pulls) != 2 {
		t.Fatalf("%d pull requests, want 2", len(r.Pulls))
	}
}
