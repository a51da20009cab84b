package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/config"
	"github.com/devops-lead/devops-lead/internal/githubtest"
)

// killChildEnv carries the serve configuration (JSON) of the worker
// process that TestServeKilledBetweenEveryPairOfCalls kills.
const killChildEnv = "DEVOPS_LEAD_KILL_CHILD_CONFIG"

// TestServeKillChild is that worker: the test binary run again, serving
// on a loopback port it prints, until it is killed.
func TestServeKillChild(t *testing.T) {
	raw := os.Getenv(killChildEnv)
	if raw == "" {
		t.Skip("run by TestServeKilledBetweenEveryPairOfCalls")
	}
	var cfg config.Server
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("addr http://%s\n", ln.Addr())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("DEVOPS_LEAD_KILL_CHILD_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // killed long before
	defer cancel()
	if err := Serve(ctx, &cfg, ln, log); err != nil {
		t.Fatal(err)
	}
}

// killingGitHub sits between the worker process and the in-memory
// GitHub: it counts the calls and, when the one numbered killAt comes,
// SIGKILLs the worker before GitHub sees it. So calls 1..killAt-1 took
// effect and the worker died between call killAt-1 and killAt.
type killingGitHub struct {
	srv    *httptest.Server
	mu     sync.Mutex
	n      int
	killAt int
	child  *exec.Cmd
	killed chan struct{}
}

func newKillingGitHub(t *testing.T, target string) *killingGitHub {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	k := &killingGitHub{killed: make(chan struct{})}
	proxy := httputil.NewSingleHostReverseProxy(u)
	k.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.mu.Lock()
		k.n++
		if k.killAt > 0 && k.n == k.killAt && k.child != nil {
			k.child.Process.Kill()
			k.child.Wait()
			k.child = nil
			close(k.killed)
			k.mu.Unlock()
			http.Error(w, "the worker is dead", http.StatusBadGateway)
			return
		}
		k.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(k.srv.Close)
	return k
}

// calls reports how many calls came through.
func (k *killingGitHub) calls() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.n
}

// killWorld is one in-memory GitHub with a labeled issue, its queue
// database and the worker processes run on it.
type killWorld struct {
	t     *testing.T
	gh    *githubtest.Server
	proxy *killingGitHub
	cfg   *config.Server
	issue *githubtest.Issue
}

func newKillWorld(t *testing.T, key *rsa.PrivateKey) *killWorld {
	gh := githubtest.New(t, 77, &key.PublicKey)
	gh.AddInstallation(42, "acme/api")
	repo := gh.Repo("acme/api")
	repo.SetFiles(repoFiles(t, "go"))
	repo.Permissions["alice"] = "write"
	w := &killWorld{t: t, gh: gh, proxy: newKillingGitHub(t, gh.URL)}
	// SQLite: one process owns the file, so a restart frees a killed job
	// at once. (On PostgreSQL the same happens once the dead process's
	// heartbeat is stale; internal/jobs tests it.)
	w.cfg = testServerConfig(t, w.proxy.srv.URL, key)
	w.cfg.ShutdownGrace = 5 * time.Second
	w.issue = gh.AddIssue("acme/api", "alice", "Add CI and containerize the API", "We need CI on pull requests and a container image.")
	return w
}

// startWorker runs a worker process and waits until it is ready; it
// returns its URL. The proxy kills it at call killAt (0: never).
func (w *killWorld) startWorker(killAt int) (string, *exec.Cmd) {
	t := w.t
	t.Helper()
	raw, err := json.Marshal(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command(os.Args[0], "-test.run=^TestServeKillChild$", "-test.count=1")
	child.Env = append(os.Environ(), killChildEnv+"="+string(raw))
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	sc := bufio.NewScanner(out)
	addr := ""
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "addr "); ok {
			addr = a
			break
		}
	}
	go io.Copy(io.Discard, out)
	if addr == "" {
		t.Fatal("the worker printed no address")
	}
	for i := 0; ; i++ {
		if resp, err := http.Get(addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if i == 500 {
			t.Fatal("the worker did not become ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.proxy.mu.Lock()
	w.proxy.n, w.proxy.killAt, w.proxy.child = 0, killAt, child
	w.proxy.mu.Unlock()
	return addr, child
}

// label delivers the issue's trigger label to the worker at addr.
func (w *killWorld) label(addr string) {
	t := w.t
	t.Helper()
	postLabeled(t, w.gh, w.issue, addr+"/webhook")
}

// done reports whether the run converged: two open PRs, linked from the
// plan comment.
func (w *killWorld) done() bool {
	w.gh.Lock()
	defer w.gh.Unlock()
	r := w.gh.ReposUnlocked("acme/api")
	if len(openPRs(r)) != 2 {
		return false
	}
	for _, c := range botComments(r, w.issue.Number) {
		if strings.Contains(c.Body, "<!-- devops-lead:plan") && strings.Count(c.Body, "pull request #") >= 2 {
			return true
		}
	}
	return false
}

func (w *killWorld) waitDone(within time.Duration) {
	w.t.Helper()
	deadline := time.Now().Add(within)
	for !w.done() {
		if time.Now().After(deadline) {
			w.gh.Lock()
			defer w.gh.Unlock()
			var cs []string
			for _, c := range w.gh.ReposUnlocked("acme/api").CommentsOn(w.issue.Number) {
				cs = append(cs, c.Author+": "+c.Body)
			}
			w.t.Fatalf("not converged within %v; comments:\n%s", within, strings.Join(cs, "\n---\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkOnce checks that the run left one of everything: one plan
// comment, two sub-issues, two pull requests, no failure report.
func (w *killWorld) checkOnce(what string) {
	w.t.Helper()
	w.gh.Lock()
	defer w.gh.Unlock()
	r := w.gh.ReposUnlocked("acme/api")
	if n := planComments(r, w.issue.Number); n != 1 {
		w.t.Errorf("%s: %d plan comments, want 1", what, n)
	}
	if n := len(r.Issues[w.issue.Number].SubIssues); n != 2 {
		w.t.Errorf("%s: %d sub-issues linked, want 2", what, n)
	}
	if n := len(r.Pulls); n != 2 {
		w.t.Errorf("%s: %d pull requests, want 2", what, n)
	}
	if n := len(r.Issues); n != 1+2+2 {
		w.t.Errorf("%s: %d issues and PRs in all, want 5 (a sub-issue opened twice?)", what, n)
	}
	for _, c := range botComments(r, w.issue.Number) {
		if strings.Contains(c.Body, "did not produce a pull request") || strings.Contains(c.Body, "failed") && !strings.Contains(c.Body, "<!-- devops-lead:plan") {
			w.t.Errorf("%s: a failure was reported:\n%s", what, c.Body)
		}
	}
}

// TestServeKilledBetweenEveryPairOfCalls: a label → pull requests run
// whose worker process is SIGKILLed between GitHub calls k-1 and k, for
// every k of the run, then started again, always ends with exactly one
// plan comment, two sub-issues and two pull requests, within seconds of
// the restart. A default run tries about six k (see below);
// DEVOPS_LEAD_KILL_STRIDE=1 tries every one.
func TestServeKilledBetweenEveryPairOfCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("runs worker processes")
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	// A run without a kill counts the calls.
	clean := newKillWorld(t, key)
	addr, _ := clean.startWorker(0)
	clean.label(addr)
	clean.waitDone(time.Minute)
	time.Sleep(300 * time.Millisecond)
	total := clean.proxy.calls()
	clean.checkOnce("without a kill")
	t.Logf("a label → PRs run makes %d GitHub calls", total)

	// Every k takes a fresh world and two processes (1–2 s, ten times
	// that under -race on a busy machine), so a default run tries about
	// six, spread over the run from a random first k; over many runs every
	// k is tried. DEVOPS_LEAD_KILL_STRIDE=1 tries them all at once.
	stride := (total + 5) / 6
	if s, err := strconv.Atoi(os.Getenv("DEVOPS_LEAD_KILL_STRIDE")); err == nil && s > 0 {
		stride = s
	}
	first := 1 + mrand.IntN(stride)
	t.Logf("trying every %d-th call from call %d", stride, first)
	var slowest time.Duration
	for k := first; k <= total; k += stride {
		ok := t.Run(fmt.Sprintf("kill-before-call-%d", k), func(t *testing.T) {
			w := newKillWorld(t, key)
			addr, _ := w.startWorker(k)
			w.label(addr)
			select {
			case <-w.proxy.killed:
			case <-time.After(time.Minute):
				if w.done() {
					t.Skipf("the run finished in fewer than %d calls", k)
				}
				t.Fatalf("the worker was never killed (%d calls)", w.proxy.calls())
			}
			begin := time.Now()
			w.startWorker(0)
			w.waitDone(time.Minute)
			took := time.Since(begin)
			slowest = max(slowest, took)
			time.Sleep(300 * time.Millisecond) // a wrong extra job would show now
			w.checkOnce(fmt.Sprintf("killed before call %d", k))
		})
		if !ok {
			break
		}
	}
	t.Logf("slowest convergence after a restart: %v", slowest.Round(time.Millisecond))
}
