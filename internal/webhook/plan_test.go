package webhook

import "testing"

func TestPlanIssue(t *testing.T) {
	marker := "Adds CI.\\n\\nCloses #12\\n\\n<!-- devops-lead:pr:12:ci:0a1b2c -->"
	for _, c := range []struct {
		name, event, payload string
		want                 int
	}{
		{"review on a task PR", "pull_request_review", `{"pull_request":{"number":40,"body":"` + marker + `"}}`, 12},
		{"review comment", "pull_request_review_comment", `{"pull_request":{"number":40,"body":"` + marker + `"}}`, 12},
		{"comment on the PR", "issue_comment", `{"issue":{"number":40,"body":"` + marker + `","pull_request":{"url":"x"}}}`, 12},
		{"comment on an issue that quotes a marker", "issue_comment", `{"issue":{"number":12,"body":"` + marker + `"}}`, 0},
		{"a human PR", "pull_request_review", `{"pull_request":{"number":41,"body":"Fixes a typo"}}`, 0},
		{"a forged marker with no task", "pull_request_review", `{"pull_request":{"body":"<!-- devops-lead:pr:12:: -->"}}`, 0},
		{"not JSON", "pull_request_review", `nope`, 0},
		{"an issue event", "issues", `{"issue":{"number":12,"body":"x"}}`, 0},
	} {
		if got := PlanIssue(c.event, []byte(c.payload)); got != c.want {
			t.Errorf("%s: PlanIssue = %d, want %d", c.name, got, c.want)
		}
	}
}
