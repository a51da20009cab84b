package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/github"
)

// actionOutputNames are the step outputs `devops-lead action` writes to
// $GITHUB_OUTPUT, in the order written; action.yml declares each one.
var actionOutputNames = []string{"plan-url", "pull-requests", "tasks", "questions", "conclusion", "exit-code"}

// actionOutputs is what a run reports to later steps of its job.
type actionOutputs struct {
	planURL    string
	prs        []string // the pull requests of the tasks this run carried out
	tasks      []actionTaskOutput
	questions  bool
	conclusion string // success, failure, nothing-to-do or usage-error
}

// actionTaskOutput is one task of the plan in the `tasks` output.
type actionTaskOutput struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Mode        string `json:"mode"`
	Status      string `json:"status"`
	PullRequest string `json:"pull_request,omitempty"`
	SubIssue    int    `json:"sub_issue,omitempty"`
}

// collectOutputs fills r.out from the plan state and, for plan-url, the
// plan comment (one extra API call, made only when outputs are wanted).
func (r *actionRun) collectOutputs(ctx context.Context, c *github.Client, bot string) {
	o := r.out
	if o == nil {
		return
	}
	o.prs = []string{}
	o.tasks = []actionTaskOutput{}
	st := r.state
	if st == nil || st.Plan == nil {
		return
	}
	o.questions = len(st.Plan.Questions) > 0
	ran := map[string]bool{}
	for _, ta := range r.queue {
		ran[ta.Task] = true
	}
	ordered, _ := engine.Order(st.Plan.Tasks)
	for _, t := range ordered {
		to := actionTaskOutput{ID: t.ID, Title: t.Title, Mode: t.Mode, Status: "planned"}
		if ts := st.Tasks[t.ID]; ts != nil {
			to.Status, to.PullRequest, to.SubIssue = ts.Status, ts.PRURL, ts.SubIssue
			if ran[t.ID] && ts.PRURL != "" && ts.Succeeded() {
				o.prs = append(o.prs, ts.PRURL)
			}
		}
		o.tasks = append(o.tasks, to)
	}
	owner, repo, ok := strings.Cut(r.d.Repo, "/")
	if c == nil || !ok || r.d.Number == 0 || ctx.Err() != nil {
		return
	}
	cm, err := c.FindComment(ctx, owner, repo, r.d.Number, bot, "plan")
	if err != nil {
		r.log.Warn("find the plan comment for the plan-url output", "err", err)
		return
	}
	if cm != nil {
		o.planURL = cm.GetHTMLURL()
	}
}

// conclusionOf names how a run ended, for the conclusion output.
func conclusionOf(code int) string {
	switch code {
	case exitOK:
		return "success"
	case exitUsage:
		return "usage-error"
	}
	return "failure"
}

// writeActionOutputs appends the outputs to path (the file GitHub names
// in GITHUB_OUTPUT) in its documented `name=value` form, or the
// `name<<delimiter` form for a value with a line break.
func writeActionOutputs(path string, o *actionOutputs, code int) error {
	if o == nil {
		o = &actionOutputs{}
	}
	if o.conclusion == "" {
		o.conclusion = conclusionOf(code)
	}
	prs, err := json.Marshal(nonNil(o.prs))
	if err != nil {
		return fmt.Errorf("encode pull-requests: %w", err)
	}
	tasks, err := json.Marshal(nonNil(o.tasks))
	if err != nil {
		return fmt.Errorf("encode tasks: %w", err)
	}
	values := map[string]string{
		"plan-url":      o.planURL,
		"pull-requests": string(prs),
		"tasks":         string(tasks),
		"questions":     fmt.Sprint(o.questions),
		"conclusion":    o.conclusion,
		"exit-code":     fmt.Sprint(code),
	}
	var b strings.Builder
	for _, name := range actionOutputNames {
		if err := formatOutput(&b, name, values[name]); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("GITHUB_OUTPUT: %w", err)
	}
	_, err = io.WriteString(f, b.String())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("GITHUB_OUTPUT: write %s: %w", path, err)
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// formatOutput writes one output; a value with a line break goes between
// a random delimiter's lines, one that does not occur in the value.
func formatOutput(b *strings.Builder, name, value string) error {
	if !strings.ContainsAny(value, "\r\n") {
		fmt.Fprintf(b, "%s=%s\n", name, value)
		return nil
	}
	for range 5 {
		buf := make([]byte, 16)
		if _, err := rand.Read(buf); err != nil {
			return fmt.Errorf("output %s: make a delimiter: %w", name, err)
		}
		delim := "ghadelimiter_" + hex.EncodeToString(buf)
		if strings.Contains(value, delim) {
			continue
		}
		fmt.Fprintf(b, "%s<<%s\n%s\n%s\n", name, delim, value, delim)
		return nil
	}
	return fmt.Errorf("output %s: no delimiter absent from the value", name)
}

// parseActionOutputs reads a GITHUB_OUTPUT file the way the runner does:
// `name=value` lines and `name<<delimiter` blocks. Tests use it.
func parseActionOutputs(data string) (map[string]string, error) {
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(data, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		eq, hd := strings.Index(line, "="), strings.Index(line, "<<")
		if eq >= 0 && (hd < 0 || eq < hd) {
			out[line[:eq]] = line[eq+1:]
			continue
		}
		if hd < 0 {
			return nil, fmt.Errorf("line %d: %q is neither name=value nor name<<delimiter", i+1, line)
		}
		name, delim := line[:hd], line[hd+2:]
		var val []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			val = append(val, lines[i])
		}
		if i >= len(lines) {
			return nil, fmt.Errorf("output %s: delimiter %s never closes", name, delim)
		}
		out[name] = strings.Join(val, "\n")
	}
	return out, nil
}
