package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/jobs/jobstest"
	"github.com/devops-lead/devops-lead/internal/webhook"
)

// openTestDB opens a fresh queue database: SQLite in a temp dir, or a new
// PostgreSQL database on the server at DEVOPS_LEAD_TEST_DATABASE_URL.
func openTestDB(t *testing.T, backend string) *DB {
	t.Helper()
	ctx := context.Background()
	var db *DB
	var err error
	switch backend {
	case "sqlite":
		db, err = Open(ctx, filepath.Join(t.TempDir(), "queue.db"), "")
	case "postgres":
		db, err = Open(ctx, "", jobstest.PostgresURL(t))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func backends(t *testing.T, f func(t *testing.T, backend string)) {
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) { f(t, b) })
	}
}

// testPayload is the tests' payload: large enough to be stored
// compressed (payload.go), as a real one is.
var testPayload = []byte(`{"action":"labeled","issue":{"body":"` + strings.Repeat("Add a CI workflow. ", 40) + `"}}`)

func delivery(id, repo string, number int) *webhook.Delivery {
	return &webhook.Delivery{ID: id, Event: "issues", Action: "labeled", Installation: 42, Repo: repo, Number: number,
		Sender: "alice", Payload: testPayload, ReceivedAt: time.Now()}
}

func TestOutboxGroupCommitDedupes(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		db := openTestDB(t, backend)
		o := NewOutbox(db)
		defer o.Close()
		var isNew, dup atomic.Int64
		var wg sync.WaitGroup
		for g := 0; g < 16; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 50; i++ {
					// Every delivery is sent by two goroutines.
					id := fmt.Sprintf("d-%d-%d", g/2, i)
					ok, err := o.Save(context.Background(), delivery(id, "acme/api", i))
					if err != nil {
						t.Error(err)
						return
					}
					if ok {
						isNew.Add(1)
					} else {
						dup.Add(1)
					}
				}
			}(g)
		}
		wg.Wait()
		if isNew.Load() != 400 || dup.Load() != 400 {
			t.Fatalf("new %d dup %d, want 400 each", isNew.Load(), dup.Load())
		}
		var n int
		if err := db.Outbox.QueryRow("SELECT COUNT(*) FROM devops_lead_deliveries").Scan(&n); err != nil || n != 400 {
			t.Fatalf("rows = %d %v", n, err)
		}
		d, err := db.Delivery(context.Background(), "d-3-7")
		if err != nil || d.Repo != "acme/api" || d.Number != 7 || !bytes.Equal(d.Payload, testPayload) {
			t.Fatalf("loaded %+v %v", d, err)
		}
		o.Close()
		if _, err := o.Save(context.Background(), delivery("late", "acme/api", 1)); !errors.Is(err, ErrClosed) {
			t.Fatalf("save after close: %v", err)
		}
	})
}

// recorder is a Processor that records what it ran and checks that two
// jobs of one issue never run at once.
type recorder struct {
	mu       sync.Mutex
	done     map[string]int
	running  map[string]bool
	overlap  bool
	failOnce map[string]bool
	perm     map[string]bool
	hold     time.Duration
	all      chan string
}

func newRecorder() *recorder {
	return &recorder{done: map[string]int{}, running: map[string]bool{}, failOnce: map[string]bool{}, perm: map[string]bool{}, all: make(chan string, 100)}
}

func (r *recorder) Process(ctx context.Context, d *webhook.Delivery) error {
	r.mu.Lock()
	if r.running[d.Key()] {
		r.overlap = true
	}
	r.running[d.Key()] = true
	r.mu.Unlock()
	time.Sleep(r.hold)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running[d.Key()] = false
	if r.perm[d.ID] {
		r.all <- d.ID
		return Permanent(errors.New("bad config"))
	}
	if r.failOnce[d.ID] {
		r.failOnce[d.ID] = false
		return errors.New("GitHub said 500")
	}
	r.done[d.ID]++
	r.all <- d.ID
	return nil
}

func waitFor(t *testing.T, r *recorder, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-r.all:
		case <-time.After(20 * time.Second):
			t.Fatalf("only %d of %d jobs finished", i, n)
		}
	}
}

func startQueue(t *testing.T, db *DB, p Processor) *Queue {
	t.Helper()
	q, err := New(db, p, Options{Workers: 4, PollInterval: 50 * time.Millisecond, RetryDelay: 50 * time.Millisecond, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return q
}

func TestQueueRunsEachDeliveryOnceOneJobPerIssue(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		db := openTestDB(t, backend)
		rec := newRecorder()
		rec.hold = 30 * time.Millisecond
		rec.failOnce["flaky"] = true
		rec.perm["broken"] = true
		q := startQueue(t, db, rec)
		ids := []string{"a1", "a2", "a3", "b1", "flaky", "broken"}
		for _, id := range ids {
			n := 1
			if id[0] == 'b' {
				n = 2
			}
			for i := 0; i < 3; i++ { // GitHub redelivers: still one job
				if _, err := q.Outbox.Save(context.Background(), delivery(id, "acme/api", n)); err != nil {
					t.Fatal(err)
				}
			}
		}
		waitFor(t, rec, len(ids))
		time.Sleep(200 * time.Millisecond) // let a wrong second run show itself
		if err := q.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for _, id := range []string{"a1", "a2", "a3", "b1", "flaky"} {
			if rec.done[id] != 1 {
				t.Errorf("%s ran %d times, want once", id, rec.done[id])
			}
		}
		if rec.done["broken"] != 0 {
			t.Errorf("a permanent failure must not be retried")
		}
		if rec.overlap {
			t.Error("two jobs of one issue ran at the same time")
		}
	})
}

func TestQueueSurvivesRestart(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		db := openTestDB(t, backend)
		rec := newRecorder()
		// Stored but never dispatched: the process stopped right after
		// answering GitHub.
		q, err := New(db, rec, Options{PollInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"x1", "x2"} {
			if _, err := q.Outbox.Save(context.Background(), delivery(id, "acme/api", 3)); err != nil {
				t.Fatal(err)
			}
		}
		if err := q.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		q2 := startQueue(t, db, rec)
		waitFor(t, rec, 2)
		if err := q2.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		// A third start finds nothing left to do.
		q3 := startQueue(t, db, rec)
		time.Sleep(300 * time.Millisecond)
		if err := q3.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if rec.done["x1"] != 1 || rec.done["x2"] != 1 {
			t.Fatalf("done = %v, want each once", rec.done)
		}
	})
}

func TestLockExpires(t *testing.T) {
	db := openTestDB(t, "sqlite")
	ctx := context.Background()
	if ok, err := db.lock(ctx, "k", "a", time.Hour); !ok || err != nil {
		t.Fatal("first lock", ok, err)
	}
	if ok, _ := db.lock(ctx, "k", "b", time.Hour); ok {
		t.Fatal("second holder got the lock")
	}
	if ok, _ := db.lock(ctx, "k", "a", time.Hour); !ok {
		t.Fatal("the holder renews its lock")
	}
	if ok, _ := db.lock(ctx, "j", "a", -time.Second); !ok {
		t.Fatal("lock j")
	}
	if ok, _ := db.lock(ctx, "j", "b", time.Hour); !ok {
		t.Fatal("an expired lock is taken over")
	}
	if err := db.unlock(ctx, "k", "a"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.lock(ctx, "k", "b", time.Hour); !ok {
		t.Fatal("released lock")
	}
}

// TestDispatchIsExactlyOnceAcrossACrash: a crash after the River insert
// but before the delivery is marked dispatched makes the next dispatch
// see it again; River's unique insert skips it.
func TestDispatchIsExactlyOnceAcrossACrash(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		db := openTestDB(t, backend)
		rec := newRecorder()
		q, err := New(db, rec, Options{PollInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if _, err := q.Outbox.Save(ctx, delivery("once", "acme/api", 9)); err != nil {
			t.Fatal(err)
		}
		if n, err := q.DispatchOnce(ctx); err != nil || n != 1 {
			t.Fatalf("dispatch: %d %v", n, err)
		}
		// Simulate the crash: the mark is lost.
		if _, err := db.Outbox.ExecContext(ctx, "INSERT INTO devops_lead_pending (id, key, size, received_at) VALUES ('once', 'acme/api#9', 20, 1)"); err != nil {
			t.Fatal(err)
		}
		if n, err := q.DispatchOnce(ctx); err != nil || n != 1 {
			t.Fatalf("second dispatch: %d %v", n, err)
		}
		if err := q.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		q2 := startQueue(t, db, rec)
		waitFor(t, rec, 1)
		time.Sleep(400 * time.Millisecond)
		if err := q2.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if rec.done["once"] != 1 {
			t.Fatalf("ran %d times, want once", rec.done["once"])
		}
	})
}

type givingUp struct {
	*recorder
	mu       sync.Mutex
	gaveUp   []string
	attempts int
}

func (g *givingUp) Process(ctx context.Context, d *webhook.Delivery) error {
	return errors.New("GitHub keeps answering 502")
}

func (g *givingUp) GaveUp(_ context.Context, d *webhook.Delivery, attempts int, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gaveUp = append(g.gaveUp, d.ID)
	g.attempts = attempts
	g.recorder.all <- d.ID
}

// TestGaveUpIsReportedOnce: a job whose transient errors never clear is
// reported once, after its last attempt.
func TestGaveUpIsReportedOnce(t *testing.T) {
	db := openTestDB(t, "sqlite")
	g := &givingUp{recorder: newRecorder()}
	q := startQueue(t, db, g) // MaxAttempts 3, short retry delay
	if _, err := q.Outbox.Save(context.Background(), delivery("doomed", "acme/api", 4)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, g.recorder, 1)
	time.Sleep(300 * time.Millisecond)
	if err := q.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.gaveUp) != 1 || g.attempts != 3 {
		t.Fatalf("gave up %v after %d attempts, want once after 3", g.gaveUp, g.attempts)
	}
}

func TestIsPermanent(t *testing.T) {
	base := errors.New("bad config")
	for _, c := range []struct {
		err  error
		want bool
	}{
		{Permanent(base), true},
		{fmt.Errorf("task: %w", Permanent(base)), true},
		{errors.Join(errors.New("x"), Permanent(base)), true},
		{base, false},
		{ErrNotYet, false},
		{nil, false},
	} {
		if got := IsPermanent(c.err); got != c.want {
			t.Errorf("IsPermanent(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
