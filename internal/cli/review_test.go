package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/app"
	"github.com/devops-lead/devops-lead/internal/githubtest"
)

// The review loop end to end through `devops-lead action`: reviews and
// `/devops revise` on the pull requests devops-lead opened.

// reviewPayload is a pull_request_review/submitted event for review rv
// of pull request p of acme/api.
func reviewPayload(t *testing.T, gh *githubtest.Server, p *githubtest.Pull, rv *githubtest.Review) []byte {
	t.Helper()
	gh.Lock()
	head := gh.ReposUnlocked("acme/api").Head(p.Head)
	gh.Unlock()
	repo := map[string]any{"id": 3001, "name": "api", "full_name": "acme/api", "default_branch": "main",
		"owner": map[string]any{"login": "acme", "id": 21, "type": "Organization"}}
	user := map[string]any{"login": rv.Author, "id": 11, "type": "User"}
	m := map[string]any{
		"action": "submitted",
		"review": map[string]any{"id": rv.ID, "state": strings.ToLower(rv.State), "body": rv.Body, "user": user},
		"pull_request": map[string]any{"number": p.Number, "state": p.State, "title": p.Title, "body": p.Body,
			"head": map[string]any{"ref": p.Head, "sha": head, "repo": repo},
			"base": map[string]any{"ref": p.Base, "repo": repo}, "user": map[string]any{"login": p.Author, "type": "Bot"}},
		"repository": repo, "sender": user, "installation": map[string]any{"id": 42},
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (e *actionE2E) reviewPayload(p *githubtest.Pull, rv *githubtest.Review) []byte {
	return reviewPayload(e.t, e.gh, p, rv)
}

// prCommentPayload is an issue_comment/created event on pull request p.
func (e *actionE2E) prCommentPayload(p *githubtest.Pull, sender, body string) []byte {
	e.t.Helper()
	e.gh.Lock()
	is := e.gh.ReposUnlocked("acme/api").Issues[p.Number]
	e.gh.Unlock()
	var m map[string]any
	if err := json.Unmarshal(eventPayload(e.t, e.gh, is, "issue-comment-created.json", sender, body), &m); err != nil {
		e.t.Fatal(err)
	}
	m["issue"].(map[string]any)["pull_request"] = map[string]any{"url": e.gh.URL + "/repos/acme/api/pulls/" + jsonNum(p.Number)}
	out, _ := json.Marshal(m)
	return out
}

func jsonNum(n int) string { b, _ := json.Marshal(n); return string(b) }

// k8sPR runs a labeled "Run it on Kubernetes" issue and returns the
// Kubernetes task's pull request.
func k8sPR(t *testing.T) (*actionE2E, *githubtest.Pull) {
	t.Helper()
	e := newActionE2E(t)
	e.issue = e.gh.AddIssue("acme/api", "alice", "Run it on Kubernetes", "Deployment manifests for the API, please.")
	if code, out := e.run("issues", e.payload("issues-labeled.json", "alice", "")); code != exitOK {
		t.Fatalf("label: exit %d:\n%s", code, out)
	}
	e.gh.Lock()
	defer e.gh.Unlock()
	r := e.gh.ReposUnlocked("acme/api")
	st := planState(t, r, e.issue.Number)
	ts := st.Tasks["k8s"]
	if ts == nil || ts.PR == 0 || ts.Head == "" || ts.Head != r.Head(ts.Branch) {
		t.Fatalf("k8s task: %+v (branch head %s)", ts, r.Head(ts.Branch))
	}
	return e, r.Pulls[ts.PR]
}

// branchState is what the test reads of a task branch after a run.
func branchState(e *actionE2E, p *githubtest.Pull) (head string, commits int, files map[string]bool, st *app.State) {
	e.gh.Lock()
	defer e.gh.Unlock()
	r := e.gh.ReposUnlocked("acme/api")
	files = map[string]bool{}
	for _, f := range []string{"hpa.yaml", "pdb.yaml", "ingress.yaml", "networkpolicy.yaml", "deployment.yaml"} {
		_, files[f] = r.File(p.Head, "k8s/server/"+f)
	}
	return r.Head(p.Head), len(r.Commits(p.Head)), files, planState(e.t, r, e.issue.Number)
}

func botRepliesOn(e *actionE2E, number int, substr string) int {
	e.gh.Lock()
	defer e.gh.Unlock()
	n := 0
	for _, c := range commentsBy(e.gh.ReposUnlocked("acme/api"), number, defaultActionBot) {
		if strings.Contains(c.Body, substr) {
			n++
		}
	}
	return n
}

// TestReviewRevisesThePullRequest: a review requesting changes that the
// built-in lead understands ("add autoscaling") adds one commit on top
// of the branch with the new files, records it in the plan state and
// replies; the same event again does nothing; a review it cannot act on
// changes nothing and says so.
func TestReviewRevisesThePullRequest(t *testing.T) {
	e, p := k8sPR(t)
	head0, commits0, files0, _ := branchState(e, p)
	if files0["hpa.yaml"] || !files0["deployment.yaml"] {
		t.Fatalf("before the review: %v", files0)
	}
	rv := e.gh.AddReview("acme/api", p.Number, "alice", "CHANGES_REQUESTED", "Please add autoscaling.",
		githubtest.ReviewComment{Path: "k8s/server/deployment.yaml", Line: 12, Body: "and keep a pod up during drains"})
	payload := e.reviewPayload(p, rv)
	e.gh.ResetCalls()
	if code, out := e.run("pull_request_review", payload); code != exitOK {
		t.Fatalf("review: exit %d:\n%s", code, out)
	}
	t.Logf("one revision: %d API calls, %d of them writes:\n%s", e.gh.TotalCalls(), writes(e.gh), e.gh.CallSummary())
	head1, commits1, files1, st := branchState(e, p)
	if commits1 != commits0+1 || head1 == head0 {
		t.Fatalf("commits %d -> %d, head %s -> %s: want one new commit", commits0, commits1, head0, head1)
	}
	e.gh.Lock()
	parent := e.gh.ReposUnlocked("acme/api").Commits(p.Head)[1].SHA
	e.gh.Unlock()
	if parent != head0 {
		t.Errorf("the revision's parent is %s, want the old head %s (no force-push)", parent, head0)
	}
	if !files1["hpa.yaml"] || !files1["pdb.yaml"] || !files1["deployment.yaml"] {
		t.Errorf("after the review: %v, want the autoscaler and the disruption budget added", files1)
	}
	if ts := st.Tasks["k8s"]; ts.Head != head1 || ts.Revisions != 1 {
		t.Errorf("plan state: head %s, revisions %d; want %s, 1", ts.Head, ts.Revisions, head1)
	}
	if n := botRepliesOn(e, p.Number, "revised this pull request in"); n != 1 {
		t.Fatalf("%d revision replies on the pull request, want 1", n)
	}
	if botRepliesOn(e, p.Number, "k8s/server/hpa.yaml") != 1 {
		t.Error("the reply does not list the files")
	}
	if sum := e.summary(); !strings.Contains(sum, "its reply there says what it revised") {
		t.Errorf("the job summary of a review run:\n%s", sum)
	}
	if botRepliesOn(e, e.issue.Number, "revised once for its reviewers") != 1 {
		t.Error("the plan comment does not show the revision")
	}

	// The same delivery again: nothing new.
	e.gh.ResetCalls()
	if code, out := e.run("pull_request_review", payload); code != exitOK {
		t.Fatalf("again: exit %d:\n%s", code, out)
	}
	if h, c, _, _ := branchState(e, p); h != head1 || c != commits1 {
		t.Errorf("the repeated review moved the branch: %s (%d commits)", h, c)
	}
	if w := writes(e.gh); w != 0 {
		t.Errorf("the repeated review wrote %d times:\n%s", w, e.gh.CallSummary())
	}

	// A review the built-in lead cannot act on: no commit, a plain reply.
	rv2 := e.gh.AddReview("acme/api", p.Number, "alice", "CHANGES_REQUESTED", "Rename the container to web-1.")
	if code, out := e.run("pull_request_review", e.reviewPayload(p, rv2)); code != exitOK {
		t.Fatalf("second review: exit %d:\n%s", code, out)
	}
	if h, _, _, _ := branchState(e, p); h != head1 {
		t.Error("a review the brain cannot act on moved the branch")
	}
	if botRepliesOn(e, p.Number, "nothing changed") != 1 || botRepliesOn(e, p.Number, "GEMINI_API_KEY") != 1 {
		t.Error("no plain reply that nothing changed and why")
	}

	// An approval or a plain comment review starts nothing.
	e.gh.ResetCalls()
	ok := e.gh.AddReview("acme/api", p.Number, "alice", "APPROVED", "Looks good, add an ingress later maybe.")
	if code, out := e.run("pull_request_review", e.reviewPayload(p, ok)); code != exitOK {
		t.Fatalf("approval: exit %d:\n%s", code, out)
	}
	if w := writes(e.gh); w != 0 {
		t.Errorf("an approval wrote %d times:\n%s", w, e.gh.CallSummary())
	}
}

// TestReviseCommandAndForeignCommits: `/devops revise <what>` on the pull
// request revises it like a review; other commands there point to the
// issue; outsiders get the polite refusal; and once someone else pushed to
// the branch, devops-lead does not build over their commit.
func TestReviseCommandAndForeignCommits(t *testing.T) {
	e, p := k8sPR(t)
	if code, out := e.run("issue_comment", e.prCommentPayload(p, "alice", "/devops revise add an ingress for the API")); code != exitOK {
		t.Fatalf("revise: exit %d:\n%s", code, out)
	}
	head1, _, files, _ := branchState(e, p)
	if !files["ingress.yaml"] || !files["networkpolicy.yaml"] {
		t.Fatalf("after /devops revise: %v, want the ingress", files)
	}

	if code, out := e.run("issue_comment", e.prCommentPayload(p, "alice", "/devops apply")); code != exitOK {
		t.Fatalf("apply on the PR: exit %d:\n%s", code, out)
	}
	if botRepliesOn(e, p.Number, "works on the issue, #") != 1 {
		t.Error("/devops apply on the pull request does not point to the issue")
	}

	e.gh.ResetCalls()
	if code, out := e.run("issue_comment", e.prCommentPayload(p, "mallory", "/devops revise add autoscaling")); code != exitOK {
		t.Fatalf("outsider: exit %d:\n%s", code, out)
	}
	if h, _, _, _ := branchState(e, p); h != head1 {
		t.Error("an outsider's command moved the branch")
	}
	if botRepliesOn(e, p.Number, "Only people with write access") != 1 {
		t.Error("no polite refusal for the outsider")
	}

	e.gh.Lock()
	pushed := e.gh.ReposUnlocked("acme/api").Push(p.Head, "bob", map[string]string{"k8s/server/service.yaml": "# bob's change\n"})
	e.gh.Unlock()
	rv := e.gh.AddReview("acme/api", p.Number, "alice", "CHANGES_REQUESTED", "Please add autoscaling.")
	if code, out := e.run("pull_request_review", e.reviewPayload(p, rv)); code != exitOK {
		t.Fatalf("review after a push: exit %d:\n%s", code, out)
	}
	if h, _, files, _ := branchState(e, p); h != pushed || files["hpa.yaml"] {
		t.Errorf("devops-lead built over bob's commit: head %s (bob's %s), files %v", h, pushed, files)
	}
	if botRepliesOn(e, p.Number, "has commits devops-lead did not make") != 1 {
		t.Error("no reply explaining why the branch was left alone")
	}
}

// TestServeReviewRevises: the same review loop through the App: a review
// delivered to the webhook is queued and revises the pull request.
func TestServeReviewRevises(t *testing.T) {
	e := newE2E(t)
	e.issue = e.gh.AddIssue("acme/api", "alice", "Run it on Kubernetes", "Deployment manifests for the API, please.")
	e.deliver("issues", e.payload("issues-labeled.json", "alice", ""))
	var pr *githubtest.Pull
	e.waitUntil("the Kubernetes pull request", func(r *githubtest.Repo) bool {
		for _, p := range openPRs(r) {
			if strings.HasSuffix(p.Head, "-k8s") {
				pr = p
				return true
			}
		}
		return false
	})
	e.gh.Lock()
	head0 := e.gh.ReposUnlocked("acme/api").Head(pr.Head)
	e.gh.Unlock()
	rv := e.gh.AddReview("acme/api", pr.Number, "alice", "CHANGES_REQUESTED", "Please add autoscaling.")
	e.deliver("pull_request_review", reviewPayload(t, e.gh, pr, rv))
	e.waitUntil("the revision", func(r *githubtest.Repo) bool {
		_, hpa := r.File(pr.Head, "k8s/server/hpa.yaml")
		return hpa && hasCommentBy(r, pr.Number, "devops-lead[bot]", "revised this pull request in")
	})
	e.gh.Lock()
	defer e.gh.Unlock()
	cs := e.gh.ReposUnlocked("acme/api").Commits(pr.Head)
	if len(cs) < 2 || cs[1].SHA != head0 {
		t.Errorf("the revision is not one commit on top of %s", head0)
	}
}

// TestRetryKeepsOthersCommits: `/devops retry <task>` replaces the task's
// branch only while it ends with devops-lead's own last commit; after
// someone pushed to it, the retry fails and says why, and their commit
// stays.
func TestRetryKeepsOthersCommits(t *testing.T) {
	e, p := k8sPR(t)
	if code, out := e.run("issue_comment", e.payload("issue-comment-created.json", "alice", "/devops retry k8s")); code != exitOK {
		t.Fatalf("retry of an untouched branch: exit %d:\n%s", code, out)
	}
	// A crash lost the recorded head: the branch's head is still
	// devops-lead's own commit (its trailer says so), so a retry goes on.
	head1, _, _, _ := branchState(e, p)
	lost := "0000000" + head1[7:]
	e.gh.Lock()
	for _, c := range e.gh.ReposUnlocked("acme/api").Comments {
		if c.Issue == e.issue.Number && strings.Contains(c.Body, "devops-lead:plan") {
			c.Body = strings.ReplaceAll(c.Body, `"head":"`+head1+`"`, `"head":"`+lost+`"`)
		}
	}
	e.gh.Unlock()
	if _, _, _, st := branchState(e, p); st.Tasks["k8s"].Head != lost {
		t.Fatalf("the simulated crash did not take: %+v", st.Tasks["k8s"])
	}
	if code, out := e.run("issue_comment", e.payload("issue-comment-created.json", "alice", "/devops retry k8s")); code != exitOK {
		t.Fatalf("retry after a lost head: exit %d:\n%s", code, out)
	}
	if h, _, _, st := branchState(e, p); st.Tasks["k8s"].Head != h {
		t.Fatalf("the retry did not record the branch's head %s: %+v", h, st.Tasks["k8s"])
	}
	e.gh.Lock()
	pushed := e.gh.ReposUnlocked("acme/api").Push(p.Head, "bob", map[string]string{"k8s/server/service.yaml": "# bob's change\n"})
	e.gh.Unlock()
	code, out := e.run("issue_comment", e.payload("issue-comment-created.json", "alice", "/devops retry k8s"))
	if code == exitOK {
		t.Errorf("retry over bob's commit: exit 0, want the failure reported:\n%s", out)
	}
	if h, _, _, _ := branchState(e, p); h != pushed {
		t.Fatalf("the retry replaced bob's commit: head %s, bob's %s", h, pushed)
	}
	if botRepliesOn(e, e.issue.Number, "did not produce a pull request: `"+p.Head+"` has commits devops-lead did not make") != 1 {
		t.Error("no comment on the issue saying why the retry did nothing")
	}
}

// TestReviewFinishesAfterACrash: a revision whose commit landed but whose
// plan state and reply were lost (the job died between them) is finished
// by the retried job, which recognises its own commit and commits nothing.
func TestReviewFinishesAfterACrash(t *testing.T) {
	e, p := k8sPR(t)
	head0, _, _, _ := branchState(e, p)
	rv := e.gh.AddReview("acme/api", p.Number, "alice", "CHANGES_REQUESTED", "Please add autoscaling.")
	payload := e.reviewPayload(p, rv)
	if code, out := e.run("pull_request_review", payload); code != exitOK {
		t.Fatalf("review: exit %d:\n%s", code, out)
	}
	head1, commits1, _, _ := branchState(e, p)

	// The crash: the reply and the recorded head are gone.
	e.gh.Lock()
	r := e.gh.ReposUnlocked("acme/api")
	for id, c := range r.Comments {
		switch {
		case c.Issue == p.Number && c.Author == defaultActionBot:
			delete(r.Comments, id)
		case c.Issue == e.issue.Number && strings.Contains(c.Body, "devops-lead:plan"):
			c.Body = strings.ReplaceAll(c.Body, head1, head0)
			c.Body = strings.ReplaceAll(c.Body, `"revisions":1,`, "")
		}
	}
	e.gh.Unlock()
	if _, _, _, st := branchState(e, p); st.Tasks["k8s"].Head != head0 {
		t.Fatalf("the simulated crash did not reset the state: %+v", st.Tasks["k8s"])
	}

	if code, out := e.run("pull_request_review", payload); code != exitOK {
		t.Fatalf("retried review: exit %d:\n%s", code, out)
	}
	head2, commits2, _, st := branchState(e, p)
	if head2 != head1 || commits2 != commits1 {
		t.Errorf("the retry committed again: head %s (%d commits), want %s (%d)", head2, commits2, head1, commits1)
	}
	if ts := st.Tasks["k8s"]; ts.Head != head1 || ts.Revisions != 1 {
		t.Errorf("state after the retry: head %s, revisions %d; want %s, 1", ts.Head, ts.Revisions, head1)
	}
	if botRepliesOn(e, p.Number, "revised this pull request in") != 1 {
		t.Error("no reply after the retry")
	}
}

// prStatePayload is a pull_request event (closed or reopened) for p.
func prStatePayload(t *testing.T, gh *githubtest.Server, p *githubtest.Pull, action, sender string, merged bool) []byte {
	t.Helper()
	repo := map[string]any{"id": 3001, "name": "api", "full_name": "acme/api", "default_branch": "main",
		"owner": map[string]any{"login": "acme", "id": 21, "type": "Organization"}}
	typ := "User"
	if strings.HasSuffix(sender, "[bot]") {
		typ = "Bot"
	}
	m := map[string]any{
		"action": action, "number": p.Number,
		"pull_request": map[string]any{"number": p.Number, "state": p.State, "merged": merged, "body": p.Body,
			"head": map[string]any{"ref": p.Head, "repo": repo}, "base": map[string]any{"ref": p.Base, "repo": repo}},
		"repository": repo, "sender": map[string]any{"login": sender, "type": typ}, "installation": map[string]any{"id": 42},
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPullRequestClosedAndMerged: the plan records a task's pull request
// closed without merging (and /devops retry then opens a new one) or
// merged (by anyone, a merge queue bot included).
func TestPullRequestClosedAndMerged(t *testing.T) {
	e, p := k8sPR(t)
	e.gh.Lock()
	p.State = "closed"
	e.gh.Unlock()
	if code, out := e.run("pull_request", prStatePayload(t, e.gh, p, "closed", "alice", false)); code != exitOK {
		t.Fatalf("closed: exit %d:\n%s", code, out)
	}
	if _, _, _, st := branchState(e, p); st.Tasks["k8s"].PRState != "closed" {
		t.Fatalf("closed: state %+v", st.Tasks["k8s"])
	}
	if botRepliesOn(e, e.issue.Number, "closed without merging: `/devops retry` opens a new one") != 1 {
		t.Error("the plan comment does not say the pull request was closed")
	}
	if code, out := e.run("issue_comment", e.payload("issue-comment-created.json", "alice", "/devops retry")); code != exitOK {
		t.Fatalf("retry: exit %d:\n%s", code, out)
	}
	_, _, _, st := branchState(e, p)
	ts := st.Tasks["k8s"]
	if ts.PR == p.Number || ts.PR == 0 || ts.PRState != "" {
		t.Fatalf("after the retry: %+v, want a new open pull request", ts)
	}
	e.gh.Lock()
	np := e.gh.ReposUnlocked("acme/api").Pulls[ts.PR]
	np.State = "closed"
	e.gh.Unlock()
	if code, out := e.run("pull_request", prStatePayload(t, e.gh, np, "closed", "github-merge-queue[bot]", true)); code != exitOK {
		t.Fatalf("merged: exit %d:\n%s", code, out)
	}
	if _, _, _, st := branchState(e, p); st.Tasks["k8s"].PRState != "merged" {
		t.Fatalf("merged: state %+v", st.Tasks["k8s"])
	}
	// The old, closed pull request is no longer the task's: its events change nothing.
	e.gh.ResetCalls()
	if code, _ := e.run("pull_request", prStatePayload(t, e.gh, p, "reopened", "alice", false)); code != exitOK {
		t.Fatal("reopened old PR: exit not 0")
	}
	if w := writes(e.gh); w != 0 {
		t.Errorf("an event of the task's old pull request wrote %d times", w)
	}
}
