package jobs

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/devops-lead/devops-lead/internal/jobs/jobstest"
	"github.com/devops-lead/devops-lead/internal/webhook"
)

// Environment of the child process in TestKilledJobResumesAfterRestart.
const (
	childEnv     = "DEVOPS_LEAD_RECOVERY_CHILD"
	childPathEnv = "DEVOPS_LEAD_RECOVERY_DB"
	childURLEnv  = "DEVOPS_LEAD_RECOVERY_URL"
)

// stuckProcessor never finishes a job: it says which one started on
// stdout and waits to be killed.
type stuckProcessor struct{}

func (stuckProcessor) Process(ctx context.Context, d *webhook.Delivery) error {
	fmt.Printf("started %s\n", d.ID)
	<-ctx.Done()
	return ctx.Err()
}

// TestRecoveryChild is the worker that TestKilledJobResumesAfterRestart
// kills: the test binary run again with childEnv set. It stores two
// deliveries of one issue, starts the first and blocks in it.
func TestRecoveryChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("run by TestKilledJobResumesAfterRestart")
	}
	ctx := context.Background()
	db, err := Open(ctx, os.Getenv(childPathEnv), os.Getenv(childURLEnv))
	if err != nil {
		t.Fatal(err)
	}
	q, err := New(db, stuckProcessor{}, Options{Workers: 2, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("client %s\n", q.ClientID())
	if _, err := q.Outbox.Save(ctx, delivery("killed", "acme/api", 5)); err != nil {
		t.Fatal(err)
	}
	// The second waits for the first's issue lock.
	time.Sleep(200 * time.Millisecond)
	if _, err := q.Outbox.Save(ctx, delivery("behind", "acme/api", 5)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Minute) // the parent kills this process long before
	t.Fatal("not killed")
}

// TestKilledJobResumesAfterRestart: a worker process is SIGKILLed in the
// middle of a job, with a second delivery of the same issue waiting for
// the lock. A new queue on the same database, with the default recovery
// settings, finishes both within a minute: at once on SQLite (every other
// process is dead at start), once the dead process's heartbeat is stale
// on PostgreSQL. Before the sweep, the job stayed running for River's
// rescuer (90 minutes) and the lock blocked the issue for 15.
func TestKilledJobResumesAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	backends(t, func(t *testing.T, backend string) {
		var path, url string
		switch backend {
		case "sqlite":
			path = filepath.Join(t.TempDir(), "queue.db")
		case "postgres":
			url = jobstest.PostgresURL(t)
		}
		child, lines := startChild(t, "TestRecoveryChild", childEnv+"=1", childPathEnv+"="+path, childURLEnv+"="+url)
		var childID string
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatal("the child ended before its job started")
				}
				if id, ok := strings.CutPrefix(l, "client "); ok {
					childID = id
				}
				if l == "started killed" {
					break wait
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the child's job never started")
			}
		}
		time.Sleep(300 * time.Millisecond) // "behind" is queued and snoozing
		if err := child.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		child.Wait()

		db := openAt(t, path, url)
		rec := newRecorder()
		begin := time.Now()
		q, err := New(db, rec, Options{Workers: 2, PollInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		state := deliveryJob(t, q, "killed").State
		var holder string
		if err := db.Outbox.QueryRow(`SELECT holder FROM devops_lead_locks`).Scan(&holder); err != nil {
			t.Fatal("the killed job's lock: ", err)
		}
		if state != "running" || !strings.HasPrefix(holder, childID+"/") {
			t.Fatalf("after the kill: job %q, lock held by %q; want running, held by %s", state, holder, childID)
		}

		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(context.Background())
		got := map[string]bool{}
		for len(got) < 2 {
			select {
			case id := <-rec.all:
				got[id] = true
			case <-time.After(time.Minute - time.Since(begin)):
				t.Fatalf("a minute after the restart only %v finished", got)
			}
		}
		took := time.Since(begin)
		t.Logf("%s: both jobs done %v after the restart", backend, took.Round(time.Millisecond))
		if backend == "sqlite" && took > 10*time.Second {
			t.Errorf("SQLite took %v; the start sweep should free the job at once", took)
		}
		if err := q.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		if j := deliveryJob(t, q, "killed"); j.State != rivertype.JobStateCompleted || j.Attempt != 2 {
			t.Errorf("killed job %q at attempt %d, want completed at 2", j.State, j.Attempt)
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if rec.done["killed"] != 1 || rec.done["behind"] != 1 || rec.overlap {
			t.Errorf("done %v overlap %v; want each once, never together", rec.done, rec.overlap)
		}
	})
}

// startChild runs the test binary again as a worker process that runs
// only test, with env added, and returns it and its stdout's lines. The
// process is killed at the end of the test if it still runs.
func startChild(t *testing.T, test string, env ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	child := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	child.Env = append(os.Environ(), env...)
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	lines := make(chan string, 20)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	return child, lines
}

// openAt opens a database the test already made (a file or a URL).
func openAt(t *testing.T, path, url string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestLockRenewedWhileJobRuns: a job that runs several lock TTLs keeps
// its issue's lock, so the next job waits for it.
func TestLockRenewedWhileJobRuns(t *testing.T) {
	db := openTestDB(t, "sqlite")
	rec := newRecorder()
	rec.hold = 1200 * time.Millisecond
	q, err := New(db, rec, Options{Workers: 4, PollInterval: 50 * time.Millisecond, LockTTL: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"long1", "long2"} {
		if _, err := q.Outbox.Save(context.Background(), delivery(id, "acme/api", 7)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, rec, 2)
	if err := q.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.overlap {
		t.Fatal("the second job took the lock while the first still ran")
	}
	var n int
	if err := db.Outbox.QueryRow(`SELECT COUNT(*) FROM devops_lead_locks`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d locks left (%v), want none", n, err)
	}
}

// lockWatcher blocks its first run until its context ends, then
// finishes the second run.
type lockWatcher struct {
	mu      sync.Mutex
	runs    int
	cause   error
	started chan struct{}
	done    chan struct{}
}

func (w *lockWatcher) Process(ctx context.Context, _ *webhook.Delivery) error {
	w.mu.Lock()
	w.runs++
	run := w.runs
	w.mu.Unlock()
	if run > 1 {
		close(w.done)
		return nil
	}
	close(w.started)
	select {
	case <-ctx.Done():
		w.mu.Lock()
		w.cause = context.Cause(ctx)
		w.mu.Unlock()
		return Permanent(ctx.Err()) // careless: the queue must still run it again
	case <-time.After(20 * time.Second):
		return errors.New("the job's context was never cancelled")
	}
}

// TestLostLockCancelsTheJob: when a renewal finds the lock gone, the job's
// context is cancelled and the job runs again later, not failed.
func TestLostLockCancelsTheJob(t *testing.T) {
	db := openTestDB(t, "sqlite")
	w := &lockWatcher{started: make(chan struct{}), done: make(chan struct{})}
	q, err := New(db, w, Options{PollInterval: 50 * time.Millisecond, LockTTL: 300 * time.Millisecond, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background())
	if _, err := q.Outbox.Save(context.Background(), delivery("lost", "acme/api", 8)); err != nil {
		t.Fatal(err)
	}
	<-w.started
	if _, err := db.Outbox.Exec(`DELETE FROM devops_lead_locks`); err != nil {
		t.Fatal(err)
	}
	select {
	case <-w.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the job did not run again after losing its lock")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !errors.Is(w.cause, errLockLost) {
		t.Fatalf("first run ended by %v, want the lost lock", w.cause)
	}
}

// TestSweepSparesLivePeers: on PostgreSQL, a second replica's sweeps do
// not take a job that a live replica is running, however long it runs.
func TestSweepSparesLivePeers(t *testing.T) {
	db := openTestDB(t, "postgres")
	b := newBlocker()
	opts := Options{Workers: 2, PollInterval: 50 * time.Millisecond, Heartbeat: 100 * time.Millisecond, ProcessTTL: 400 * time.Millisecond}
	q1, err := New(db, b, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := q1.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := q1.Outbox.Save(context.Background(), delivery("long", "acme/api", 9)); err != nil {
		t.Fatal(err)
	}
	b.waitStarted(t)
	q2, err := New(db, b, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := q2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // several sweeps past ProcessTTL
	select {
	case id := <-b.started:
		t.Fatalf("%s started a second time while its replica was alive", id)
	default:
	}
	if state, _ := jobState(t, db); state != "running" {
		t.Fatalf("job %q, want still running", state)
	}
	close(b.release)
	for _, q := range []*Queue{q1, q2} {
		if err := q.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := db.Outbox.QueryRow(`SELECT COUNT(*) FROM devops_lead_processes`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d process rows left after both stopped (%v)", n, err)
	}
}

// deliveryJob finds the River job of a delivery (args are JSON on
// PostgreSQL and JSONB blobs on SQLite, so River decodes them).
func deliveryJob(t *testing.T, q *Queue, id string) *rivertype.JobRow {
	t.Helper()
	res, err := q.client.JobList(context.Background(), river.NewJobListParams().Kinds(DeliveryArgs{}.Kind()).First(100))
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range res.Jobs {
		var a DeliveryArgs
		if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
			t.Fatal(err)
		}
		if a.DeliveryID == id {
			return j
		}
	}
	t.Fatalf("no job for delivery %s", id)
	return nil
}
