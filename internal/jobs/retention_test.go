package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/webhook"
	"github.com/riverqueue/river"
)

// TestPrunerKeepsDedupeForTheWindow: with a one-hour window and an
// injected clock, a dispatched delivery keeps its payload for the window,
// then only its id and identity (still deduplicating) for another
// window, then goes; an undispatched one is never pruned.
func TestPrunerKeepsDedupeForTheWindow(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		db := openTestDB(t, backend)
		ctx := context.Background()
		o := NewOutbox(db)
		defer o.Close()
		start := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
		save := func(id string, comment int64, at time.Time) bool {
			t.Helper()
			d, err := webhook.FromPayload(id, "issue_comment", commentBody(comment))
			if err != nil {
				t.Fatal(err)
			}
			d.ReceivedAt = at
			isNew, err := o.Save(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			return isNew
		}
		// Three batches' worth, so the pruner loops.
		for i := range 7 {
			save(fmt.Sprintf("d-%d", i), int64(100+i), start.Add(time.Duration(i)*time.Second))
		}
		save("pending", 999, start)
		if _, err := db.Outbox.ExecContext(ctx, `DELETE FROM devops_lead_pending WHERE id <> 'pending'`); err != nil {
			t.Fatal(err)
		}
		now := start
		p := &Pruner{DB: db, Window: time.Hour, Batch: 3, Now: func() time.Time { return now }}
		prune := func() Pruned {
			t.Helper()
			got, err := p.PruneOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		payloads := func() (full, rows int) {
			t.Helper()
			if err := db.Outbox.QueryRow(`SELECT COUNT(*) FROM devops_lead_deliveries WHERE length(payload) > 0`).Scan(&full); err != nil {
				t.Fatal(err)
			}
			if err := db.Outbox.QueryRow(`SELECT COUNT(*) FROM devops_lead_deliveries`).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			return full, rows
		}

		now = start.Add(59 * time.Minute) // within the window: nothing goes
		if got := prune(); got != (Pruned{}) {
			t.Fatalf("pruned %+v within the window", got)
		}
		now = start.Add(61 * time.Minute) // past it: payloads go, rows stay
		if got := prune(); got.Payloads != 7 || got.Rows != 0 {
			t.Fatalf("after the window pruned %+v, want 7 payloads", got)
		}
		if full, rows := payloads(); full != 1 || rows != 8 {
			t.Fatalf("%d payloads in %d rows, want the pending one in 8", full, rows)
		}
		// The id and the identity still deduplicate.
		if save("d-3", 103, now) || save("replayed", 103, now) {
			t.Fatal("a redelivery or replay was stored again after its payload was pruned")
		}
		if _, err := db.Delivery(ctx, "d-3"); err == nil || !strings.Contains(err.Error(), "pruned") {
			t.Fatalf("loading a pruned delivery: %v", err)
		}
		if got := prune(); got != (Pruned{}) {
			t.Fatalf("second run pruned %+v", got)
		}
		now = start.Add(2*time.Hour + time.Minute) // past twice the window: rows go
		if got := prune(); got.Rows != 7 {
			t.Fatalf("after twice the window pruned %+v, want 7 rows", got)
		}
		if full, rows := payloads(); full != 1 || rows != 1 {
			t.Fatalf("%d payloads in %d rows, want only the pending delivery", full, rows)
		}
		if _, err := db.Delivery(ctx, "pending"); err != nil {
			t.Fatalf("the undispatched delivery: %v", err)
		}
	})
}

// TestPrunerBatchesAreBounded: one run touches at most Batch*MaxBatches
// rows a step; the next run takes the rest.
func TestPrunerBatchesAreBounded(t *testing.T) {
	db := openTestDB(t, "sqlite")
	ctx := context.Background()
	o := NewOutbox(db)
	defer o.Close()
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 10 {
		d := delivery(fmt.Sprintf("b-%d", i), "acme/api", i)
		d.ReceivedAt = old.Add(time.Duration(i) * time.Second)
		if _, err := o.Save(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Outbox.ExecContext(ctx, `DELETE FROM devops_lead_pending`); err != nil {
		t.Fatal(err)
	}
	p := &Pruner{DB: db, Window: time.Hour, Batch: 2, MaxBatches: 3}
	if got, err := p.PruneOnce(ctx); err != nil || got.Payloads != 6 || got.Rows != 6 {
		t.Fatalf("first run %+v %v, want 6 and 6", got, err)
	}
	if got, err := p.PruneOnce(ctx); err != nil || got.Payloads != 4 || got.Rows != 4 {
		t.Fatalf("second run %+v %v, want the other 4 and 4", got, err)
	}
}

func TestRiverKeepsFinishedJobsForTheWindow(t *testing.T) {
	cfg := &river.Config{}
	riverRetention(cfg, 48*time.Hour)
	if cfg.CompletedJobRetentionPeriod != 48*time.Hour || cfg.CancelledJobRetentionPeriod != 48*time.Hour || cfg.DiscardedJobRetentionPeriod != 48*time.Hour {
		t.Fatalf("river retention %+v", cfg)
	}
	riverRetention(cfg, 0)
	if cfg.CompletedJobRetentionPeriod != DefaultRetention {
		t.Fatalf("default retention %v", cfg.CompletedJobRetentionPeriod)
	}
}

// TestSQLiteCommitsAreDurable: both SQLite files run synchronous=NORMAL,
// and the commits a power loss must not take back are synced explicitly:
// the outbox writer syncs the outbox's WAL after each commit, before any
// delivery is answered, and the dispatcher syncs River's after inserting
// jobs, before marking their deliveries dispatched. A sync that fails
// fails the Save, or the dispatch, which leaves the delivery undispatched.
func TestSQLiteCommitsAreDurable(t *testing.T) {
	db := openTestDB(t, "sqlite")
	for name, conn := range map[string]*sql.DB{"queue": db.SQL, "outbox": db.Outbox} {
		var mode int
		if err := conn.QueryRow(`PRAGMA synchronous`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if mode != 1 { // 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
			t.Errorf("%s: synchronous = %d, want 1 (NORMAL, with explicit syncs)", name, mode)
		}
	}
	for _, wal := range []string{db.outboxWAL, db.riverWAL} {
		if _, err := os.Stat(wal); err != nil {
			t.Fatalf("a WAL that is synced: %v", err)
		}
	}
	q, err := New(db, ProcessorFunc(func(context.Context, *webhook.Delivery) error { return nil }), Options{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Outbox.Close()
	ctx := context.Background()
	if _, err := q.Outbox.Save(ctx, delivery("synced", "acme/api", 1)); err != nil {
		t.Fatal(err)
	}
	outboxWAL, riverWAL := db.outboxWAL, db.riverWAL
	db.outboxWAL = outboxWAL + ".missing"
	if _, err := q.Outbox.Save(ctx, delivery("unsynced", "acme/api", 2)); err == nil {
		t.Error("a delivery whose commit could not be synced was acknowledged")
	}
	db.outboxWAL = outboxWAL
	db.riverWAL = riverWAL + ".missing"
	if _, err := q.DispatchOnce(ctx); err == nil {
		t.Error("deliveries dispatched though River's commit could not be synced")
	}
	var undispatched int
	if err := db.Outbox.QueryRow(`SELECT COUNT(*) FROM devops_lead_pending`).Scan(&undispatched); err != nil {
		t.Fatal(err)
	}
	if undispatched == 0 {
		t.Error("a delivery was marked dispatched before its job was synced")
	}
	db.riverWAL = riverWAL
	if n, err := q.DispatchOnce(ctx); err != nil || n == 0 {
		t.Errorf("dispatch after the sync works again: %d %v", n, err)
	}
}

// TestPrunerRunPrunesAtStartAndStops: Run prunes at once, then on its
// interval, and returns when its context ends.
func TestPrunerRunPrunesAtStartAndStops(t *testing.T) {
	db := openTestDB(t, "sqlite")
	ctx, cancel := context.WithCancel(context.Background())
	o := NewOutbox(db)
	defer o.Close()
	d := delivery("r-1", "acme/api", 1)
	if _, err := o.Save(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Outbox.ExecContext(ctx, `DELETE FROM devops_lead_pending`); err != nil {
		t.Fatal(err)
	}
	future := d.ReceivedAt.Add(3 * time.Hour)
	p := &Pruner{DB: db, Window: time.Hour, Now: func() time.Time { return future }}
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx, 10*time.Millisecond) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int
		if err := db.Outbox.QueryRow(`SELECT COUNT(*) FROM devops_lead_deliveries`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not prune")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop with its context")
	}
}
