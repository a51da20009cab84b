package app

import (
	"context"
	"fmt"
	"strings"
)

// LoadState reads an issue's plan state from its plan comment, for a
// front door that reports what a run did (the Action's progress lines,
// job summary and exit code). It is nil when the issue has no plan yet.
func (a *App) LoadState(ctx context.Context, installation int64, repo string, issue int) (*State, error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok {
		return nil, fmt.Errorf("repository %q: want owner/name", repo)
	}
	c, err := a.GitHub.Installation(installation)
	if err != nil {
		return nil, err
	}
	j := &job{a: a, c: c, owner: owner, repo: name, number: issue}
	st, _, err := j.state(ctx)
	return st, err
}

// Settled reports whether the task has finished, one way or another
// (it is neither planned nor waiting in a queue).
func (ts *TaskState) Settled() bool { return ts.Status != taskPlanned && ts.Status != taskQueued }

// Succeeded reports whether the task ended well: its pull request is
// open, or there was nothing to change.
func (ts *TaskState) Succeeded() bool { return ts.Status == taskPR || ts.Status == taskNoop }

// Suggested reports whether GitHub refused the task's workflow files, so
// they were posted on its sub-issue for people to add.
func (ts *TaskState) Suggested() bool { return ts.Status == taskWorkflows }
