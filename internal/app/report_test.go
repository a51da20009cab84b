package app

import "testing"

func TestTaskOutcomes(t *testing.T) {
	for _, c := range []struct {
		status                        string
		settled, succeeded, suggested bool
	}{
		{taskPlanned, false, false, false},
		{taskQueued, false, false, false},
		{taskPR, true, true, false},
		{taskNoop, true, true, false},
		{taskFailed, true, false, false},
		{taskSkipped, true, false, false},
		{taskWorkflows, true, false, true},
	} {
		ts := &TaskState{Status: c.status}
		if ts.Settled() != c.settled || ts.Succeeded() != c.succeeded || ts.Suggested() != c.suggested {
			t.Errorf("%q: settled %v succeeded %v suggested %v, want %v %v %v", c.status,
				ts.Settled(), ts.Succeeded(), ts.Suggested(), c.settled, c.succeeded, c.suggested)
		}
	}
}
