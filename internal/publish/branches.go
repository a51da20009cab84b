package publish

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/devops-lead/devops-lead/internal/engine"
)

// BranchPrefix starts every branch devops-lead writes.
const BranchPrefix = "devops-lead/"

// Action says what publishing did to a branch.
type Action string

// The actions of a BranchResult.
const (
	Created   Action = "created"   // the branch did not exist
	Updated   Action = "updated"   // it existed and now points at a new commit on HEAD
	Unchanged Action = "unchanged" // it already had the same files on the same HEAD
)

// BranchResult is one task's branch after publishing.
type BranchResult struct {
	// Task is the task's id; Mode its mode.
	Task string `json:"task"`
	Mode string `json:"mode"`
	// Branch is the short branch name ("devops-lead/add-ci/ci-pipeline").
	Branch string `json:"branch"`
	// Commit is the commit the branch points at; Base the HEAD it is on.
	Commit string `json:"commit"`
	Base   string `json:"base"`
	Action Action `json:"action"`
	// Files are the paths the commit adds, changes or deletes.
	Files []string `json:"files"`
}

// BranchName is the branch for a task of the request: the issue title's
// slug and the mode ("devops-lead/add-ci/ci-pipeline"), with "-<task id>"
// after the mode when shared is set (two tasks of one mode in the plan).
func BranchName(issueTitle string, t engine.Task, shared bool) string {
	name := BranchPrefix + engine.Slug(issueTitle) + "/" + t.Mode
	if shared {
		name += "-" + t.ID
	}
	return name
}

// publishable returns the tasks that finished with changes, in result order.
func publishable(r *engine.Result) []engine.TaskResult {
	var out []engine.TaskResult
	for _, tr := range r.Tasks {
		if tr.Status == engine.StatusDone && !tr.ChangeSet.Empty() {
			out = append(out, tr)
		}
	}
	return out
}

// Publish implements engine.Publisher: see PublishBranches. The outcome is
// kept for Branches.
func (g *Git) Publish(ctx context.Context, r *engine.Result) error {
	_, err := g.PublishBranches(ctx, r)
	return err
}

// Branches returns the outcome of the last Publish, one entry per branch.
func (g *Git) Branches() []BranchResult {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]BranchResult(nil), g.branches...)
}

// planned is one branch to write, decided before any ref moves.
type planned struct {
	BranchResult
	ref  string
	old  string // the branch's commit now, "" when it does not exist
	tree string
	msg  string
}

// PublishBranches writes one branch per task that finished with changes,
// each a single commit on HEAD holding HEAD's tree plus the task's
// ChangeSet (paths relative to Toplevel). It is idempotent: a branch that
// already holds the same tree on the same HEAD is left alone; one that
// holds something else is moved to a new commit, but only when every
// commit it has beyond HEAD was made by devops-lead. Every check runs
// before any branch moves, and all branches move in one transaction.
func (g *Git) PublishBranches(ctx context.Context, r *engine.Result) ([]BranchResult, error) {
	if r == nil {
		return nil, errors.New("publish: no result to publish")
	}
	base, err := g.head(ctx)
	if err != nil {
		return nil, err
	}
	plan, err := g.planBranches(ctx, r, base)
	if err != nil {
		return nil, err
	}
	ident, err := g.identity(ctx)
	if err != nil {
		return nil, err
	}
	var tx strings.Builder
	for _, p := range plan {
		if p.Action == Unchanged {
			continue
		}
		out, err := g.r.run(ctx, []byte(p.msg), ident, "commit-tree", p.tree, "-p", base, "-F", "-")
		if err != nil {
			return nil, fmt.Errorf("task %q: write the commit: %w", p.Task, err)
		}
		p.Commit = strings.TrimSpace(out)
		// Both forms make git check the branch is still where it was seen.
		if p.old == "" {
			fmt.Fprintf(&tx, "create %s %s\n", p.ref, p.Commit)
		} else {
			fmt.Fprintf(&tx, "update %s %s %s\n", p.ref, p.Commit, p.old)
		}
	}
	if tx.Len() > 0 {
		_, err := g.r.run(ctx, []byte(tx.String()), nil, "update-ref", "-m", "devops-lead: "+engine.Slug(r.Issue.Title), "--stdin")
		if err != nil {
			return nil, fmt.Errorf("move the branches (none was moved): %w", err)
		}
	}
	out := make([]BranchResult, 0, len(plan))
	for _, p := range plan {
		out = append(out, p.BranchResult)
	}
	g.mu.Lock()
	g.branches = out
	g.mu.Unlock()
	return append([]BranchResult(nil), out...), nil
}

// planBranches decides every branch's name, tree and action, and runs all
// the checks, without moving a ref.
func (g *Git) planBranches(ctx context.Context, r *engine.Result, base string) ([]*planned, error) {
	tasks := publishable(r)
	modes := map[string]int{}
	for _, tr := range tasks {
		modes[tr.Task.Mode]++
	}
	checkedOut, err := g.checkedOutBranches(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]string{}
	var plan []*planned
	for _, tr := range tasks {
		p := &planned{BranchResult: BranchResult{Task: tr.Task.ID, Mode: tr.Task.Mode, Base: base,
			Branch: BranchName(r.Issue.Title, tr.Task, modes[tr.Task.Mode] > 1), Files: tr.ChangeSet.Paths()}}
		if err := g.checkBranchName(ctx, p.Branch); err != nil {
			return nil, fmt.Errorf("task %q: %w", tr.Task.ID, err)
		}
		if other, dup := seen[p.Branch]; dup {
			return nil, fmt.Errorf("tasks %q and %q would both write branch %s: give them different ids", other, tr.Task.ID, p.Branch)
		}
		seen[p.Branch] = tr.Task.ID
		p.ref = "refs/heads/" + p.Branch
		p.msg = commitMessage(r.Issue, tr.Task, tr.ChangeSet)
		if p.tree, err = g.buildTree(ctx, base, tr.ChangeSet); err != nil {
			return nil, fmt.Errorf("task %q: %w", tr.Task.ID, err)
		}
		if err := g.decide(ctx, p, base, checkedOut[p.ref]); err != nil {
			return nil, fmt.Errorf("task %q: %w", tr.Task.ID, err)
		}
		plan = append(plan, p)
	}
	return plan, nil
}

// decide sets the action: created when the branch does not exist,
// unchanged when its tip is a devops-lead commit with the same tree on
// base, updated otherwise. It refuses to move a branch with commits of
// other origin, or one checked out in a working tree.
func (g *Git) decide(ctx context.Context, p *planned, base string, checkedOut bool) error {
	tip, err := g.r.line(ctx, "rev-parse", "--verify", "--quiet", p.ref+"^{commit}")
	if err != nil && exitCode(err) != 1 {
		return fmt.Errorf("read branch %s: %w", p.Branch, err)
	}
	if tip == "" {
		p.Action = Created
		return nil
	}
	p.old = tip
	info, err := g.r.line(ctx, "log", "-1", "--format=%T %P", tip)
	if err != nil {
		return fmt.Errorf("read branch %s: %w", p.Branch, err)
	}
	same := info == p.tree+" "+base
	if !same && checkedOut {
		return fmt.Errorf("branch %s is checked out in a working tree, so it cannot be moved: switch to another branch (git switch -) and run again", p.Branch)
	}
	if err := g.checkOwned(ctx, p.Branch, p.ref, base); err != nil {
		return err
	}
	if same {
		p.Action, p.Commit = Unchanged, tip
		return nil
	}
	p.Action = Updated
	return nil
}

// checkOwned refuses a branch unless its tip and every commit it has
// beyond base carry the devops-lead task trailer. A tip already merged
// into base (an ancestor of it) only needs the trailer itself.
func (g *Git) checkOwned(ctx context.Context, branch, ref, base string) error {
	out, err := g.r.run(ctx, nil, nil, "log", "-z", "--format=%H%n%B", ref+"^!")
	if err != nil {
		return fmt.Errorf("read the commits of branch %s: %w", branch, err)
	}
	beyond, err := g.r.run(ctx, nil, nil, "log", "-z", "--format=%H%n%B", ref, "--not", base)
	if err != nil {
		return fmt.Errorf("read the commits of branch %s: %w", branch, err)
	}
	for _, c := range strings.Split(out+"\x00"+beyond, "\x00") {
		if strings.TrimSpace(c) == "" {
			continue
		}
		sha, msg, _ := strings.Cut(c, "\n")
		if _, ok := taskTrailer(msg); !ok {
			return fmt.Errorf("branch %s already exists and commit %.12s on it was not made by devops-lead (no %s trailer): rename or delete the branch (git branch -m / -D), then run again",
				branch, sha, TaskTrailer)
		}
	}
	return nil
}

// checkBranchName asks git whether name is a valid branch name.
func (g *Git) checkBranchName(ctx context.Context, name string) error {
	if _, err := g.r.line(ctx, "check-ref-format", "--branch", name); err != nil {
		return fmt.Errorf("%q is not a valid branch name (the task id or mode has characters git refuses): %w", name, err)
	}
	return nil
}

// checkedOutBranches returns the refs checked out in any working tree of
// the repository; moving one would leave that working tree out of step.
func (g *Git) checkedOutBranches(ctx context.Context) (map[string]bool, error) {
	out, err := g.r.run(ctx, nil, nil, "worktree", "list", "--porcelain")
	if err != nil {
		return nil, fmt.Errorf("list the working trees: %w", err)
	}
	refs := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		if ref, ok := strings.CutPrefix(l, "branch "); ok {
			refs[ref] = true
		}
	}
	return refs, nil
}

// defaultName and defaultEmail are the author and committer when neither
// the environment nor the repository's git configuration names one.
const (
	defaultName  = "devops-lead"
	defaultEmail = "devops-lead@users.noreply.github.com"
)

// identity returns the environment for commit-tree. An author or committer
// named by GIT_AUTHOR_* / GIT_COMMITTER_* or by user.name and user.email is
// kept; otherwise devops-lead's identity is set.
func (g *Git) identity(ctx context.Context) ([]string, error) {
	configured := true
	for _, key := range []string{"user.name", "user.email"} {
		v, err := g.r.line(ctx, "config", "--get", key)
		if err != nil && exitCode(err) != 1 {
			return nil, fmt.Errorf("read git config %s: %w", key, err)
		}
		if strings.TrimSpace(v) == "" {
			configured = false
		}
	}
	if configured {
		return nil, nil
	}
	var env []string
	for _, who := range []string{"GIT_AUTHOR", "GIT_COMMITTER"} {
		if os.Getenv(who+"_NAME") != "" && os.Getenv(who+"_EMAIL") != "" {
			continue
		}
		env = append(env, who+"_NAME="+defaultName, who+"_EMAIL="+defaultEmail)
	}
	return env, nil
}
