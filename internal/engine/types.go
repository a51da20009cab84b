// Package engine is the pipeline every front door shares: Issue and
// Workspace go to the lead (Brain.Plan), the plan's tasks go to specialists
// (Brain.Work), each ChangeSet passes the validation gate (with a bounded
// repair loop), and the result goes to a Publisher.
package engine

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/mode"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// Issue is the request: an issue's title and body (untrusted text).
type Issue struct {
	Number int      `json:"number,omitempty"`
	Title  string   `json:"title"`
	Body   string   `json:"body,omitempty"`
	Author string   `json:"author,omitempty"`
	Labels []string `json:"labels,omitempty"`
	URL    string   `json:"url,omitempty"`
}

// Task is one unit of work for one specialist mode.
type Task struct {
	// ID is short and unique within the plan ("container", "ci").
	ID   string `json:"id"`
	Mode string `json:"mode"`
	// Title is what the task's branch, sub-issue or PR is called.
	Title string `json:"title"`
	// Goal says what the task must achieve; Why says why it is in the plan
	// and why at this place in the order.
	Goal       string   `json:"goal"`
	Why        string   `json:"why,omitempty"`
	Acceptance []string `json:"acceptance,omitempty"`
	// Files are the paths the task expects to create or change. The
	// change policy lets a task modify a file the repository already has
	// only when Files names it (see Declares): a path, a directory ending
	// in "/", or a glob; an existing workflow only by its exact path.
	Files []string `json:"files,omitempty"`
	// DependsOn lists task IDs that must finish first.
	DependsOn []string `json:"depends_on,omitempty"`
	// Services lists the service directories the task is about; empty
	// means every service the plan covers.
	Services []string `json:"services,omitempty"`
	// Params carry structured hand-offs between tasks and brains
	// (backing services, registry, cloud resources...).
	Params map[string]string `json:"params,omitempty"`
}

// Plan is what the lead decided.
type Plan struct {
	// Summary is a short paragraph for people.
	Summary string `json:"summary"`
	Tasks   []Task `json:"tasks"`
	// Questions, when present, mean the request was too vague to act on:
	// the plan asks instead of guessing, and has no tasks.
	Questions []string `json:"questions,omitempty"`
	// Declined lists what was asked but will not be done, each with why.
	Declined []string `json:"declined,omitempty"`
	// Notes are observations for people (existing files kept, versions
	// assumed...).
	Notes []string `json:"notes,omitempty"`
	// Brain names the brain that made the plan.
	Brain string `json:"brain"`
	// Usage is what planning cost a model-backed brain; nil otherwise.
	Usage *change.Usage `json:"usage,omitempty"`
}

// PlanInput is what the lead sees.
type PlanInput struct {
	Issue     Issue
	Repo      *stack.Repo
	Workspace fs.FS
	Lead      *mode.Mode
	Modes     *mode.Registry
	// AllowSubstitutions are the "from->to" substitutions the repository
	// allows the lead to make without asking (.github/devops-lead.yml).
	AllowSubstitutions []string
}

// WorkInput is what a specialist sees for one task.
type WorkInput struct {
	Issue     Issue
	Plan      *Plan
	Task      Task
	Mode      *mode.Mode
	Repo      *stack.Repo
	Workspace fs.FS
	// Deps are the ChangeSets of the tasks this one depends on, so a
	// pipeline can see the Dockerfile planned before it.
	Deps []*change.ChangeSet
	// Previous and Findings are set on a repair round: the ChangeSet the
	// gate refused and the error findings it had.
	Previous *change.ChangeSet
	Findings []validate.Finding
	// Check runs the gate on a ChangeSet, for brains that validate while
	// they work (an agent's finish tool).
	Check func(*change.ChangeSet) []validate.Finding
	// Feedback is set when the task revises its pull request: what the
	// reviewers asked for (untrusted text, data for the brain), with
	// Previous holding the files the pull request has now.
	Feedback []Feedback
}

// Feedback is one reviewer comment on a task's pull request: the review's
// body (Path "") or a comment on a line of a file.
type Feedback struct {
	Author string `json:"author"`
	Path   string `json:"path,omitempty"`
	Line   int    `json:"line,omitempty"`
	Body   string `json:"body"`
	// Earlier marks what an earlier revision of the same pull request
	// already did: context, not a new request.
	Earlier bool `json:"earlier,omitempty"`
}

// FeedbackText renders feedback as one block of plain text, a line of context per
// comment ("path:line (author):" then the body).
func FeedbackText(fb []Feedback) string {
	var b strings.Builder
	for _, f := range fb {
		if f.Earlier {
			b.WriteString("(done in an earlier revision) ")
		}
		switch {
		case f.Path != "" && f.Line > 0:
			fmt.Fprintf(&b, "%s:%d (%s): ", f.Path, f.Line, f.Author)
		case f.Path != "":
			fmt.Fprintf(&b, "%s (%s): ", f.Path, f.Author)
		default:
			fmt.Fprintf(&b, "(%s): ", f.Author)
		}
		b.WriteString(strings.TrimSpace(f.Body))
		b.WriteString("\n")
	}
	return b.String()
}

// Brain is what thinks: it plans as the lead and works as specialists.
type Brain interface {
	Name() string
	Plan(ctx context.Context, in PlanInput) (*Plan, error)
	Work(ctx context.Context, in WorkInput) (*change.ChangeSet, error)
}

// Status is how a task ended.
type Status string

// The statuses a task may end with.
const (
	StatusDone    Status = "done"    // a ChangeSet passed the gate
	StatusNoop    Status = "noop"    // nothing needed changing
	StatusFailed  Status = "failed"  // the brain failed or the gate kept refusing
	StatusSkipped Status = "skipped" // a dependency did not finish
)

// TaskResult is one task's outcome.
type TaskResult struct {
	Task      Task               `json:"task"`
	Status    Status             `json:"status"`
	ChangeSet *change.ChangeSet  `json:"changes,omitempty"`
	Findings  []validate.Finding `json:"findings,omitempty"`
	// Rounds counts the brain's attempts (1 + repairs).
	Rounds int    `json:"rounds"`
	Error  string `json:"error,omitempty"`
}

// Result is a whole run's outcome.
type Result struct {
	Issue Issue        `json:"issue"`
	Plan  *Plan        `json:"plan"`
	Repo  *stack.Repo  `json:"repo"`
	Tasks []TaskResult `json:"tasks"`
}

// Publisher takes a run's result somewhere: local branches, a directory,
// pull requests.
type Publisher interface {
	Publish(ctx context.Context, r *Result) error
}
