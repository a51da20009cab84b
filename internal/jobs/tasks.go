package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// TaskArgs is the River job for one task of an applied plan: the apply
// job enqueues one per task, so a retry redoes only what failed.
type TaskArgs struct {
	Installation  int64  `json:"installation"`
	Repo          string `json:"repo"` // owner/name
	Issue         int    `json:"issue"`
	DefaultBranch string `json:"default_branch"`
	Task          string `json:"task"`
	Hash          string `json:"hash"` // the plan the task belongs to
	// Run names the command or label delivery that asked for the work,
	// so a later /devops retry enqueues anew while a redelivered apply
	// does not.
	Run string `json:"run"`
}

// Kind implements river.JobArgs.
func (TaskArgs) Kind() string { return "plan_task" }

// Key is the per-issue lock the task shares with the issue's deliveries.
func (a TaskArgs) Key() string { return fmt.Sprintf("%s#%d", a.Repo, a.Issue) }

// TaskProcessor runs one task; processors that enqueue tasks implement it.
type TaskProcessor interface {
	ProcessTask(ctx context.Context, t TaskArgs) error
	// TaskGaveUp reports a task that failed for good: a permanent error,
	// or transient ones that never cleared.
	TaskGaveUp(ctx context.Context, t TaskArgs, attempts int, err error)
}

// ErrNotYet tells the queue a task's dependencies have not finished: the
// job waits and runs again later, without counting as a failure.
var ErrNotYet = errors.New("dependencies have not finished yet")

// EnqueueTasks queues task jobs; the same tasks of the same run are queued
// once, however often it is called.
func (q *Queue) EnqueueTasks(ctx context.Context, tasks []TaskArgs) error {
	var params []river.InsertManyParams
	for _, t := range tasks {
		params = append(params, river.InsertManyParams{Args: t,
			InsertOpts: &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}})
	}
	if len(params) == 0 {
		return nil
	}
	if _, err := q.client.InsertMany(ctx, params); err != nil {
		return fmt.Errorf("queue tasks: %w", err)
	}
	if err := q.db.syncRiver(); err != nil {
		return fmt.Errorf("queue tasks: %w", err)
	}
	return nil
}

type taskWorker struct {
	river.WorkerDefaults[TaskArgs]
	q *Queue
}

// Work runs one task under its issue's lock.
func (w *taskWorker) Work(ctx context.Context, job *river.Job[TaskArgs]) error {
	q := w.q
	tp, ok := q.proc.(TaskProcessor)
	if !ok {
		return river.JobCancel(errors.New("the processor runs no tasks"))
	}
	ctx, release, got, err := q.holdLock(ctx, job.Args.Key(), job.ID)
	if err != nil {
		return err
	}
	if !got {
		return river.JobSnooze(q.opts.PollInterval)
	}
	err = w.work(ctx, job, tp)
	if lost := release(); err != nil && lost {
		q.log.Warn("issue lock lost while the task ran; it runs again", "key", job.Args.Key(), "err", err)
		return river.JobSnooze(q.opts.PollInterval)
	}
	return err
}

// Timeout implements river.Worker: a task's run is cut after
// Options.TaskTimeout.
func (w *taskWorker) Timeout(*river.Job[TaskArgs]) time.Duration { return w.q.opts.TaskTimeout }

func (w *taskWorker) work(ctx context.Context, job *river.Job[TaskArgs], tp TaskProcessor) error {
	q := w.q
	log := q.log.With("repo", job.Args.Repo, "issue", job.Args.Issue, "task", job.Args.Task, "attempt", job.Attempt)
	err := tp.ProcessTask(ctx, job.Args)
	var perm *permanentError
	switch {
	case err == nil:
		log.Info("task done")
		return nil
	case stopped(ctx) != nil:
		log.Warn("task interrupted (shutdown or lost lock); it runs again", "err", err)
		return stopped(ctx)
	case errors.Is(err, ErrNotYet):
		return river.JobSnooze(q.opts.PollInterval)
	case errors.As(err, &perm):
		log.Error("task failed for good", "err", err)
		rctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		tp.TaskGaveUp(rctx, job.Args, job.Attempt, err)
		return river.JobCancel(err)
	case job.Attempt >= job.MaxAttempts:
		log.Error("task failed on its last attempt", "err", err)
		rctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		tp.TaskGaveUp(rctx, job.Args, job.Attempt, err)
		return err
	default:
		log.Warn("task failed, will retry", "err", err)
		return err
	}
}
