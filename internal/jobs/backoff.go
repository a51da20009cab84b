package jobs

import (
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// outageSteps are the waits before each retry of a failed job (attempt 1
// failed → the first wait, and so on; later attempts wait the last one).
// With the default 8 attempts they add up to about 15 minutes: a GitHub
// outage of that length is waited out, and a short one costs seconds,
// not River's default exponential backoff (attempt⁴ seconds, over an hour
// by the eighth attempt).
var outageSteps = []time.Duration{
	10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second,
	160 * time.Second, 5 * time.Minute, 5 * time.Minute,
}

// OutageBackoff is the queue's retry policy for jobs that failed on a
// transient error (the GitHub client has already retried each call a few
// times): short steps first, then five minutes, with ±10% jitter so jobs
// failed by one outage do not all return at once.
type OutageBackoff struct {
	// now replaces time.Now in tests.
	now func() time.Time
}

// NextRetry implements river.ClientRetryPolicy.
func (p OutageBackoff) NextRetry(job *rivertype.JobRow) time.Time {
	now := time.Now
	if p.now != nil {
		now = p.now
	}
	return now().Add(jitter(OutageDelay(job.Attempt)))
}

// OutageDelay is the wait after the attempt-th failed attempt, before
// jitter.
func OutageDelay(attempt int) time.Duration {
	i := attempt - 1
	if i < 0 {
		i = 0
	}
	if i >= len(outageSteps) {
		i = len(outageSteps) - 1
	}
	return outageSteps[i]
}

func jitter(d time.Duration) time.Duration {
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
}
