package jobs

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/webhook"
)

// blocker is a Processor whose jobs run until released or until their
// context is cancelled; a cancelled job answers as a careless processor
// might, with a permanent error, to show the queue still does not fail it.
type blocker struct {
	started chan string
	release chan struct{}
	mu      sync.Mutex
	done    []string
	gaveUp  []string
}

func newBlocker() *blocker {
	return &blocker{started: make(chan string, 10), release: make(chan struct{})}
}

func (b *blocker) Process(ctx context.Context, d *webhook.Delivery) error {
	b.started <- d.ID
	select {
	case <-b.release:
		b.mu.Lock()
		defer b.mu.Unlock()
		b.done = append(b.done, d.ID)
		return nil
	case <-ctx.Done():
		return Permanent(fmt.Errorf("calling GitHub: %w", ctx.Err()))
	}
}

func (b *blocker) GaveUp(_ context.Context, d *webhook.Delivery, _ int, _ error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.gaveUp = append(b.gaveUp, d.ID)
}

func (b *blocker) waitStarted(t *testing.T) string {
	t.Helper()
	select {
	case id := <-b.started:
		return id
	case <-time.After(20 * time.Second):
		t.Fatal("the job never started")
		return ""
	}
}

func jobState(t *testing.T, db *DB) (state string, attempt int) {
	t.Helper()
	if err := db.SQL.QueryRow(`SELECT state, attempt FROM river_job WHERE kind = 'github_delivery'`).Scan(&state, &attempt); err != nil {
		t.Fatal(err)
	}
	return state, attempt
}

// TestStopLetsRunningJobsFinish: a job that ends within the grace
// finishes, and Stop waits for it; cancelling the context Start was given
// (the signal context in serve) does not cut it.
func TestStopLetsRunningJobsFinish(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		db := openTestDB(t, backend)
		b := newBlocker()
		q, err := New(db, b, Options{Workers: 2, PollInterval: 50 * time.Millisecond, MaxAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		startCtx, signal := context.WithCancel(context.Background())
		if err := q.Start(startCtx); err != nil {
			t.Fatal(err)
		}
		if _, err := q.Outbox.Save(context.Background(), delivery("slow", "acme/api", 1)); err != nil {
			t.Fatal(err)
		}
		b.waitStarted(t)
		signal() // SIGTERM
		stopped := make(chan error, 1)
		go func() {
			grace, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			stopped <- q.Stop(grace)
		}()
		select {
		case err := <-stopped:
			t.Fatalf("Stop returned (%v) while a job was running within the grace", err)
		case <-time.After(300 * time.Millisecond):
		}
		close(b.release)
		if err := <-stopped; err != nil {
			t.Fatal(err)
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if len(b.done) != 1 || len(b.gaveUp) != 0 {
			t.Fatalf("done %v, gave up %v; want the job done", b.done, b.gaveUp)
		}
		if state, _ := jobState(t, db); state != "completed" {
			t.Fatalf("job state %q, want completed", state)
		}
	})
}

// TestStopReleasesJobsOverTheGrace: a job still running when the grace
// ends is cancelled, put back for the next start without its attempt
// counted, never failed or reported; the next start runs it.
func TestStopReleasesJobsOverTheGrace(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		db := openTestDB(t, backend)
		b := newBlocker()
		// One attempt only: a cut job counted as a failure would be given up.
		opts := Options{Workers: 2, PollInterval: 50 * time.Millisecond, MaxAttempts: 1}
		q, err := New(db, b, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := q.Outbox.Save(context.Background(), delivery("stuck", "acme/api", 2)); err != nil {
			t.Fatal(err)
		}
		b.waitStarted(t)
		grace, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		begin := time.Now()
		if err := q.Stop(grace); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(begin); took < 250*time.Millisecond || took > 10*time.Second {
			t.Fatalf("Stop took %v, want about the grace", took)
		}
		if state, attempt := jobState(t, db); state != "available" || attempt != 0 {
			t.Fatalf("cut job is %q at attempt %d, want available at 0", state, attempt)
		}
		b.mu.Lock()
		if len(b.gaveUp) != 0 || len(b.done) != 0 {
			t.Fatalf("done %v, gave up %v; want neither", b.done, b.gaveUp)
		}
		b.mu.Unlock()

		close(b.release)
		q2, err := New(db, b, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := q2.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		if id := b.waitStarted(t); id != "stuck" {
			t.Fatalf("next start ran %q", id)
		}
		if err := q2.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if len(b.done) != 1 || len(b.gaveUp) != 0 {
			t.Fatalf("after restart: done %v, gave up %v", b.done, b.gaveUp)
		}
		if state, attempt := jobState(t, db); state != "completed" || attempt != 1 {
			t.Fatalf("job %q at attempt %d, want completed at 1", state, attempt)
		}
	})
}
