package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/githubtest"
	"github.com/devops-lead/devops-lead/internal/jobs/jobstest"
	"github.com/devops-lead/devops-lead/internal/webhook"
)

// The kill-every-few-seconds soak (bench/soak.sh runs it): a real
// `devops-lead serve` process takes /devops help deliveries over many
// issues, 20 a second, while it is SIGKILLed every few seconds and
// restarted; GitHub is
// the in-memory one, in this process, so it outlives every kill. At the
// end it counts, per acknowledged delivery, the help replies on GitHub:
//
//   - stuck: no reply yet when DEVOPS_LEAD_SOAK_STUCK (default 2m) has
//     passed since the last restart;
//   - lost: no reply at the end (DEVOPS_LEAD_SOAK_STUCK more);
//   - doubled: more than one reply (a harmful double: a duplicate comment);
//   - ran twice: a delivery whose job logged "job start" more than once
//     (harmless when nothing is doubled);
//
// and how long the replies took to drain after the last restart. It runs
// only when DEVOPS_LEAD_SOAK is set; on PostgreSQL when
// DEVOPS_LEAD_TEST_DATABASE_URL is set.
func TestSoakKillRestart(t *testing.T) {
	if os.Getenv("DEVOPS_LEAD_SOAK") == "" {
		t.Skip("the soak runs from bench/soak.sh (DEVOPS_LEAD_SOAK=1)")
	}
	n := soakInt("DEVOPS_LEAD_SOAK_N", 1000)
	issues := soakInt("DEVOPS_LEAD_SOAK_ISSUES", 100)
	stuckAfter := soakDuration("DEVOPS_LEAD_SOAK_STUCK", 2*time.Minute)
	killMin := soakDuration("DEVOPS_LEAD_SOAK_KILL_MIN", 2*time.Second)
	killMax := soakDuration("DEVOPS_LEAD_SOAK_KILL_MAX", 5*time.Second)
	rate := soakInt("DEVOPS_LEAD_SOAK_RATE", 20) // deliveries a second

	dir := t.TempDir()
	bin := filepath.Join(dir, "devops-lead")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/devops-lead").CombinedOutput(); err != nil {
		t.Fatalf("build devops-lead: %v\n%s", err, out)
	}
	gh, key := newAppGitHub(t)
	var targets []*githubtest.Issue
	for i := 0; i < issues; i++ {
		targets = append(targets, gh.AddIssue("acme/api", "alice", fmt.Sprintf("Soak issue %d", i), "Help wanted."))
	}
	// Payloads are built (and their comments posted) before the first
	// start, so sending is only sending.
	type delivery struct {
		id      string
		body    []byte
		comment int64
	}
	var all []delivery
	for i := 0; i < n; i++ {
		body := eventPayload(t, gh, targets[i%issues], "issue-comment-created.json", "alice", "/devops help")
		var p struct {
			Comment struct {
				ID int64 `json:"id"`
			} `json:"comment"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		all = append(all, delivery{id: fmt.Sprintf("soak-%d", i), body: body, comment: p.Comment.ID})
	}

	port := freePort(t)
	base := "http://" + port
	env := append(os.Environ(),
		"GITHUB_APP_ID=77", "GITHUB_APP_SLUG=devops-lead", "GITHUB_WEBHOOK_SECRET="+hookSecret, "GITHUB_API_URL="+gh.URL,
		"GITHUB_PRIVATE_KEY="+string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		"DEVOPS_LEAD_DB="+filepath.Join(dir, "queue.db"), "GEMINI_API_KEY=")
	// A DATABASE_URL in the caller's environment must not turn the
	// SQLite run into one on a shared PostgreSQL database (where an
	// earlier run's deliveries would make these duplicates).
	db := "SQLite"
	env = append(env, "DATABASE_URL=")
	if os.Getenv(jobstest.EnvVar) != "" {
		env = append(env, "DATABASE_URL="+jobstest.PostgresURL(t))
		db = "PostgreSQL"
	}
	var (
		mu       sync.Mutex
		child    *exec.Cmd
		starts   = map[string]int{} // delivery id → "job start" lines
		logs     sync.WaitGroup
		restarts int
	)
	readLog := func(r io.Reader) {
		defer logs.Done()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var line struct {
				Msg      string `json:"msg"`
				Delivery string `json:"delivery"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "job start" {
				mu.Lock()
				starts[line.Delivery]++
				mu.Unlock()
			}
		}
	}
	start := func() {
		cmd := exec.Command(bin, "serve", "--listen", port, "--redelivery-interval", "0", "--shutdown-grace", "5s")
		cmd.Env = env
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		logs.Add(1)
		go readLog(stderr)
		mu.Lock()
		child = cmd
		restarts++
		mu.Unlock()
		for i := 0; i < 500; i++ {
			if resp, err := http.Get(base + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatal("serve did not become ready")
	}
	kill := func() {
		mu.Lock()
		c := child
		mu.Unlock()
		c.Process.Kill()
		c.Wait()
	}
	start()
	t.Cleanup(func() {
		mu.Lock()
		c := child
		mu.Unlock()
		c.Process.Kill()
		c.Wait()
		logs.Wait()
	})

	// Send: 8 senders, each delivery retried until acknowledged, as
	// GitHub would after a failed attempt.
	began := time.Now()
	ctx, stopKilling := context.WithCancel(context.Background())
	var kills atomic.Int64
	killerDone := make(chan struct{})
	go func() {
		defer close(killerDone)
		for {
			wait := killMin + time.Duration(mrand.Int64N(int64(killMax-killMin)+1))
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			kill()
			kills.Add(1)
			start()
		}
	}()
	next := make(chan delivery)
	var senders sync.WaitGroup
	for w := 0; w < 8; w++ {
		senders.Add(1)
		go func() {
			defer senders.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			for d := range next {
				for {
					req, _ := http.NewRequest("POST", base+"/webhook", bytes.NewReader(d.body))
					req.Header.Set("X-GitHub-Event", "issue_comment")
					req.Header.Set("X-GitHub-Delivery", d.id)
					req.Header.Set("X-Hub-Signature-256", webhook.Sign(hookSecret, d.body))
					resp, err := client.Do(req)
					if err == nil {
						resp.Body.Close()
						if resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusOK {
							break
						}
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	// Paced, so the kills land while deliveries arrive and jobs run.
	tick := time.NewTicker(time.Second / time.Duration(rate))
	for _, d := range all {
		<-tick.C
		next <- d
	}
	tick.Stop()
	close(next)
	senders.Wait()
	sent := time.Since(began)
	stopKilling()
	<-killerDone
	// The last restart: from here, nothing is killed.
	kill()
	start()
	last := time.Now()

	replies := func() map[int64]int {
		gh.Lock()
		defer gh.Unlock()
		r := gh.ReposUnlocked("acme/api")
		out := map[int64]int{}
		for _, is := range targets {
			for _, c := range commentsBy(r, is.Number, "devops-lead[bot]") {
				const m = "<!-- devops-lead:help:"
				if i := strings.Index(c.Body, m); i >= 0 {
					rest := c.Body[i+len(m):]
					if j := strings.Index(rest, " "); j > 0 {
						if id, err := strconv.ParseInt(rest[:j], 10, 64); err == nil {
							out[id]++
						}
					}
				}
			}
		}
		return out
	}
	unanswered := func(got map[int64]int) int {
		missing := 0
		for _, d := range all {
			if got[d.comment] == 0 {
				missing++
			}
		}
		return missing
	}
	var drained time.Duration
	stuck := -1
	for {
		got := replies()
		missing := unanswered(got)
		if missing == 0 {
			drained = time.Since(last)
			stuck = 0
			break
		}
		if stuck < 0 && time.Since(last) > stuckAfter {
			stuck = missing
		}
		if time.Since(last) > 2*stuckAfter {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	got := replies()
	lost := unanswered(got)
	doubled := 0
	for _, c := range got {
		if c > 1 {
			doubled += c - 1
		}
	}
	mu.Lock()
	twice := 0
	for _, c := range starts {
		if c > 1 {
			twice++
		}
	}
	mu.Unlock()
	drain := "not drained"
	if stuck == 0 {
		drain = drained.Round(100 * time.Millisecond).String()
	}
	t.Logf("soak: | database | deliveries | sent in | kills | lost | stuck %s after the last restart | doubled replies | jobs that ran twice | drained after the last restart |", stuckAfter)
	t.Logf("soak: | %s | %d | %s | %d | %d | %d | %d | %d | %s |", db, n, sent.Round(time.Second), kills.Load(), lost, stuck, doubled, twice, drain)
	if lost > 0 || stuck > 0 || doubled > 0 {
		t.Errorf("%d lost, %d stuck, %d doubled replies; want 0 of each", lost, stuck, doubled)
	}
}

// freePort returns a loopback address nothing listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func soakInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func soakDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
