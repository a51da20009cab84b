package jobs

// Bursts: one job for many deliveries (docs/reliability.md, "Third pass").
//
// A River job costs the same whatever it does: an insert, a fetch, a
// completion, the issue lock taken and released, the delivery loaded.
// When a dispatch round finds batchFrom deliveries or more (a burst), it
// queues one DeliveriesArgs job for them instead of one job each. The job
//
//   - takes the issue locks of all its keys with one statement, under one
//     holder ("<client id>/job-<job id>"), renewed with one statement;
//   - loads its deliveries with one query, skipping those already settled
//     (see below);
//   - runs each issue's deliveries in order, issues side by side, at most
//     Options.Workers deliveries at a time across the queue's bursts;
//   - records each delivery settled as it ends, and releases each issue's
//     lock once its deliveries have, gathering what ended meanwhile into
//     one statement of each.
//
// A delivery is settled once the burst is done with it: it ran, failed
// for good, or was handed to a job of its own (DeliveryArgs). Hand-offs
// are what a burst does not do itself: a delivery whose issue lock another
// job holds (it waits its turn there), one that failed on a transient error
// (the job of its own retries it with the queue's backoff), and one not
// started within DeliveryTimeout of the burst's start (so a burst never
// runs for long). Settled marks live in a small table of their own, so
// that a burst run again (after a kill or a hard stop) skips what an
// earlier run finished, and a delivery's own job skips one a burst ran.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/devops-lead/devops-lead/internal/webhook"
)

// DeliveriesArgs is the River job for a burst of stored deliveries.
type DeliveriesArgs struct {
	IDs []string `json:"ids"`
}

// Kind implements river.JobArgs.
func (DeliveriesArgs) Kind() string { return "github_deliveries" }

// batchFrom is the smallest dispatch round that becomes one burst job;
// smaller rounds get a job per delivery, as a lone delivery always did.
// batchBytes bounds the payload bytes one burst loads at once.
const (
	batchFrom  = 8
	batchBytes = 8 << 20
)

// Settled states: the burst ran the delivery (done), or handed it to a
// job of its own (handed), which then runs it.
const (
	settledDone   = "done"
	settledHanded = "handed"
)

// migrateSettled adds the table of deliveries a burst is done with.
func (db *DB) migrateSettled(ctx context.Context) error {
	if _, err := db.Outbox.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS devops_lead_settled (
			id TEXT PRIMARY KEY,
			state TEXT NOT NULL,
			settled_at BIGINT NOT NULL
		)`); err != nil {
		return fmt.Errorf("outbox migration: %w", err)
	}
	return nil
}

// pending is one delivery's row in devops_lead_pending (pending.go).
type pending struct {
	seq      int64 // the row's key, in the order rows were written
	id, key  string
	size     int64 // payload bytes
	received int64 // UnixNano
}

// burstParams groups a dispatch round into burst jobs of at most
// batchBytes of payload each (a payload larger than that goes alone).
func burstParams(round []pending) []river.InsertManyParams {
	var out []river.InsertManyParams
	var ids []string
	var bytes int64
	flush := func() {
		if len(ids) > 0 {
			out = append(out, river.InsertManyParams{Args: DeliveriesArgs{IDs: ids},
				InsertOpts: &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}})
		}
		ids, bytes = nil, 0
	}
	for _, p := range round {
		if len(ids) > 0 && bytes+p.size > batchBytes {
			flush()
		}
		ids = append(ids, p.id)
		bytes += p.size
	}
	flush()
	return out
}

type burstWorker struct {
	river.WorkerDefaults[DeliveriesArgs]
	q *Queue
}

// Timeout implements river.Worker. A burst starts no delivery later than
// DeliveryTimeout after its own start and each runs at most
// DeliveryTimeout, so it ends within twice that.
func (w *burstWorker) Timeout(*river.Job[DeliveriesArgs]) time.Duration {
	return 2*w.q.opts.DeliveryTimeout + 10*time.Second
}

// burstItem is one delivery of a burst and what became of it.
type burstItem struct {
	d       *webhook.Delivery
	key     string
	settled string // "" until the burst is done with it
	retry   bool   // handed off after a transient error (scheduled later)
}

// Work runs a burst (see the top of this file).
func (w *burstWorker) Work(ctx context.Context, job *river.Job[DeliveriesArgs]) error {
	q := w.q
	items, err := q.burstDeliveries(ctx, job.Args.IDs)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return nil // every one was settled by an earlier run
	}
	holder := q.opts.ClientID + "/job-" + strconv.FormatInt(job.ID, 10)
	var keys []string
	chains := map[string][]*burstItem{}
	for _, it := range items {
		if _, ok := chains[it.key]; !ok {
			keys = append(keys, it.key)
		}
		chains[it.key] = append(chains[it.key], it)
	}
	got, err := q.db.lockMany(ctx, keys, holder, q.opts.LockTTL)
	if err != nil {
		return err
	}
	b := &burst{q: q, job: job, holder: holder, start: time.Now(), held: int64(len(got))}
	// Issues whose lock another job holds wait their turn in jobs of
	// their own.
	var busy []*burstItem
	for _, k := range keys {
		if !got[k] {
			for _, it := range chains[k] {
				it.settled = settledHanded
				busy = append(busy, it)
			}
		}
	}
	if len(busy) > 0 {
		if err := b.settle(busy, nil); err != nil {
			b.releaseAll()
			return err
		}
	}
	if len(got) == 0 {
		return nil
	}
	jctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopRenew := b.renew(cancel)
	// Each delivery is recorded settled as soon as it is, and each issue's
	// lock released once its deliveries are: what ended while the last
	// statement was written goes into the next one.
	ended := make(chan settleMsg, len(items)+len(keys))
	var wg sync.WaitGroup
	for _, k := range keys {
		if !got[k] {
			continue
		}
		wg.Add(1)
		go func(key string, chain []*burstItem) {
			defer wg.Done()
			b.runChain(jctx, chain, ended)
			ended <- settleMsg{key: key}
		}(k, chains[k])
	}
	go func() {
		wg.Wait()
		close(ended)
	}()
	var settleErr error
	for m := range ended {
		group := []settleMsg{m}
	more:
		for {
			select {
			case m, ok := <-ended:
				if !ok {
					break more
				}
				group = append(group, m)
			default:
				break more
			}
		}
		var settledItems []*burstItem
		var keysEnded []string
		for _, m := range group {
			if m.item != nil {
				settledItems = append(settledItems, m.item)
			} else {
				keysEnded = append(keysEnded, m.key)
			}
		}
		if err := b.settle(settledItems, keysEnded); err != nil && settleErr == nil {
			settleErr = err
		}
	}
	stopRenew()
	b.releaseAll()
	switch {
	case b.lost.Load():
		q.log.Warn("issue lock lost while the burst ran; what it did not finish runs again", "job", job.ID)
		return river.JobSnooze(q.opts.PollInterval)
	case stopped(ctx) != nil:
		return stopped(ctx)
	case settleErr != nil:
		// What was not recorded settled runs again.
		return settleErr
	case b.unsettled.Load() > 0:
		return fmt.Errorf("%d deliveries of the burst were not finished", b.unsettled.Load())
	}
	return nil
}

// burst is one run of a burst job.
type burst struct {
	q      *Queue
	job    *river.Job[DeliveriesArgs]
	holder string
	start  time.Time
	// mu orders lock renewals and releases, so a renewal counts the
	// locks still held.
	mu        sync.Mutex
	held      int64
	lost      atomic.Bool
	unsettled atomic.Int64
}

// settleMsg is a delivery a burst settled, or (item nil) an issue whose
// deliveries all ended.
type settleMsg struct {
	item *burstItem
	key  string
}

// runChain runs one issue's deliveries in order and sends each it
// settles to ended.
func (b *burst) runChain(ctx context.Context, chain []*burstItem, ended chan<- settleMsg) {
	q := b.q
	slots := q.burstSlots
	for _, it := range chain {
		if ctx.Err() != nil {
			b.unsettled.Add(1)
			continue
		}
		if time.Since(b.start) > q.opts.DeliveryTimeout {
			it.settled = settledHanded // not started in time: a job of its own
			ended <- settleMsg{item: it}
			continue
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			b.unsettled.Add(1)
			continue
		}
		b.runOne(ctx, it)
		<-slots
		if it.settled == "" {
			b.unsettled.Add(1)
			continue
		}
		ended <- settleMsg{item: it}
	}
}

// runOne runs one delivery of a burst and records what became of it.
func (b *burst) runOne(ctx context.Context, it *burstItem) {
	q := b.q
	d := it.d
	log := q.log.With("delivery", d.ID, "event", d.Event, "repo", d.Repo, "issue", d.Number, "attempt", b.job.Attempt, "burst", b.job.ID)
	log.Info("job start")
	dctx, cancel := context.WithTimeout(ctx, q.opts.DeliveryTimeout)
	err := q.proc.Process(dctx, d)
	cancel()
	var perm *permanentError
	switch {
	case err == nil:
		log.Info("job done")
		it.settled = settledDone
	case stopped(ctx) != nil:
		log.Warn("job interrupted (shutdown or lost lock); it runs again", "err", err)
	case errors.As(err, &perm):
		log.Error("job failed for good", "err", err)
		it.settled = settledDone
	case q.opts.MaxAttempts <= 1:
		log.Error("job failed on its last attempt", "err", err)
		if r, ok := q.proc.(FailureReporter); ok {
			rctx, rcancel := context.WithTimeout(context.Background(), time.Minute)
			r.GaveUp(rctx, d, 1, err)
			rcancel()
		}
		it.settled = settledDone
	default:
		log.Warn("job failed, will retry", "err", err)
		it.settled, it.retry = settledHanded, true
	}
}

// settle queues the jobs of the items handed off, then records every
// settled item and releases the locks of keys, in that order: a delivery
// is never marked handed before its job exists, nor its lock released
// before it is marked.
func (b *burst) settle(items []*burstItem, keys []string) error {
	q := b.q
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var params []river.InsertManyParams
	var ids, states []string
	for _, it := range items {
		if it.settled == "" {
			continue
		}
		ids = append(ids, it.d.ID)
		states = append(states, it.settled)
		if it.settled != settledHanded {
			continue
		}
		opts := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
		if it.retry {
			// The burst was the first attempt.
			opts.MaxAttempts = max(1, q.opts.MaxAttempts-1)
			wait := OutageDelay(1)
			if q.opts.RetryDelay > 0 {
				wait = q.opts.RetryDelay
			}
			opts.ScheduledAt = time.Now().Add(jitter(wait))
		}
		params = append(params, river.InsertManyParams{Args: DeliveryArgs{DeliveryID: it.d.ID, Key: it.key}, InsertOpts: opts})
	}
	if len(params) > 0 {
		if _, err := q.client.InsertMany(ctx, params); err != nil {
			return fmt.Errorf("hand deliveries to jobs of their own: %w", err)
		}
		if err := q.db.syncRiver(); err != nil {
			return fmt.Errorf("hand deliveries to jobs of their own: %w", err)
		}
	}
	if err := q.db.markSettled(ctx, ids, states); err != nil {
		return err
	}
	if len(keys) == 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := q.db.unlockMany(ctx, keys, b.holder); err != nil {
		q.log.Error("release issue locks", "err", err) // they expire
		return nil
	}
	b.held -= int64(len(keys))
	return nil
}

// releaseAll releases whatever locks the burst still holds.
func (b *burst) releaseAll() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.held <= 0 {
		return // each issue's lock was released as its deliveries ended
	}
	if _, err := b.q.db.Outbox.ExecContext(ctx, b.q.db.q(`DELETE FROM devops_lead_locks WHERE holder = ?`), b.holder); err != nil {
		b.q.log.Error("release issue locks", "err", err)
	}
	b.held = 0
}

// renew renews the burst's locks every LockTTL/3 until the returned stop
// is called; if a renewal finds fewer locks than the burst holds, or
// keeps failing for LockTTL, it cancels the burst (cause errLockLost).
func (b *burst) renew(cancel context.CancelCauseFunc) (stop func()) {
	q := b.q
	return q.renewing(b.holder, func(rctx context.Context) (bool, error) {
		b.mu.Lock()
		defer b.mu.Unlock()
		res, err := q.db.Outbox.ExecContext(rctx, q.db.q(`UPDATE devops_lead_locks SET expires_at = ? WHERE holder = ?`),
			time.Now().Add(q.opts.LockTTL).UnixNano(), b.holder)
		if err != nil {
			return false, err
		}
		n, err := res.RowsAffected()
		return n >= b.held, err
	}, func(err error) {
		q.log.Error("issue lock lost; cancelling the burst", "holder", b.holder, "err", err)
		b.lost.Store(true)
		cancel(errLockLost)
	})
}

// burstDeliveries returns a burst's deliveries not yet settled, in the
// order given, each with the issue key it serialises on: from memory
// when this process stored them lately, else from the outbox.
func (q *Queue) burstDeliveries(ctx context.Context, ids []string) ([]*burstItem, error) {
	settled, err := q.db.settledAmong(ctx, ids)
	if err != nil {
		return nil, err
	}
	var open []string
	for _, id := range ids {
		if !settled[id] {
			open = append(open, id)
		}
	}
	byID := q.Outbox.recent.take(open)
	var missing []string
	for _, id := range open {
		if byID[id] == nil {
			missing = append(missing, id)
		}
	}
	unreadable, err := q.db.loadDeliveries(ctx, missing, byID)
	if err != nil {
		return nil, err
	}
	var out []*burstItem
	for _, id := range open {
		d := byID[id]
		switch {
		case unreadable[id] != nil:
			// Its own job would fail the same way, for good: skipped, so
			// the burst's other deliveries are not held up by it.
			q.log.Error("delivery of a burst cannot be read; skipped", "delivery", id, "err", unreadable[id])
		case d == nil || len(d.Payload) == 0:
			// Pruned, which happens only long after the window: nothing
			// is left to run (a delivery's own job is cancelled alike).
			q.log.Error("delivery of a burst is no longer stored; skipped", "delivery", id)
		default:
			out = append(out, &burstItem{d: d, key: dispatchKey(d.Repo, d.Number, d.Event, d.Payload)})
		}
	}
	return out, nil
}

// among is the condition that col is one of values, and its arguments.
// On PostgreSQL it is one array parameter (col = ANY(?)), so the
// statement's text is the same for any number of values: prepared and
// planned once per connection, where a list of parameters made a new
// statement, parsed and planned anew, for nearly every burst's size
// (docs/reliability.md, "Fifth pass"). On SQLite, a list of parameters.
func among[T string | int64](db *DB, col string, values []T) (string, []any) {
	if db.Postgres {
		typ := "text[]"
		if _, ok := any(values).([]int64); ok {
			typ = "bigint[]"
		}
		return col + ` = ANY(?::` + typ + `)`, []any{values}
	}
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return col + ` IN (` + strings.TrimSuffix(strings.Repeat("?,", len(values)), ",") + `)`, args
}

// stringSet reads a query's one text column into a set.
func stringSet(rows *sql.Rows) (map[string]bool, error) {
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, rows.Close()
}

// settledAmong reports which of ids a burst has settled.
func (db *DB) settledAmong(ctx context.Context, ids []string) (map[string]bool, error) {
	if len(ids) == 0 {
		return map[string]bool{}, nil
	}
	cond, args := among(db, "id", ids)
	rows, err := db.Outbox.QueryContext(ctx, db.q(`SELECT id FROM devops_lead_settled WHERE `+cond), args...)
	if err != nil {
		return nil, fmt.Errorf("look up settled deliveries: %w", err)
	}
	out, err := stringSet(rows)
	if err != nil {
		return nil, fmt.Errorf("look up settled deliveries: %w", err)
	}
	return out, nil
}

// loadDeliveries loads the stored deliveries of ids into byID, and
// returns those whose payload does not decode, with the reason.
func (db *DB) loadDeliveries(ctx context.Context, ids []string, byID map[string]*webhook.Delivery) (map[string]error, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cond, args := among(db, "id", ids)
	rows, err := db.Outbox.QueryContext(ctx, db.q(`SELECT id, event, action, installation, repo, number, sender, sender_is_bot, payload, received_at
		FROM devops_lead_deliveries WHERE `+cond), args...)
	if err != nil {
		return nil, fmt.Errorf("load deliveries: %w", err)
	}
	defer rows.Close()
	var unreadable map[string]error
	for rows.Next() {
		d := &webhook.Delivery{}
		var received int64
		var stored []byte
		if err := rows.Scan(&d.ID, &d.Event, &d.Action, &d.Installation, &d.Repo, &d.Number, &d.Sender, &d.SenderIsBot, &stored, &received); err != nil {
			return nil, fmt.Errorf("load deliveries: %w", err)
		}
		if d.Payload, err = decodePayload(stored); err != nil {
			if unreadable == nil {
				unreadable = map[string]error{}
			}
			unreadable[d.ID] = err
			continue
		}
		d.ReceivedAt = time.Unix(0, received).UTC()
		byID[d.ID] = d
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load deliveries: %w", err)
	}
	return unreadable, nil
}

// dispatchKey is the issue lock a delivery serialises on: its issue, or
// for events about a task's pull request, the plan's issue.
func dispatchKey(repo string, number int, event string, payload []byte) string {
	d := webhook.Delivery{Repo: repo, Number: number}
	if plan := webhook.PlanIssue(event, payload); plan > 0 {
		d.Number = plan
	}
	return d.Key()
}

// lockMany takes the locks of keys for holder, each unless another holder
// has it unexpired, with one statement, and reports which it got.
func (db *DB) lockMany(ctx context.Context, keys []string, holder string, ttl time.Duration) (map[string]bool, error) {
	now := time.Now()
	var b strings.Builder
	var args []any
	b.WriteString(`INSERT INTO devops_lead_locks (key, holder, expires_at) `)
	if db.Postgres {
		// One array parameter (see among); WHERE true keeps ON CONFLICT
		// from reading as part of the FROM clause.
		b.WriteString(`SELECT k, ?, ? FROM unnest(?::text[]) AS k WHERE true`)
		args = []any{holder, now.Add(ttl).UnixNano(), keys}
	} else {
		b.WriteString(`VALUES `)
		args = make([]any, 0, 3*len(keys)+1)
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?)")
			args = append(args, k, holder, now.Add(ttl).UnixNano())
		}
	}
	b.WriteString(` ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE devops_lead_locks.expires_at < ? OR devops_lead_locks.holder = excluded.holder RETURNING key`)
	args = append(args, now.UnixNano())
	rows, err := db.Outbox.QueryContext(ctx, db.q(b.String()), args...)
	if err != nil {
		return nil, fmt.Errorf("lock issues: %w", err)
	}
	got, err := stringSet(rows)
	if err != nil {
		return nil, fmt.Errorf("lock issues: %w", err)
	}
	return got, nil
}

// unlockMany releases holder's locks of keys with one statement.
func (db *DB) unlockMany(ctx context.Context, keys []string, holder string) error {
	cond, args := among(db, "key", keys)
	_, err := db.Outbox.ExecContext(ctx, db.q(`DELETE FROM devops_lead_locks WHERE holder = ? AND `+cond), append([]any{holder}, args...)...)
	return err
}

// markSettled records deliveries a burst is done with.
func (db *DB) markSettled(ctx context.Context, ids, states []string) error {
	if len(ids) == 0 {
		return nil
	}
	now := time.Now().UnixNano()
	var b strings.Builder
	var args []any
	b.WriteString(`INSERT INTO devops_lead_settled (id, state, settled_at) `)
	if db.Postgres {
		// Array parameters (see among).
		b.WriteString(`SELECT i, s, ? FROM unnest(?::text[], ?::text[]) AS u(i, s) WHERE true`)
		args = []any{now, ids, states}
	} else {
		b.WriteString(`VALUES `)
		args = make([]any, 0, 3*len(ids))
		for i, id := range ids {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?)")
			args = append(args, id, states[i], now)
		}
	}
	b.WriteString(` ON CONFLICT (id) DO NOTHING`)
	if _, err := db.Outbox.ExecContext(ctx, db.q(b.String()), args...); err != nil {
		return fmt.Errorf("record settled deliveries: %w", err)
	}
	return nil
}

// recentCap bounds the payload bytes of deliveries kept in memory after
// intake stored them, and recentMaxPayload the payload a delivery may
// have to be kept: a burst that runs in the process that stored them
// takes them from memory instead of loading them again.
const (
	recentCap        = 32 << 20
	recentMaxPayload = 1 << 20
)

// recent holds the deliveries the outbox stored lately, as they were
// stored, oldest evicted first.
type recent struct {
	mu    sync.Mutex
	byID  map[string]*webhook.Delivery
	order []string
	bytes int
}

// put keeps a stored delivery: a copy of the fields the outbox stores.
func (r *recent) put(d *webhook.Delivery) {
	if len(d.Payload) > recentMaxPayload {
		return
	}
	c := &webhook.Delivery{ID: d.ID, Event: d.Event, Action: d.Action, Installation: d.Installation, Repo: d.Repo,
		Number: d.Number, Sender: d.Sender, SenderIsBot: d.SenderIsBot, Payload: d.Payload,
		ReceivedAt: time.Unix(0, d.ReceivedAt.UnixNano()).UTC()}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID == nil {
		r.byID = map[string]*webhook.Delivery{}
	}
	if _, ok := r.byID[d.ID]; ok {
		return
	}
	r.byID[d.ID] = c
	r.order = append(r.order, d.ID)
	r.bytes += len(c.Payload)
	for r.bytes > recentCap && len(r.order) > 0 {
		old := r.order[0]
		r.order = r.order[1:]
		if e, ok := r.byID[old]; ok {
			r.bytes -= len(e.Payload)
			delete(r.byID, old)
		}
	}
	if len(r.order) > 64 && cap(r.order) > 4*len(r.order) {
		r.order = append([]string(nil), r.order...)
	}
}

// take removes and returns the deliveries of ids it holds.
func (r *recent) take(ids []string) map[string]*webhook.Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]*webhook.Delivery{}
	for _, id := range ids {
		if d, ok := r.byID[id]; ok {
			out[id] = d
			r.bytes -= len(d.Payload)
			delete(r.byID, id)
		}
	}
	return out
}
