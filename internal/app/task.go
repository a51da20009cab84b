package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/jobs"
	"github.com/devops-lead/devops-lead/internal/webhook"
)

// taskQueued marks a task whose job is waiting to run.
const taskQueued = "queued"

// taskJob loads what a task job needs: a client, the issue's plan state
// and the task. It returns a nil job when there is nothing to do (the plan
// changed, was cancelled, or the task already ran).
func (a *App) taskJob(ctx context.Context, ta jobs.TaskArgs) (*job, *State, engine.Task, error) {
	owner, repo, ok := strings.Cut(ta.Repo, "/")
	if !ok {
		return nil, nil, engine.Task{}, jobs.Permanent(fmt.Errorf("task for %q: no repository", ta.Repo))
	}
	c, err := a.GitHub.Installation(ta.Installation)
	if err != nil {
		return nil, nil, engine.Task{}, jobs.Permanent(err)
	}
	log := a.Log
	if log == nil {
		log = slog.Default()
	}
	d := &webhook.Delivery{ID: ta.Run, Installation: ta.Installation, Repo: ta.Repo, Number: ta.Issue}
	j := &job{a: a, c: c, d: d, owner: owner, repo: repo, number: ta.Issue, defBranch: ta.DefaultBranch,
		log: log.With("repo", ta.Repo, "issue", ta.Issue, "task", ta.Task)}
	st, _, err := j.state(ctx)
	if err != nil {
		return nil, nil, engine.Task{}, err
	}
	switch {
	case st == nil || st.Hash != ta.Hash:
		j.log.Info("task skipped: the plan changed since it was queued")
		return nil, nil, engine.Task{}, nil
	case st.Cancelled:
		j.log.Info("task skipped: cancelled")
		return nil, nil, engine.Task{}, nil
	}
	ts := st.Tasks[ta.Task]
	if ts == nil || ts.Status != taskQueued {
		return nil, nil, engine.Task{}, nil // ran already
	}
	for _, t := range st.Plan.Tasks {
		if t.ID == ta.Task {
			return j, st, t, nil
		}
	}
	return nil, nil, engine.Task{}, jobs.Permanent(fmt.Errorf("the plan has no task %q", ta.Task))
}

// ProcessTask implements jobs.TaskProcessor: it runs one task of an
// applied plan on the plan's snapshot, with its dependencies' files taken
// from their branches, and publishes it. A task whose dependencies are
// still queued waits; one whose dependency failed is skipped, saying why.
func (a *App) ProcessTask(ctx context.Context, ta jobs.TaskArgs) error {
	j, st, t, err := a.taskJob(ctx, ta)
	if err != nil || j == nil {
		return err
	}
	cfg, err := j.config(ctx)
	if err != nil {
		return err
	}
	for _, d := range t.DependsOn {
		ds := st.Tasks[d]
		switch {
		case ds == nil:
			return jobs.Permanent(fmt.Errorf("task %s depends on unknown task %s", t.ID, d))
		case ds.Status == taskQueued || ds.Status == taskPlanned:
			return jobs.ErrNotYet
		case ds.Status != taskPR && ds.Status != taskNoop:
			tr := engine.TaskResult{Task: t, Status: engine.StatusSkipped,
				Error: fmt.Sprintf("it depends on task %q, which ended: %s", d, ds.Status)}
			if err := j.publish(ctx, cfg, nil, st, tr); err != nil {
				return err
			}
			return j.savePlan(ctx, st)
		}
	}
	is, _, err := j.c.REST.Issues.Get(ctx, j.owner, j.repo, j.number)
	if err != nil {
		return fmt.Errorf("read issue #%d: %w", j.number, err)
	}
	pl, err := j.makePlanAt(ctx, cfg, issueOf(is), st.Instructions, st.Base)
	if err != nil {
		return err
	}
	if planHash(pl.plan) != st.Hash {
		// The issue was edited since the plan was applied.
		st.Tasks[t.ID].Status, st.Tasks[t.ID].Error = taskFailed, "the request changed since the plan was applied; comment `/devops plan`, review, then `/devops apply`"
		return j.savePlan(ctx, st)
	}
	deps, err := j.depChanges(ctx, pl, st, t)
	if err != nil {
		return err
	}
	tr := pl.eng.RunTask(ctx, pl.issue, pl.plan, pl.repo, pl.ws, t, deps)
	if rerr := pl.ws.Err(); rerr != nil {
		// The specialist or the gate read the repository with a file
		// missing: what it made cannot be trusted. Nothing is published
		// and the job retries.
		return fmt.Errorf("task %s: %w", t.ID, rerr)
	}
	if err := j.publish(ctx, cfg, pl, st, tr); err != nil {
		if serr := j.savePlan(ctx, st); serr != nil {
			j.log.Error("save plan", "err", serr)
		}
		return err
	}
	return j.savePlan(ctx, st)
}

// depChanges reads the files of the task's dependencies from their
// branches (those that opened a pull request).
func (j *job) depChanges(ctx context.Context, pl *planned, st *State, t engine.Task) ([]*change.ChangeSet, error) {
	var deps []*change.ChangeSet
	for _, d := range t.DependsOn {
		ds := st.Tasks[d]
		if ds == nil || ds.Status != taskPR || ds.Branch == "" {
			continue
		}
		cs, err := j.branchChangeSet(ctx, pl, ds.Branch, d, modeOf(st.Plan, d))
		if err != nil {
			return nil, err
		}
		deps = append(deps, cs)
	}
	return deps, nil
}

// branchChangeSet is what a task branch changes from the plan's base, as
// a ChangeSet of that task.
func (j *job) branchChangeSet(ctx context.Context, pl *planned, branch, id, mode string) (*change.ChangeSet, error) {
	files, err := j.c.BranchChanges(ctx, j.owner, j.repo, pl.base, branch)
	if err != nil {
		return nil, err
	}
	cs := change.New(id, mode)
	for _, f := range files {
		if f.Delete {
			cs.Remove(f.Path, nil, "")
		} else {
			cs.Put(f.Path, f.Content, nil, "")
		}
	}
	return cs, nil
}

// TaskGaveUp implements jobs.TaskProcessor's report of a task whose
// transient errors never cleared: the task is marked failed (so tasks
// after it are skipped, not left waiting) and the issue is told.
//
// The report and the plan update are retried (settle): the job is over,
// and a task left "queued" would have no job to finish it. A task whose
// pull request an earlier attempt opened is recorded as done, not failed.
func (a *App) TaskGaveUp(ctx context.Context, ta jobs.TaskArgs, attempts int, err error) {
	rerr := a.settle(ctx, "the failed task "+ta.Task, func(ctx context.Context) error {
		j, st, t, lerr := a.taskJob(ctx, ta)
		if lerr != nil || j == nil {
			return lerr // nil: settled already (or the plan moved on)
		}
		tr := engine.TaskResult{Task: t, Status: engine.StatusFailed,
			Error: fmt.Sprintf("it failed %d times: %v", attempts, err)}
		if perr := j.publish(ctx, nil, nil, st, tr); perr != nil {
			return perr
		}
		return j.savePlan(ctx, st)
	})
	if rerr != nil {
		log := a.Log
		if log == nil {
			log = slog.Default()
		}
		log.Error("report the failed task", "repo", ta.Repo, "issue", ta.Issue, "task", ta.Task, "err", rerr)
	}
}

func modeOf(p *engine.Plan, id string) string {
	for _, t := range p.Tasks {
		if t.ID == id {
			return t.Mode
		}
	}
	return ""
}
