package cli

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/devops-lead/devops-lead/internal/config"
	"github.com/devops-lead/devops-lead/internal/github"
	"github.com/devops-lead/devops-lead/internal/jobs"
	"github.com/devops-lead/devops-lead/internal/metrics"
	"github.com/devops-lead/devops-lead/internal/redeliver"
)

// queueGauges reports the outbox's and the queue's depth and oldest age
// at each scrape.
func queueGauges(q *jobs.Queue, log *slog.Logger) *metrics.Gauges {
	specs := []metrics.GaugeSpec{
		{Name: "devops_lead_outbox_pending", Help: "Stored webhook deliveries not yet turned into jobs."},
		{Name: "devops_lead_outbox_oldest_pending_seconds", Help: "Age of the oldest stored delivery not yet turned into a job (0 when none)."},
		{Name: "devops_lead_queue_jobs", Help: "Queue jobs by state.", State: "state"},
		{Name: "devops_lead_queue_oldest_available_seconds", Help: "How long the oldest job ready to run has waited (0 when none)."},
	}
	return metrics.NewGauges(specs, func(ctx context.Context) ([]metrics.Level, error) {
		l, err := q.Levels(ctx)
		if err != nil {
			return nil, err
		}
		out := []metrics.Level{
			{Name: "devops_lead_outbox_pending", Value: float64(l.OutboxPending)},
			{Name: "devops_lead_outbox_oldest_pending_seconds", Value: l.OutboxOldest.Seconds()},
			{Name: "devops_lead_queue_oldest_available_seconds", Value: l.OldestAvailable.Seconds()},
		}
		for state, n := range l.Jobs {
			out = append(out, metrics.Level{Name: "devops_lead_queue_jobs", State: state, Value: float64(n)})
		}
		return out, nil
	}, log)
}

// startSweep starts the redelivery sweep in the background, at once and
// every cfg.RedeliveryInterval, until ctx ends; zero turns it off. The
// returned function waits for the sweep to end (after ctx), so nothing
// reads the queue once it is closed.
func startSweep(ctx context.Context, cfg *config.Server, app *github.App, q *jobs.Queue, m *metrics.Metrics, log *slog.Logger) (wait func(), err error) {
	if cfg.RedeliveryInterval <= 0 {
		return func() {}, nil
	}
	c, err := app.AppClient()
	if err != nil {
		return nil, fmt.Errorf("redelivery sweep: %w", err)
	}
	sw := &redeliver.Sweeper{Apps: c.REST.Apps, Store: q, Log: log.With("component", "redelivery"), Counted: m.Redelivery}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sw.Run(ctx, cfg.RedeliveryInterval)
	}()
	return func() { <-done }, nil
}
