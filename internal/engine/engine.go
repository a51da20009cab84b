package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/mode"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
	"github.com/devops-lead/devops-lead/internal/workspace"
)

// DefaultMaxRepairs bounds the repair rounds after the first attempt.
const DefaultMaxRepairs = 2

// Gate validates files; validate.Check is the real one.
type Gate func(files []validate.File, opts validate.Options) []validate.Finding

// Engine runs the pipeline. Brain and Modes are required.
type Engine struct {
	Brain Brain
	Modes *mode.Registry
	// Gate defaults to validate.Check.
	Gate Gate
	// MaxRepairs bounds repair rounds; negative means none, 0 the default.
	MaxRepairs int
	// Progress receives one line per step for people (stderr); nil is
	// quiet.
	Progress io.Writer
	// Detect options for stack detection (the focus directory, caps).
	Detect stack.Options
	// AllowSubstitutions is passed to the lead (PlanInput).
	AllowSubstitutions []string
}

func (e *Engine) progress(format string, args ...any) {
	if e.Progress != nil {
		fmt.Fprintf(e.Progress, format+"\n", args...)
	}
}

// ErrNothingToDo is returned (wrapped) when a request has no actionable
// content and no question to ask either.
var ErrNothingToDo = errors.New("nothing to do")

// Plan detects the repository's stack and asks the lead for a plan, then
// checks the plan against the modes (known modes, delegation allowed,
// unique ids, dependencies known and acyclic).
func (e *Engine) Plan(ctx context.Context, issue Issue, ws fs.FS) (*Plan, *stack.Repo, error) {
	if strings.TrimSpace(issue.Title+issue.Body) == "" {
		return nil, nil, fmt.Errorf("the request is empty: say what you need, e.g. \"add CI\": %w", ErrNothingToDo)
	}
	e.progress("detecting the repository's stack...")
	repo, err := stack.Detect(ws, e.Detect)
	if err != nil {
		return nil, nil, fmt.Errorf("detect stack: %w", err)
	}
	for _, s := range repo.Services {
		v := s.Version
		if v == "" {
			v = "version not stated"
		}
		e.progress("  service %s (%s): %s %s", s.Name, s.Dir, s.Language, v)
	}
	for _, w := range repo.Warnings {
		e.progress("  warning: %s", w)
	}
	lead := e.Modes.Lead()
	e.progress("planning with the %s brain...", e.Brain.Name())
	plan, err := e.Brain.Plan(ctx, PlanInput{Issue: issue, Repo: repo, Workspace: ws, Lead: lead, Modes: e.Modes, AllowSubstitutions: e.AllowSubstitutions})
	if err != nil {
		return nil, repo, fmt.Errorf("plan: %w", err)
	}
	if err := CheckPlan(plan, e.Modes); err != nil {
		return nil, repo, fmt.Errorf("the %s brain made an invalid plan: %w", e.Brain.Name(), err)
	}
	if len(plan.Tasks) == 0 && len(plan.Questions) == 0 && len(plan.Declined) == 0 && len(plan.Notes) > 0 {
		// Everything asked for is already there (the notes say what was
		// found and kept): nothing to change is a result, not a failure.
		return plan, repo, nil
	}
	if len(plan.Tasks) == 0 && len(plan.Questions) == 0 {
		msg := "the request names no DevOps work this tool can do"
		if len(plan.Declined) > 0 {
			msg += ": " + strings.Join(plan.Declined, "; ")
		}
		return plan, repo, fmt.Errorf("%s: %w", msg, ErrNothingToDo)
	}
	return plan, repo, nil
}

// CheckPlan checks a plan against the registry: each task's mode exists
// and the lead may delegate to it, ids are unique, dependencies exist and
// have no cycle.
func CheckPlan(p *Plan, reg *mode.Registry) error {
	if p == nil {
		return errors.New("no plan")
	}
	lead := reg.Lead()
	ids := map[string]bool{}
	for i, t := range p.Tasks {
		if t.ID == "" {
			return fmt.Errorf("task %d has no id", i+1)
		}
		if ids[t.ID] {
			return fmt.Errorf("task id %q is used twice", t.ID)
		}
		ids[t.ID] = true
		if reg.Get(t.Mode) == nil {
			return fmt.Errorf("task %q names unknown mode %q", t.ID, t.Mode)
		}
		if lead != nil && !reg.CanDelegate(lead.Slug, t.Mode) {
			return fmt.Errorf("task %q: the lead %s may not delegate to %s", t.ID, lead.Slug, t.Mode)
		}
	}
	for _, t := range p.Tasks {
		for _, d := range t.DependsOn {
			if !ids[d] {
				return fmt.Errorf("task %q depends on unknown task %q", t.ID, d)
			}
		}
	}
	if _, err := Order(p.Tasks); err != nil {
		return err
	}
	return nil
}

// Order returns the tasks in dependency order, keeping the plan's order
// where dependencies allow. A cycle is an error.
func Order(tasks []Task) ([]Task, error) {
	done := map[string]bool{}
	var out []Task
	for len(out) < len(tasks) {
		progressed := false
		for _, t := range tasks {
			if done[t.ID] {
				continue
			}
			ready := true
			for _, d := range t.DependsOn {
				if !done[d] {
					ready = false
					break
				}
			}
			if ready {
				done[t.ID] = true
				out = append(out, t)
				progressed = true
				break // rescan from the top, so plan order wins where it can
			}
		}
		if !progressed {
			var left []string
			for _, t := range tasks {
				if !done[t.ID] {
					left = append(left, t.ID)
				}
			}
			return nil, fmt.Errorf("tasks %s depend on each other in a cycle", strings.Join(left, ", "))
		}
	}
	return out, nil
}

// Work carries out the plan: each task in dependency order goes to its
// specialist; each ChangeSet is normalised against the workspace, passes
// the gate and keeps the change policy (CheckPolicy), with repair rounds
// while it has errors. A task whose
// dependency did not finish is skipped. Work never publishes.
func (e *Engine) Work(ctx context.Context, issue Issue, plan *Plan, repo *stack.Repo, ws fs.FS) (*Result, error) {
	res := &Result{Issue: issue, Plan: plan, Repo: repo}
	ordered, err := Order(plan.Tasks)
	if err != nil {
		return nil, err
	}
	outputs := map[string]*change.ChangeSet{}
	status := map[string]Status{}
	for i, t := range ordered {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e.progress("[%d/%d] %s: %s", i+1, len(ordered), t.Mode, t.Title)
		tr := e.runTask(ctx, issue, plan, repo, ws, t, outputs, status)
		status[t.ID] = tr.Status
		if tr.ChangeSet != nil {
			outputs[t.ID] = tr.ChangeSet
		}
		switch tr.Status {
		case StatusDone:
			e.progress("      %d file(s), gate passed (%d warning(s))", len(tr.ChangeSet.Files), len(tr.Findings))
		case StatusNoop:
			e.progress("      nothing to change")
		default:
			e.progress("      %s: %s", tr.Status, tr.Error)
		}
		res.Tasks = append(res.Tasks, tr)
	}
	return res, nil
}

func (e *Engine) runTask(ctx context.Context, issue Issue, plan *Plan, repo *stack.Repo, ws fs.FS,
	t Task, outputs map[string]*change.ChangeSet, status map[string]Status) TaskResult {
	var deps []*change.ChangeSet
	for _, d := range t.DependsOn {
		if s := status[d]; s != StatusDone && s != StatusNoop {
			return TaskResult{Task: t, Status: StatusSkipped,
				Error: fmt.Sprintf("it depends on task %q, which did not finish (%s)", d, s)}
		}
		if cs := outputs[d]; cs != nil {
			deps = append(deps, cs)
		}
	}
	return e.RunTask(ctx, issue, plan, repo, ws, t, deps)
}

// RunTask runs one task whose dependencies have finished elsewhere (a
// queued job per task): deps are their ChangeSets. The brain works, the
// ChangeSet is normalised and gated, with repair rounds; nothing is
// published.
func (e *Engine) RunTask(ctx context.Context, issue Issue, plan *Plan, repo *stack.Repo, ws fs.FS,
	t Task, deps []*change.ChangeSet) TaskResult {
	return e.work(ctx, WorkInput{Issue: issue, Plan: plan, Task: t, Repo: repo, Workspace: ws, Deps: deps})
}

// ReviseTask runs a task again for its pull request's reviewers: current
// holds the files the pull request has now (relative to ws, the plan's
// snapshot) and feedback what the reviewers asked for. The result is the
// whole new ChangeSet of the task, gated like RunTask's.
func (e *Engine) ReviseTask(ctx context.Context, issue Issue, plan *Plan, repo *stack.Repo, ws fs.FS,
	t Task, deps []*change.ChangeSet, current *change.ChangeSet, feedback []Feedback) TaskResult {
	return e.work(ctx, WorkInput{Issue: issue, Plan: plan, Task: t, Repo: repo, Workspace: ws, Deps: deps,
		Previous: current, Feedback: feedback})
}

// work is RunTask and ReviseTask: the brain works, the ChangeSet is
// normalised, gated and held to the change policy (CheckPolicy), with
// repair rounds.
func (e *Engine) work(ctx context.Context, in WorkInput) TaskResult {
	t, ws := in.Task, in.Workspace
	tr := TaskResult{Task: t}
	m := e.Modes.Get(t.Mode)
	gate := e.Gate
	if gate == nil {
		gate = validate.Check
	}
	// own is the pull request's current files when the task revises it;
	// a repair round's Previous below is the refused attempt, never that.
	own := in.Previous
	check := func(cs *change.ChangeSet) []validate.Finding {
		return append(e.check(gate, m, cs, ws), CheckPolicy(ws, t, own, cs)...)
	}
	in.Mode, in.Check = m, check
	max := e.MaxRepairs
	if max == 0 {
		max = DefaultMaxRepairs
	}
	if max < 0 {
		max = 0
	}
	for round := 0; round <= max; round++ {
		tr.Rounds = round + 1
		cs, err := e.Brain.Work(ctx, in)
		if err != nil {
			tr.Status, tr.Error = StatusFailed, err.Error()
			return tr
		}
		if cs == nil {
			cs = change.New(t.ID, t.Mode)
		}
		cs.TaskID, cs.Mode = t.ID, t.Mode
		if err := Normalise(cs, ws); err != nil {
			tr.Status, tr.Error = StatusFailed, err.Error()
			return tr
		}
		findings := check(cs)
		tr.ChangeSet, tr.Findings = cs, findings
		if !validate.HasErrors(findings) {
			if cs.Empty() {
				tr.Status = StatusNoop
			} else {
				tr.Status = StatusDone
			}
			return tr
		}
		errs := validate.Errors(findings)
		e.progress("      gate refused %d error(s); %s", len(errs), repairWord(round, max))
		in.Previous, in.Findings = cs, errs
	}
	tr.Status = StatusFailed
	tr.Error = fmt.Sprintf("the gate still found %d error(s) after %d round(s); nothing from this task is published",
		len(validate.Errors(tr.Findings)), tr.Rounds)
	return tr
}

func repairWord(round, max int) string {
	if round < max {
		return "asking for a repair"
	}
	return "no repair rounds left"
}

func (e *Engine) check(gate Gate, m *mode.Mode, cs *change.ChangeSet, ws fs.FS) []validate.Finding {
	var files []validate.File
	for _, f := range cs.Files {
		if f.Op == change.Delete {
			continue
		}
		files = append(files, validate.File{Path: f.Path, Content: f.Content})
	}
	// The gate sees the repository, so the build-context rules can check
	// what a Dockerfile copies.
	opts := validate.Options{Workspace: ws}
	if m != nil {
		opts.Allowed, opts.Owner = m.MayWrite, m.Slug
	}
	out := theirs(gate, opts, ws, cs, gate(files, opts))
	// Deleting is writing too: a mode may delete only inside its globs.
	for _, f := range cs.Files {
		if f.Op == change.Delete && m != nil && !m.MayWrite(f.Path) {
			out = append(out, validate.Finding{Path: f.Path, Rule: "path-allowed", Severity: validate.Error,
				Message: fmt.Sprintf("%s may not delete %s: the path is outside its writes globs", m.Slug, f.Path)})
		}
	}
	return out
}

// Normalise checks each path is a clean relative path, then sets each
// file's Old content and operation from the workspace, dropping files
// whose content is unchanged.
func Normalise(cs *change.ChangeSet, ws fs.FS) error {
	var keep []*change.File
	for _, f := range cs.Files {
		if err := CheckPath(f.Path); err != nil {
			return err
		}
		old, err := workspace.ReadFile(ws, f.Path, 0)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			old = nil
		case err != nil:
			return fmt.Errorf("read %s from the workspace: %w", f.Path, err)
		}
		f.Old = old
		switch {
		case f.Op == change.Delete && old == nil:
			continue // deleting what is not there changes nothing
		case f.Op == change.Delete:
		case old == nil:
			f.Op = change.Add
		case string(old) == string(f.Content):
			continue
		default:
			f.Op = change.Modify
		}
		keep = append(keep, f)
	}
	cs.Files = keep
	return nil
}

// CheckPath refuses paths that are absolute, escape the repository, point
// into .git or are not in clean slash form.
func CheckPath(p string) error {
	switch {
	case p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, "\\"):
		return fmt.Errorf("path %q: want a relative, slash-separated path", p)
	case path.Clean(p) != p || !fs.ValidPath(p):
		return fmt.Errorf("path %q: not a clean path inside the repository", p)
	case p == ".git" || strings.HasPrefix(p, ".git/") || strings.Contains(p, "/.git/"):
		return fmt.Errorf("path %q: the .git directory is never written", p)
	}
	return nil
}

// Slug turns text into a short branch-safe slug ("Add CI for the API!" →
// "add-ci-for-the-api"), at most 40 characters, never empty.
func Slug(s string) string {
	var b strings.Builder
	dash, truncated := false, false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 40 {
			truncated = true
			break
		}
	}
	out := b.String()
	if i := strings.LastIndexByte(out, '-'); truncated && i > 0 {
		out = out[:i]
	}
	out = strings.Trim(out, "-")
	if out == "" {
		return "request"
	}
	return out
}
