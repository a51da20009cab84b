package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Observe calls fn after each job run with the job's kind, the outcome
// (completed, retried, discarded, cancelled, snoozed, interrupted) and
// how long the run took, from River's own events. Call it before Start;
// the returned function stops observing.
func (q *Queue) Observe(fn func(kind, outcome string, took time.Duration)) (stop func()) {
	ch, cancel := q.client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed,
		river.EventKindJobCancelled, river.EventKindJobSnoozed, river.EventKindJobInterrupted)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range ch {
			if ev.Job == nil {
				continue
			}
			var took time.Duration
			if ev.JobStats != nil {
				took = ev.JobStats.RunDuration
			}
			fn(ev.Job.Kind, eventOutcome(ev), took)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// eventOutcome names what a River event says happened to a job run.
func eventOutcome(ev *river.Event) string {
	switch ev.Kind {
	case river.EventKindJobCompleted:
		return "completed"
	case river.EventKindJobCancelled:
		return "cancelled"
	case river.EventKindJobSnoozed:
		return "snoozed"
	case river.EventKindJobInterrupted:
		return "interrupted"
	}
	if ev.Job.State == rivertype.JobStateDiscarded {
		return "discarded"
	}
	return "retried"
}

// Levels are the queue's depth at one moment.
type Levels struct {
	// OutboxPending counts stored deliveries not yet turned into jobs;
	// OutboxOldest is the age of the oldest of them (0 when none).
	OutboxPending int64
	OutboxOldest  time.Duration
	// Jobs counts River's jobs by state (available, running, retryable,
	// scheduled, completed, discarded, cancelled).
	Jobs map[string]int64
	// OldestAvailable is how long the oldest job ready to run has waited
	// (0 when none waits).
	OldestAvailable time.Duration
}

// Levels reads the outbox's and the queue's depth.
func (q *Queue) Levels(ctx context.Context) (*Levels, error) {
	now := time.Now()
	l := &Levels{Jobs: map[string]int64{}}
	var err error
	if l.OutboxPending, l.OutboxOldest, err = q.db.pendingLevel(ctx, now); err != nil {
		return nil, err
	}
	rows, err := q.db.SQL.QueryContext(ctx, `SELECT state, COUNT(*) FROM river_job GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("queue depth: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("queue depth: %w", err)
		}
		l.Jobs[state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("queue depth: %w", err)
	}
	res, err := q.client.JobList(ctx, river.NewJobListParams().States(rivertype.JobStateAvailable).
		OrderBy(river.JobListOrderByScheduledAt, river.SortOrderAsc).First(1))
	if err != nil {
		return nil, fmt.Errorf("oldest available job: %w", err)
	}
	if len(res.Jobs) > 0 {
		l.OldestAvailable = max(0, now.Sub(res.Jobs[0].ScheduledAt))
	}
	return l, nil
}

// HasDelivery reports whether the outbox holds the delivery with this
// X-GitHub-Delivery id (the redelivery sweep asks before asking GitHub).
func (q *Queue) HasDelivery(ctx context.Context, id string) (bool, error) {
	var one int
	err := q.db.Outbox.QueryRowContext(ctx, q.db.q(`SELECT 1 FROM devops_lead_deliveries WHERE id = ?`), id).Scan(&one)
	switch {
	case err == sql.ErrNoRows:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("look up delivery: %w", err)
	}
	return true, nil
}
