package app

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/github"
)

// planKind is the marker of the sticky plan comment.
const planKind = "plan"

// State is what the lead knows about one issue. It lives on GitHub, as
// hidden JSON in the plan comment, so the server keeps no state of its own.
type State struct {
	V            int                   `json:"v"`
	Issue        int                   `json:"issue"`
	Base         string                `json:"base"` // commit the plan was made at
	Hash         string                `json:"hash"` // what the plan would do
	Instructions string                `json:"instructions,omitempty"`
	Plan         *engine.Plan          `json:"plan"`
	Tasks        map[string]*TaskState `json:"tasks"`
	Applied      bool                  `json:"applied,omitempty"`
	Cancelled    bool                  `json:"cancelled,omitempty"`
}

// Task statuses shown in the plan comment.
const (
	taskPlanned   = "planned"
	taskPR        = "pr"
	taskNoop      = "nothing to change"
	taskFailed    = "failed"
	taskSkipped   = "skipped"
	taskWorkflows = "needs the workflows permission"
)

// TaskState is one task's progress on GitHub.
type TaskState struct {
	Status     string `json:"status"`
	SubIssue   int    `json:"sub_issue,omitempty"`
	SubIssueID int64  `json:"sub_issue_id,omitempty"`
	Branch     string `json:"branch,omitempty"`
	PR         int    `json:"pr,omitempty"`
	PRURL      string `json:"pr_url,omitempty"`
	Error      string `json:"error,omitempty"`
	// PRState is "merged" or "closed" once the pull request is no longer
	// open ("" while it is).
	PRState string `json:"pr_state,omitempty"`
	// Head is the last commit devops-lead put on Branch; a revision
	// refuses to build on a branch someone else moved since.
	Head string `json:"head,omitempty"`
	// Revisions counts the commits reviews added to the pull request.
	Revisions int `json:"revisions,omitempty"`
	// Asked is what the reviewers asked for in the revisions so far
	// (bounded), so a later revision keeps what an earlier one did.
	Asked []string `json:"asked,omitempty"`
}

// Bounds of TaskState.Asked, which lives in the plan comment.
const (
	maxAsked      = 10
	maxAskedBytes = 1000
)

// remember adds what a revision was asked for to Asked, within bounds.
func (ts *TaskState) remember(fb []engine.Feedback) {
	for _, f := range fb {
		if f.Earlier {
			continue
		}
		b := strings.TrimSpace(f.Body)
		if len(b) > maxAskedBytes {
			b = strings.ToValidUTF8(b[:maxAskedBytes], "")
		}
		if b != "" {
			ts.Asked = append(ts.Asked, b)
		}
	}
	if len(ts.Asked) > maxAsked {
		ts.Asked = ts.Asked[len(ts.Asked)-maxAsked:]
	}
}

// planHash fingerprints what a plan would do (tasks, modes, files, order),
// so /devops apply can refuse a plan that changed since it was shown.
func planHash(p *engine.Plan) string {
	type view struct {
		ID, Mode, Title string
		Files, Deps     []string
		Params          map[string]string
	}
	var v []view
	for _, t := range p.Tasks {
		v = append(v, view{t.ID, t.Mode, t.Title, t.Files, t.DependsOn, t.Params})
	}
	b, _ := json.Marshal(struct {
		T []view
		Q []string
	}{v, p.Questions})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// revised says how often reviews revised a task's pull request, and
// whether it was merged or closed.
func revised(ts *TaskState) string {
	var out string
	switch ts.Revisions {
	case 0:
	case 1:
		out = ", revised once for its reviewers"
	default:
		out = fmt.Sprintf(", revised %d times for its reviewers", ts.Revisions)
	}
	switch ts.PRState {
	case prMerged:
		out += " (merged)"
	case prClosed:
		out += " (closed without merging: `/devops retry` opens a new one)"
	}
	return out
}

// The PRState values.
const (
	prMerged = "merged"
	prClosed = "closed"
)

// render writes the plan comment: for people, then the hidden state.
func (s *State) render(repo string) (string, error) {
	var b strings.Builder
	p := s.Plan
	b.WriteString("## devops-lead plan\n\n")
	if s.Cancelled {
		b.WriteString("> **Cancelled.** Nothing more will be done for this issue until someone comments `/devops apply`.\n\n")
	}
	b.WriteString(p.Summary + "\n")
	if len(p.Questions) > 0 {
		b.WriteString("\n### Questions before planning\n\n")
		for i, q := range p.Questions {
			fmt.Fprintf(&b, "%d. %s\n", i+1, q)
		}
		b.WriteString("\nAnswer in the issue body or with `/devops plan <your answers>`.\n")
	}
	if len(p.Tasks) > 0 {
		b.WriteString("\n### Tasks\n\n")
		ordered, _ := engine.Order(p.Tasks)
		for _, t := range ordered {
			ts := s.Tasks[t.ID]
			check := " "
			if ts != nil && (ts.Status == taskPR || ts.Status == taskNoop) {
				check = "x"
			}
			fmt.Fprintf(&b, "- [%s] **%s** (`%s`, task `%s`)", check, t.Title, t.Mode, t.ID)
			if len(t.DependsOn) > 0 {
				fmt.Fprintf(&b, " after `%s`", strings.Join(t.DependsOn, "`, `"))
			}
			b.WriteString("\n")
			if len(t.Files) > 0 {
				fmt.Fprintf(&b, "  files: `%s`\n", strings.Join(t.Files, "`, `"))
			}
			if ts != nil {
				status := ts.Status
				switch {
				case ts.PR != 0:
					status = fmt.Sprintf("pull request #%d%s", ts.PR, revised(ts))
				case ts.Error != "":
					status += ": " + ts.Error
				}
				if ts.SubIssue != 0 {
					status += fmt.Sprintf(" · sub-issue #%d", ts.SubIssue)
				}
				fmt.Fprintf(&b, "  status: %s\n", status)
			}
		}
	}
	if len(p.Declined) > 0 {
		b.WriteString("\n### Will not do\n\n")
		for _, d := range p.Declined {
			b.WriteString("- " + d + "\n")
		}
	}
	if len(p.Notes) > 0 {
		b.WriteString("\n### Notes\n\n")
		for _, n := range p.Notes {
			b.WriteString("- " + n + "\n")
		}
	}
	b.WriteString("\n### Next\n\n")
	switch {
	case len(p.Questions) > 0:
		b.WriteString("- `/devops plan <answers>` to plan again with your answers\n")
	case !s.Applied || s.Cancelled:
		b.WriteString("- `/devops apply` to open a sub-issue and a pull request per task\n- `/devops plan <instructions>` to plan again\n")
	default:
		b.WriteString("- review the pull requests: a review that requests changes (or `/devops revise <what>` on a pull request) revises it; `/devops retry [task]` runs failed tasks again\n- `/devops status` for a summary, `/devops cancel` to stop\n")
	}
	spent := ""
	if u := p.Usage; u != nil {
		spent = fmt.Sprintf(" · %d turn(s), %d+%d tokens of %s", u.Turns, u.InputTokens, u.OutputTokens, u.Model)
	}
	fmt.Fprintf(&b, "\n<sub>planned at `%s` by the %s brain of devops-lead · plan `%s`%s</sub>\n", short(s.Base), p.Brain, s.Hash, spent)
	data, err := github.WithData(planKind, s)
	if err != nil {
		return "", err
	}
	b.WriteString("\n" + data + "\n")
	out := b.String()
	if len(out) > 65000 {
		return "", fmt.Errorf("the plan comment would be %d characters, over GitHub's limit", len(out))
	}
	return out, nil
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
