package app

import (
	"context"
	"time"

	"github.com/devops-lead/devops-lead/internal/jobs"
)

// settleAttempts bounds the tries of a final report (a failure comment, a
// plan update) made after the job itself gave up: nothing retries it
// afterwards, so it retries here.
const settleAttempts = 6

// settle runs a final report until it succeeds, a permanent error, the
// context ends or settleAttempts pass, waiting RetryWait, then twice as
// long each time, between tries (1s, 2s, 4s... by default). It returns
// the last error.
func (a *App) settle(ctx context.Context, what string, f func(ctx context.Context) error) error {
	wait := a.RetryWait
	if wait <= 0 {
		wait = time.Second
	}
	var err error
	for attempt := 1; attempt <= settleAttempts; attempt++ {
		if err = f(ctx); err == nil || jobs.IsPermanent(err) {
			return err
		}
		if a.Log != nil {
			a.Log.Warn("report failed, retrying", "what", what, "attempt", attempt, "err", err)
		}
		if attempt == settleAttempts {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait *= 2
	}
	return err
}
