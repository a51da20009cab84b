package cli

import (
	"net/http"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/githubtest"
	"github.com/devops-lead/devops-lead/internal/webhook"
)

// TestServeReplayedCommentRunsOnce: a captured signed `/devops help`
// comment posted again under a new delivery id is answered "duplicate"
// and answered on the issue once; a second comment is answered too.
func TestServeReplayedCommentRunsOnce(t *testing.T) {
	e := newE2E(t)
	body := e.payload("issue-comment-created.json", "alice", "/devops help")
	e.deliver("issue_comment", body)
	for i := 0; i < 2; i++ {
		if code := e.post("issue_comment", nextDelivery(), body, webhook.Sign(hookSecret, body)); code != http.StatusOK {
			t.Fatalf("replay under a new delivery id: %d, want 200 (duplicate)", code)
		}
	}
	helps := func(r *githubtest.Repo) int {
		n := 0
		for _, c := range botComments(r, e.issue.Number) {
			if c.Body != "" {
				n++
			}
		}
		return n
	}
	e.waitUntil("the help answer", func(r *githubtest.Repo) bool { return helps(r) == 1 })
	second := e.payload("issue-comment-created.json", "alice", "/devops help")
	e.deliver("issue_comment", second)
	e.waitUntil("the second help answer", func(r *githubtest.Repo) bool { return helps(r) == 2 })
	time.Sleep(500 * time.Millisecond) // a replayed job would answer now
	e.gh.Lock()
	defer e.gh.Unlock()
	if n := helps(e.gh.ReposUnlocked("acme/api")); n != 2 {
		t.Fatalf("%d bot answers, want 2 (one per comment, none per replay)", n)
	}
}
