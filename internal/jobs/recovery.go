package jobs

// Recovery after a crash (docs/reliability.md, "After a crash").
//
// Every start of the queue is a process with an id of its own (River's
// client id, so River records it in each job's attempted_by) and a row in
// devops_lead_processes that it renews every Options.Heartbeat. Issue
// locks name their holder as "<client id>/job-<job id>" and are renewed
// every LockTTL/3 while their job runs. A sweep at start, then on every
// heartbeat, hands back what dead processes held:
//
//   - On SQLite one process owns the file, so at start every other
//     process is dead; on PostgreSQL several replicas may share the
//     database, so a process is dead once its heartbeat is ProcessTTL old.
//   - A job still `running` whose last attempt was made by a dead process
//     is put back to `available` at once (River's rescuer would wait for
//     RescueStuckJobsAfter), and the locks of dead processes are deleted.
//
// The jobs are read with River's API (Client.JobList, which decodes
// attempted_by on both drivers) but put back with plain SQL on river_job:
// River has no call that releases a running job (JobRetry leaves running
// jobs as they are, and JobCancel of a running job only asks its executor,
// which is dead, to stop). The UPDATE is guarded by the job's state and
// attempt number, so a job that finished, or was fetched again, between
// the read and the write is left alone.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Defaults of the recovery options.
const (
	DefaultDeliveryTimeout = 4 * time.Minute
	DefaultTaskTimeout     = 8 * time.Minute
	DefaultLockTTL         = 30 * time.Second
	DefaultHeartbeat       = 3 * time.Second
	DefaultProcessTTL      = 15 * time.Second
	// rescueMargin is how long after the longest job timeout River's
	// rescuer takes a job still marked running for stuck.
	rescueMargin = time.Minute
)

// errLockLost is the cause given to a job's context when its issue lock
// could not be renewed: another job of the issue may run now.
var errLockLost = errors.New("the issue lock was lost")

func (o *Options) withRecoveryDefaults() {
	if o.DeliveryTimeout <= 0 {
		o.DeliveryTimeout = DefaultDeliveryTimeout
	}
	if o.TaskTimeout <= 0 {
		o.TaskTimeout = DefaultTaskTimeout
	}
	if o.LockTTL <= 0 {
		o.LockTTL = DefaultLockTTL
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.ProcessTTL <= 0 {
		o.ProcessTTL = DefaultProcessTTL
	}
	if o.ProcessTTL < 2*o.Heartbeat {
		o.ProcessTTL = 2 * o.Heartbeat
	}
	if o.ClientID == "" || len(o.ClientID) > 80 {
		o.ClientID = newClientID()
	}
	o.ClientID = strings.ReplaceAll(o.ClientID, "/", "_")
}

var clientSeq atomic.Int64

// newClientID names one start of the queue: host, pid, start time and a
// random suffix (two queues of one process, in tests, differ too).
func newClientID() string {
	host, _ := os.Hostname()
	host = strings.NewReplacer(".", "_", "/", "_").Replace(host)
	if host == "" {
		host = "host"
	}
	if len(host) > 30 {
		host = host[:30]
	}
	var r [4]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%s_%d_%s_%d_%s", host, os.Getpid(), time.Now().UTC().Format("20060102T150405"),
		clientSeq.Add(1), hex.EncodeToString(r[:]))
}

// ClientID is this queue's process id in the database: River's client id
// and the prefix of the locks it holds.
func (q *Queue) ClientID() string { return q.opts.ClientID }

// holdLock takes the issue lock for a job and renews it every LockTTL/3
// until release is called. The returned context is cancelled (cause
// errLockLost) if a renewal finds the lock gone or taken. release stops
// renewing, deletes the lock and reports whether it was lost.
func (q *Queue) holdLock(ctx context.Context, key string, jobID int64) (context.Context, func() bool, bool, error) {
	holder := q.opts.ClientID + "/job-" + strconv.FormatInt(jobID, 10)
	ttl := q.opts.LockTTL
	ok, err := q.db.lock(ctx, key, holder, ttl)
	if err != nil || !ok {
		return ctx, nil, ok, err
	}
	jctx, cancel := context.WithCancelCause(ctx)
	var lost atomic.Bool
	stop := q.renewing(holder, func(rctx context.Context) (bool, error) {
		return q.db.renewLock(rctx, key, holder, ttl)
	}, func(err error) {
		q.log.Error("issue lock lost; cancelling the job", "key", key, "holder", holder, "err", err)
		lost.Store(true)
		cancel(errLockLost)
	})
	release := func() bool {
		stop()
		cancel(nil)
		rel, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer rcancel()
		if err := q.db.unlock(rel, key, holder); err != nil {
			q.log.Error("release issue lock", "key", key, "err", err)
		}
		return lost.Load()
	}
	return jctx, release, true, nil
}

// renewing calls renew every LockTTL/3 until the returned stop is called
// (not when the job's context ends: a job that has not returned yet keeps
// its lock). A renewal that fails while the lock still holds (within
// LockTTL of the last good one) is tried again at the next tick; one that
// reports the lock gone, or fails past that, calls lost and ends.
func (q *Queue) renewing(holder string, renew func(context.Context) (bool, error), lost func(error)) (stop func()) {
	ttl := q.opts.LockTTL
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(max(ttl/3, time.Millisecond))
		defer tick.Stop()
		renewed := time.Now()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			rctx, rcancel := context.WithTimeout(context.Background(), ttl/3+time.Second)
			ok, err := renew(rctx)
			rcancel()
			switch {
			case err != nil && time.Since(renewed) < ttl:
				q.log.Warn("renew issue lock", "holder", holder, "err", err)
			case err != nil || !ok:
				lost(err)
				return
			default:
				renewed = time.Now()
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// recoverAtStart registers this process and releases what dead ones held,
// before River starts fetching.
func (q *Queue) recoverAtStart(ctx context.Context) error {
	if err := q.db.migrateRecovery(ctx); err != nil {
		return err
	}
	if err := q.db.registerProcess(ctx, q.opts.ClientID, time.Now()); err != nil {
		return err
	}
	if err := q.sweep(ctx, true); err != nil {
		q.deregister()
		return fmt.Errorf("release the work of dead processes: %w", err)
	}
	return nil
}

// heartbeatLoop renews this process's heartbeat and sweeps what processes
// that stopped beating held (on PostgreSQL, a replica that died while this
// one runs), until Stop.
func (q *Queue) heartbeatLoop() {
	defer close(q.beatDone)
	tick := time.NewTicker(q.opts.Heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-q.stopBeat:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), q.opts.ProcessTTL)
		if err := q.db.registerProcess(ctx, q.opts.ClientID, time.Now()); err != nil {
			q.log.Error("heartbeat", "err", err)
		} else if err := q.sweep(ctx, false); err != nil {
			q.log.Error("release the work of dead processes", "err", err)
		}
		if q.db.Postgres {
			if n, err := q.db.adoptUndispatched(ctx); err != nil {
				q.log.Error("adopt deliveries an older replica stored", "err", err)
			} else if n > 0 {
				q.log.Warn("deliveries an older replica stored and did not dispatch are queued here", "deliveries", n)
			}
		}
		cancel()
	}
}

// deregister removes this process's row: it holds nothing any more.
func (q *Queue) deregister() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.db.deleteProcess(ctx, q.opts.ClientID); err != nil {
		q.log.Warn("remove the process heartbeat", "err", err)
	}
}

// sweep puts back the running jobs and deletes the locks of dead
// processes. atStart on SQLite takes every other process for dead.
func (q *Queue) sweep(ctx context.Context, atStart bool) error {
	everyOtherIsDead := atStart && !q.db.Postgres
	// Read the jobs first, the live processes second: a process that
	// fetched one of these jobs registered before it started, so it is
	// among the live ones read afterwards.
	running, err := q.runningJobs(ctx)
	if err != nil {
		return err
	}
	locks, err := q.db.locks(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	live := map[string]bool{q.opts.ClientID: true}
	if !everyOtherIsDead {
		procs, err := q.db.processes(ctx)
		if err != nil {
			return err
		}
		for id, beat := range procs {
			if now.Sub(beat) < q.opts.ProcessTTL {
				live[id] = true
			}
		}
	}
	for _, job := range running {
		owner := ""
		if n := len(job.AttemptedBy); n > 0 {
			owner = job.AttemptedBy[n-1]
		}
		if live[owner] {
			continue
		}
		ok, err := q.db.releaseJob(ctx, job.ID, job.Attempt)
		if err != nil {
			return err
		}
		if ok {
			q.log.Warn("job of a dead process put back to run again", "job", job.ID, "kind", job.Kind,
				"attempt", job.Attempt, "dead_client", owner)
		}
	}
	for _, l := range locks {
		owner, _, generational := strings.Cut(l.holder, "/")
		if live[owner] || !generational && !everyOtherIsDead {
			// A holder without a process id (an older version's) is
			// left to expire on a shared database.
			continue
		}
		if err := q.db.unlock(ctx, l.key, l.holder); err != nil {
			return fmt.Errorf("release lock %s: %w", l.key, err)
		}
		q.log.Warn("issue lock of a dead process released", "key", l.key, "holder", l.holder)
	}
	var horizon time.Time
	if everyOtherIsDead {
		horizon = now.Add(time.Hour) // every row but ours
	} else {
		horizon = now.Add(-q.opts.ProcessTTL)
	}
	return q.db.deleteStaleProcesses(ctx, q.opts.ClientID, horizon)
}

// runningJobs lists every job River has as running, with its attempted_by.
func (q *Queue) runningJobs(ctx context.Context) ([]*rivertype.JobRow, error) {
	var out []*rivertype.JobRow
	params := river.NewJobListParams().States(rivertype.JobStateRunning).First(1000)
	for {
		res, err := q.client.JobList(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("list running jobs: %w", err)
		}
		out = append(out, res.Jobs...)
		if len(res.Jobs) < 1000 || res.LastCursor == nil {
			return out, nil
		}
		params = params.After(res.LastCursor)
	}
}
