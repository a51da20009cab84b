package cli

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/githubtest"
)

// stallingGitHub sits between serve and the in-memory GitHub and holds
// every comment creation until release is closed (or the caller gives
// up), telling arrived when one comes in.
type stallingGitHub struct {
	srv     *httptest.Server
	arrived chan struct{}
	release chan struct{}
	once    sync.Once
}

// free lets every held request through.
func (s *stallingGitHub) free() { s.once.Do(func() { close(s.release) }) }

var commentPost = regexp.MustCompile(`^/repos/[^/]+/[^/]+/issues/\d+/comments$`)

func newStallingGitHub(t *testing.T, target string) *stallingGitHub {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	s := &stallingGitHub{arrived: make(chan struct{}, 10), release: make(chan struct{})}
	proxy := httputil.NewSingleHostReverseProxy(u)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && commentPost.MatchString(r.URL.Path) {
			s.arrived <- struct{}{}
			select {
			case <-s.release:
			case <-r.Context().Done():
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { s.free(); s.srv.Close() })
	return s
}

func (s *stallingGitHub) waitArrived(t *testing.T) {
	t.Helper()
	select {
	case <-s.arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("the job never reached GitHub")
	}
}

func planComments(r *githubtest.Repo, number int) int {
	n := 0
	for _, c := range botComments(r, number) {
		if strings.Contains(c.Body, "<!-- devops-lead:plan") {
			n++
		}
	}
	return n
}

// TestServeShutdownLetsTheJobFinish: the signal (the serve context ends)
// while a job waits on GitHub; the job finishes within the grace and
// Serve returns only then.
func TestServeShutdownLetsTheJobFinish(t *testing.T) {
	e := newE2E(t)
	e.stop()
	stall := newStallingGitHub(t, e.gh.URL)
	e.cfg.APIURL = stall.srv.URL
	e.start()
	e.deliver("issue_comment", e.payload("issue-comment-created.json", "alice", "/devops plan"))
	stall.waitArrived(t)
	e.cancel() // SIGTERM
	select {
	case err := <-e.done:
		e.cancel = nil // serve is gone: the cleanup must not wait for it
		t.Fatalf("serve returned (%v) while a job was running within the grace", err)
	case <-time.After(500 * time.Millisecond):
	}
	stall.free()
	select {
	case err := <-e.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		e.cancel = nil
		t.Fatal("serve did not stop once the job was done")
	}
	e.cancel = nil
	e.gh.Lock()
	defer e.gh.Unlock()
	if n := planComments(e.gh.ReposUnlocked("acme/api"), e.issue.Number); n != 1 {
		t.Fatalf("%d plan comments, want the job to have finished with one", n)
	}
}

// TestServeShutdownReleasesJobsOverTheGrace: a job still waiting when the
// grace ends is cut, not failed: no failure is reported, and the next
// start runs it to the end.
func TestServeShutdownReleasesJobsOverTheGrace(t *testing.T) {
	e := newE2E(t)
	e.stop()
	stall := newStallingGitHub(t, e.gh.URL)
	e.cfg.APIURL = stall.srv.URL
	e.cfg.ShutdownGrace = 300 * time.Millisecond
	e.cfg.MaxAttempts = 1 // a cut job counted as a failure would be given up
	e.start()
	e.deliver("issue_comment", e.payload("issue-comment-created.json", "alice", "/devops plan"))
	stall.waitArrived(t)
	begin := time.Now()
	e.stop()
	if took := time.Since(begin); took > 15*time.Second {
		t.Fatalf("stop took %v with a 300ms grace", took)
	}
	e.gh.Lock()
	r := e.gh.ReposUnlocked("acme/api")
	if n := len(botComments(r, e.issue.Number)); n != 0 {
		e.gh.Unlock()
		t.Fatalf("%d bot comments after the cut, want none (no failure report)", n)
	}
	e.gh.Unlock()
	stall.free()
	e.start()
	e.waitUntil("the plan comment after the restart", func(r *githubtest.Repo) bool { return planComments(r, e.issue.Number) == 1 })
	e.stop()
	e.gh.Lock()
	defer e.gh.Unlock()
	r = e.gh.ReposUnlocked("acme/api")
	for _, c := range botComments(r, e.issue.Number) {
		if strings.Contains(strings.ToLower(c.Body), "fail") {
			t.Fatalf("a failure was reported for a job cut by shutdown: %s", c.Body)
		}
	}
	if n := planComments(r, e.issue.Number); n != 1 {
		t.Fatalf("%d plan comments, want 1", n)
	}
}
