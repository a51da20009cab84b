package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/devops-lead/devops-lead/internal/webhook"
)

// DeliveryArgs is the River job for one stored delivery.
type DeliveryArgs struct {
	DeliveryID string `json:"delivery_id"`
	Key        string `json:"key"` // repo#number: one job at a time per key
}

// Kind implements river.JobArgs.
func (DeliveryArgs) Kind() string { return "github_delivery" }

// Processor does the App's work for one delivery. It must be idempotent:
// a job may run again after a crash or a retry.
type Processor interface {
	Process(ctx context.Context, d *webhook.Delivery) error
}

// FailureReporter is implemented by processors that tell people when a
// delivery's job gave up after its last attempt (transient errors that
// never cleared); permanent errors are reported by the processor itself.
type FailureReporter interface {
	GaveUp(ctx context.Context, d *webhook.Delivery, attempts int, err error)
}

// ProcessorFunc adapts a function to Processor.
type ProcessorFunc func(ctx context.Context, d *webhook.Delivery) error

// Process implements Processor.
func (f ProcessorFunc) Process(ctx context.Context, d *webhook.Delivery) error { return f(ctx, d) }

// Permanent marks an error that retrying cannot fix: the job is not
// retried (the processor reports it on the issue before returning it).
func Permanent(err error) error { return &permanentError{err} }

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// IsPermanent reports whether err (or an error it wraps) was marked with
// Permanent, so retrying cannot help.
func IsPermanent(err error) bool {
	var perm *permanentError
	return errors.As(err, &perm)
}

// Options tune the queue. The recovery numbers (timeouts, lock TTL,
// heartbeats) are explained in docs/reliability.md.
type Options struct {
	Workers      int           // concurrent jobs (default 4)
	MaxAttempts  int           // tries per job before it is discarded (default 8)
	PollInterval time.Duration // how often workers look for jobs (default 1s)
	// DeliveryTimeout bounds one run of a delivery's job (plan, commands;
	// default 4m) and TaskTimeout one run of a task's job (writes a pull
	// request; default 8m). A run past its timeout has its context
	// cancelled and is retried. River's rescuer takes back a job still
	// marked running a minute after the longer of the two.
	DeliveryTimeout time.Duration
	TaskTimeout     time.Duration
	// LockTTL is how long an issue lock lasts without renewal (default
	// 30s); a running job renews its lock every LockTTL/3, so only a dead
	// holder's lock expires.
	LockTTL time.Duration
	// Heartbeat is how often the process records in the database that it
	// is alive (default 3s); a process silent for ProcessTTL (default 15s)
	// is dead, and the jobs and locks it held are released.
	Heartbeat  time.Duration
	ProcessTTL time.Duration
	// ClientID names this process in River's attempted_by and in the locks
	// it holds (default: host, pid and start time). At most 80 bytes.
	ClientID string
	// RetryDelay, when set, replaces River's exponential backoff (tests).
	RetryDelay time.Duration
	// Retention is how long River keeps finished jobs (default
	// DefaultRetention); Pruner prunes the outbox on the same window.
	Retention time.Duration
	Logger    *slog.Logger
}

// Queue is the running queue: outbox, dispatcher and River workers.
type Queue struct {
	db     *DB
	Outbox *Outbox
	client *river.Client[*sql.Tx]
	proc   Processor
	opts   Options
	log    *slog.Logger

	stopDispatch chan struct{}
	dispatchDone chan struct{}
	stopBeat     chan struct{}
	beatDone     chan struct{}
	mu           sync.Mutex
	started      bool
	// burstSlots bounds the deliveries bursts run at once (batch.go).
	burstSlots chan struct{}
}

// New builds the queue over an open database.
func New(db *DB, proc Processor, opts Options) (*Queue, error) {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	opts.withRecoveryDefaults()
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	q := &Queue{db: db, proc: proc, opts: opts, log: opts.Logger, Outbox: NewOutbox(db), burstSlots: make(chan struct{}, opts.Workers)}
	workers := river.NewWorkers()
	river.AddWorker(workers, &deliveryWorker{q: q})
	river.AddWorker(workers, &taskWorker{q: q})
	river.AddWorker(workers, &burstWorker{q: q})
	cfg := &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.Workers}},
		Workers:           workers,
		MaxAttempts:       opts.MaxAttempts,
		FetchPollInterval: opts.PollInterval,
		FetchCooldown:     min(opts.PollInterval, 100*time.Millisecond),
		Logger:            opts.Logger.With("component", "river"),
		ID:                opts.ClientID,
		// The per-kind timeouts are the workers' Timeout methods; this
		// one covers any other kind. The rescuer frees a job still
		// running a minute after the longest timeout: a job whose process
		// died that the start sweep (recovery.go) did not release.
		JobTimeout:           opts.DeliveryTimeout,
		RescueStuckJobsAfter: max(2*opts.DeliveryTimeout, opts.TaskTimeout) + rescueMargin,
		RetryPolicy:          OutageBackoff{},
	}
	if opts.RetryDelay > 0 {
		cfg.RetryPolicy = fixedRetry(opts.RetryDelay)
	}
	riverRetention(cfg, opts.Retention)
	client, err := river.NewClient(db.driver, cfg)
	if err != nil {
		q.Outbox.Close()
		return nil, fmt.Errorf("river: %w", err)
	}
	q.client = client
	return q, nil
}

type fixedRetry time.Duration

func (f fixedRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(time.Duration(f)) }

// Start runs the workers and the dispatcher. Ending ctx does not stop
// the queue (River would take a cancelled start context as a hard stop
// and cut running jobs at once): call Stop, which gives running jobs a
// grace first.
func (q *Queue) Start(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started {
		return errors.New("queue already started")
	}
	if err := q.recoverAtStart(ctx); err != nil {
		return err
	}
	if err := q.client.Start(context.WithoutCancel(ctx)); err != nil {
		q.deregister()
		return fmt.Errorf("start river: %w", err)
	}
	q.started = true
	q.stopBeat, q.beatDone = make(chan struct{}), make(chan struct{})
	go q.heartbeatLoop()
	q.stopDispatch, q.dispatchDone = make(chan struct{}), make(chan struct{})
	go q.dispatchLoop()
	return nil
}

// Stop stops taking deliveries, lets running jobs finish until ctx ends
// (River's soft stop), then cancels those still running (the hard stop)
// and leaves the rest queued for the next start. A job cut by the hard
// stop is not failed: River puts it back to available with its attempt
// not counted, and the next start runs it again.
func (q *Queue) Stop(ctx context.Context) error {
	q.Outbox.Close()
	q.mu.Lock()
	started := q.started
	q.started = false
	q.mu.Unlock()
	if !started {
		return nil
	}
	close(q.stopDispatch)
	<-q.dispatchDone
	// The heartbeat goes on through the grace, so that no peer takes the
	// jobs still finishing here for a dead process's.
	defer func() {
		close(q.stopBeat)
		<-q.beatDone
		q.deregister()
	}()
	if err := q.client.Stop(ctx); err != nil {
		q.log.Warn("shutdown grace over; cancelling the jobs still running (they run again on the next start)")
		hard, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err2 := q.client.StopAndCancel(hard); err2 != nil {
			return fmt.Errorf("stop river: %w", errors.Join(err, err2))
		}
	}
	return nil
}

// Ping checks the database answers (readiness).
func (q *Queue) Ping(ctx context.Context) error {
	if err := q.db.SQL.PingContext(ctx); err != nil {
		return err
	}
	return q.db.Outbox.PingContext(ctx)
}

func (q *Queue) dispatchLoop() {
	defer close(q.dispatchDone)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	last := 0 // deliveries the last round took
	for {
		for {
			n, err := q.DispatchOnce(context.Background())
			if err != nil {
				q.log.Error("dispatch deliveries", "err", err)
				break
			}
			last = n
			if n < dispatchBatch {
				break // it took all there was
			}
		}
		select {
		case <-q.stopDispatch:
			return
		case <-q.Outbox.stored:
			// Let a few more group commits land so that one round (a
			// flush of River's file, among others) takes them all; after
			// a burst, longer, so the next burst is larger and its cost
			// is shared by more deliveries. A job starts that much later,
			// which nobody sees.
			pace := dispatchPace
			if last >= batchFrom {
				pace = q.db.busyPace()
			}
			select {
			case <-q.stopDispatch:
				return
			case <-time.After(pace):
			}
		case <-tick.C:
		}
	}
}

// dispatchBatch is the most deliveries one dispatch round takes, and
// dispatchPace how long the dispatcher lets deliveries gather after a
// commit nudged it; after a round that made a burst, busyPace replaces it
// (docs/reliability.md, "Third pass" and "Fifth pass").
const (
	dispatchBatch = 1000
	dispatchPace  = 5 * time.Millisecond
)

// busyPace is how long the dispatcher lets deliveries gather after a
// round that made a burst. On PostgreSQL 200 ms: every statement of a
// round costs the server CPU that intake, on the same cores, is short
// of, and rounds of up to 1,000 gathered for 200 ms measured 10% more
// intake than rounds gathered for 50 ms. On SQLite 50 ms: a larger
// round's statements hold the outbox's one connection longer, and
// intake's writer waits behind them (a worse latency tail, no more
// intake).
func (db *DB) busyPace() time.Duration {
	if db.Postgres {
		return 200 * time.Millisecond
	}
	return 50 * time.Millisecond
}

// DispatchOnce turns up to one batch of stored, undispatched deliveries
// into River jobs, then marks them dispatched: a job each, or, for a round
// of batchFrom deliveries or more (a burst), one job for them all
// (batch.go). River's unique-by-args insert makes the hand-off exactly
// once: if the process dies between the two steps, the next dispatch of
// the same deliveries is skipped as a duplicate. A later round that
// gathers them differently makes a second job; the settled marks and the
// issue locks keep either from running a delivery the other ran.
func (q *Queue) DispatchOnce(ctx context.Context) (int, error) {
	round, err := q.db.nextPending(ctx, dispatchBatch)
	if err != nil {
		return 0, err
	}
	if len(round) == 0 {
		return 0, nil
	}
	var params []river.InsertManyParams
	if len(round) >= batchFrom {
		params = burstParams(round)
	} else {
		for _, p := range round {
			params = append(params, river.InsertManyParams{Args: DeliveryArgs{DeliveryID: p.id, Key: p.key},
				InsertOpts: &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}})
		}
	}
	if _, err := q.client.InsertMany(ctx, params); err != nil {
		return 0, fmt.Errorf("insert jobs: %w", err)
	}
	if err := q.db.syncRiver(); err != nil {
		return 0, fmt.Errorf("insert jobs: %w", err)
	}
	if err := q.db.markDispatched(ctx, round); err != nil {
		return 0, err
	}
	return len(round), nil
}

type deliveryWorker struct {
	river.WorkerDefaults[DeliveryArgs]
	q *Queue
}

// Work runs one delivery under its issue's lock; if another job holds the
// lock, this one waits its turn (snoozed, not failed).
func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	q := w.q
	ctx, release, ok, err := q.holdLock(ctx, job.Args.Key, job.ID)
	if err != nil {
		return err
	}
	if !ok {
		return river.JobSnooze(q.opts.PollInterval)
	}
	err = w.work(ctx, job)
	if lost := release(); err != nil && lost {
		// Another job of the issue may have run meanwhile: this one waits
		// its turn and runs again, without counting as a failure.
		q.log.Warn("issue lock lost while the job ran; it runs again", "key", job.Args.Key, "err", err)
		return river.JobSnooze(q.opts.PollInterval)
	}
	return err
}

// Timeout implements river.Worker: a delivery's run is cut after
// Options.DeliveryTimeout.
func (w *deliveryWorker) Timeout(*river.Job[DeliveryArgs]) time.Duration {
	return w.q.opts.DeliveryTimeout
}

func (w *deliveryWorker) work(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	q := w.q
	q.Outbox.recent.take([]string{job.Args.DeliveryID}) // loaded below with its settled state
	d, ranInBurst, err := q.db.loadDelivery(ctx, job.Args.DeliveryID)
	if err != nil {
		if stopErr := stopped(ctx); stopErr != nil {
			return stopErr
		}
		return river.JobCancel(err)
	}
	if ranInBurst {
		return nil // a burst that overlapped this job's dispatch ran it
	}
	log := q.log.With("delivery", d.ID, "event", d.Event, "repo", d.Repo, "issue", d.Number, "attempt", job.Attempt)
	log.Info("job start")
	err = q.proc.Process(ctx, d)
	var perm *permanentError
	switch {
	case err == nil:
		log.Info("job done")
		return nil
	case stopped(ctx) != nil:
		log.Warn("job interrupted (shutdown or lost lock); it runs again", "err", err)
		return stopped(ctx)
	case errors.As(err, &perm):
		log.Error("job failed for good", "err", err)
		return river.JobCancel(err)
	case job.Attempt >= job.MaxAttempts:
		log.Error("job failed on its last attempt", "err", err)
		if r, ok := q.proc.(FailureReporter); ok {
			rctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			r.GaveUp(rctx, d, job.Attempt, err)
		}
		return err
	default:
		log.Warn("job failed, will retry", "err", err)
		return err
	}
}

// stopped reports, as an error wrapping context.Canceled, that the job's
// context was cancelled: the queue's hard stop at the end of the shutdown
// grace. River puts a job that returns such an error back to available
// without counting the attempt, so it must not be reported as failed or
// cancelled for good, whatever the processor made of the cancellation.
func stopped(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		if cause := context.Cause(ctx); errors.Is(cause, errLockLost) {
			return fmt.Errorf("stopped: %w: %w", cause, ctx.Err())
		}
		return fmt.Errorf("stopped by shutdown: %w", ctx.Err())
	}
	return nil
}

// lock takes the key for holder until ttl passes; a lock past its expiry
// is taken over.
func (db *DB) lock(ctx context.Context, key, holder string, ttl time.Duration) (bool, error) {
	now := time.Now()
	res, err := db.Outbox.ExecContext(ctx, db.q(`INSERT INTO devops_lead_locks (key, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE devops_lead_locks.expires_at < ? OR devops_lead_locks.holder = excluded.holder`),
		key, holder, now.Add(ttl).UnixNano(), now.UnixNano())
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", key, err)
	}
	return n == 1, nil
}

func (db *DB) unlock(ctx context.Context, key, holder string) error {
	_, err := db.Outbox.ExecContext(ctx, db.q(`DELETE FROM devops_lead_locks WHERE key = ? AND holder = ?`), key, holder)
	return err
}
