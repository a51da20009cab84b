package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// DefaultRetention is how long deliveries' payloads and finished jobs are
// kept by default.
const DefaultRetention = 7 * 24 * time.Hour

// DefaultPruneEvery is how often Pruner.Run prunes.
const DefaultPruneEvery = time.Hour

// Pruner prunes the outbox in two steps so deduplication outlives the
// payloads: a dispatched delivery's payload is emptied once it is older
// than Window, and its row — the delivery id and event identity that make
// a redelivery or a replay a duplicate — is deleted once it is older than
// twice the Window. Undispatched deliveries are never pruned. Finished
// River jobs are pruned by River's own cleaner (see riverRetention).
type Pruner struct {
	DB     *DB
	Window time.Duration // default DefaultRetention
	// Batch is the rows one statement touches (default 500) and
	// MaxBatches the statements of one step in one run (default 200), so
	// a run never holds the database for long; what is left waits for
	// the next run.
	Batch, MaxBatches int
	Now               func() time.Time // default time.Now; tests inject a clock
	Log               *slog.Logger
}

// Pruned counts what one run of the pruner removed.
type Pruned struct {
	Payloads int64 // payloads emptied
	Rows     int64 // delivery rows deleted
}

func (p *Pruner) defaults() {
	if p.Window <= 0 {
		p.Window = DefaultRetention
	}
	if p.Batch <= 0 {
		p.Batch = 500
	}
	if p.MaxBatches <= 0 {
		p.MaxBatches = 200
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Log == nil {
		p.Log = slog.Default()
	}
}

// PruneOnce runs both steps once, in bounded batches.
func (p *Pruner) PruneOnce(ctx context.Context) (Pruned, error) {
	p.defaults()
	var out Pruned
	now := p.Now()
	// Step 1: payloads of dispatched deliveries older than the window. Any
	// job of theirs finished or gave up long ago.
	payloadCutoff := now.Add(-p.Window).UnixNano()
	empty := p.DB.q(`UPDATE devops_lead_deliveries SET payload = ? WHERE id IN (
		SELECT id FROM devops_lead_deliveries
		WHERE received_at < ? AND dispatched_at IS NOT NULL AND length(payload) > 0
		AND NOT EXISTS (SELECT 1 FROM devops_lead_pending p WHERE p.id = devops_lead_deliveries.id)
		ORDER BY received_at LIMIT ?)`)
	n, err := p.batches(ctx, empty, []byte{}, payloadCutoff)
	out.Payloads = n
	if err != nil {
		return out, fmt.Errorf("prune delivery payloads: %w", err)
	}
	// Step 2: rows older than twice the window.
	rowCutoff := now.Add(-2 * p.Window).UnixNano()
	del := p.DB.q(`DELETE FROM devops_lead_deliveries WHERE id IN (
		SELECT id FROM devops_lead_deliveries
		WHERE received_at < ? AND dispatched_at IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM devops_lead_pending p WHERE p.id = devops_lead_deliveries.id)
		ORDER BY received_at LIMIT ?)`)
	n, err = p.batches(ctx, del, rowCutoff)
	out.Rows = n
	if err != nil {
		return out, fmt.Errorf("prune deliveries: %w", err)
	}
	// The marks of deliveries bursts settled (batch.go) go with their rows.
	settled := p.DB.q(`DELETE FROM devops_lead_settled WHERE id IN (
		SELECT id FROM devops_lead_settled WHERE settled_at < ? LIMIT ?)`)
	if _, err := p.batches(ctx, settled, rowCutoff); err != nil {
		return out, fmt.Errorf("prune settled marks: %w", err)
	}
	return out, nil
}

// batches runs a statement, with the batch size as its last argument,
// until it touches fewer rows than a batch or MaxBatches were run.
func (p *Pruner) batches(ctx context.Context, stmt string, args ...any) (int64, error) {
	args = append(args, p.Batch)
	var total int64
	for i := 0; i < p.MaxBatches; i++ {
		res, err := p.DB.Outbox.ExecContext(ctx, stmt, args...)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
		if n < int64(p.Batch) {
			break
		}
	}
	return total, nil
}

// Run prunes at once and then every interval (DefaultPruneEvery when
// zero or less) until ctx ends. Errors are logged, not fatal: the next
// run tries again.
func (p *Pruner) Run(ctx context.Context, every time.Duration) {
	p.defaults()
	if every <= 0 {
		every = DefaultPruneEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		got, err := p.PruneOnce(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			p.Log.Error("prune the outbox", "err", err)
		case got.Payloads > 0 || got.Rows > 0:
			p.Log.Info("outbox pruned", "payloads", got.Payloads, "rows", got.Rows, "window", p.Window)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// riverRetention sets River's job cleaner to keep finished jobs
// (completed, cancelled, discarded) for the retention window; zero keeps
// DefaultRetention.
func riverRetention(cfg *river.Config, window time.Duration) {
	if window <= 0 {
		window = DefaultRetention
	}
	cfg.CompletedJobRetentionPeriod = window
	cfg.CancelledJobRetentionPeriod = window
	cfg.DiscardedJobRetentionPeriod = window
}
