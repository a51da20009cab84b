package jobs

import (
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
)

func TestOutageBackoffFinishesWithinFifteenMinutes(t *testing.T) {
	var total time.Duration
	for attempt := 1; attempt < 8; attempt++ { // waits between the 8 default attempts
		total += OutageDelay(attempt)
	}
	if total < 10*time.Minute || total > 16*time.Minute {
		t.Errorf("8 attempts span %s; want about 15 minutes", total)
	}
	if d := OutageDelay(1); d > 15*time.Second {
		t.Errorf("first retry after %s; a short outage should cost seconds", d)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := OutageBackoff{now: func() time.Time { return now }}
	for attempt := 1; attempt <= 12; attempt++ {
		got := p.NextRetry(&rivertype.JobRow{Attempt: attempt}).Sub(now)
		want := OutageDelay(attempt)
		if got < want*9/10 || got > want*11/10 {
			t.Errorf("attempt %d: retry in %s, want %s ±10%%", attempt, got, want)
		}
	}
}
