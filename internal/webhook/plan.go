package webhook

import (
	"encoding/json"
	"regexp"
	"strconv"
)

// rePlanMarker is the marker a task's pull request body carries:
// <!-- devops-lead:pr:<issue>:<task>:<hash> -->.
var rePlanMarker = regexp.MustCompile(`<!-- devops-lead:pr:([0-9]+):[a-z0-9][a-z0-9._-]*:[0-9a-f]+ -->`)

// PlanIssue returns the issue whose plan an event on a devops-lead pull
// request belongs to (read from the marker in the pull request's body),
// or 0 when the event is not about such a pull request. Reviews, review
// comments, pull request events and comments on the pull request then
// serialise with the issue's own events and commands, so two jobs never
// write the plan's state at once.
func PlanIssue(event string, payload []byte) int {
	switch event {
	case "pull_request", "pull_request_review", "pull_request_review_comment", "issue_comment":
	default:
		return 0 // about an issue, never a task's pull request
	}
	var p struct {
		PullRequest *struct {
			Body string `json:"body"`
		} `json:"pull_request"`
		Issue *struct {
			Body        string          `json:"body"`
			PullRequest json.RawMessage `json:"pull_request"`
		} `json:"issue"`
	}
	if json.Unmarshal(payload, &p) != nil {
		return 0
	}
	body := ""
	switch {
	case p.PullRequest != nil:
		body = p.PullRequest.Body
	case event == "issue_comment" && p.Issue != nil && len(p.Issue.PullRequest) > 0 && string(p.Issue.PullRequest) != "null":
		body = p.Issue.Body
	default:
		return 0
	}
	m := rePlanMarker.FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n <= 0 {
		return 0
	}
	return n
}
