package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	gh "github.com/google/go-github/v62/github"

	"github.com/devops-lead/devops-lead/internal/brain/builtin"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/config"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/github"
	"github.com/devops-lead/devops-lead/internal/jobs"
	"github.com/devops-lead/devops-lead/internal/mode"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
	"github.com/devops-lead/devops-lead/internal/workspace"
)

// state loads the plan comment's hidden state (nil when there is none).
func (j *job) state(ctx context.Context) (*State, *gh.IssueComment, error) {
	cm, err := j.c.FindComment(ctx, j.owner, j.repo, j.number, j.a.Bot, planKind)
	if err != nil || cm == nil {
		return nil, nil, err
	}
	st := &State{}
	ok, err := github.Data(cm.GetBody(), planKind, st)
	if err != nil || !ok || st.Plan == nil {
		return nil, cm, nil // unreadable: planning again replaces it
	}
	if st.Tasks == nil {
		st.Tasks = map[string]*TaskState{}
	}
	return st, cm, nil
}

func (j *job) savePlan(ctx context.Context, st *State) error {
	body, err := st.render(j.owner + "/" + j.repo)
	if err != nil {
		return err
	}
	_, _, err = j.c.UpsertComment(ctx, j.owner, j.repo, j.number, j.a.Bot, planKind, body)
	return err
}

// planned is a fresh plan with what it was made from.
type planned struct {
	plan  *engine.Plan
	repo  *stack.Repo
	ws    *workspace.Watched
	eng   *engine.Engine
	base  github.Base
	issue engine.Issue
}

// makePlan plans the issue at the default branch's head.
func (j *job) makePlan(ctx context.Context, cfg *config.Repo, issue engine.Issue, instructions string) (*planned, error) {
	return j.makePlanAt(ctx, cfg, issue, instructions, "")
}

// makePlanAt plans at a given commit ("" means the default branch's
// head), so every task of an applied plan works on the same snapshot.
func (j *job) makePlanAt(ctx context.Context, cfg *config.Repo, issue engine.Issue, instructions, commit string) (*planned, error) {
	var base github.Base
	var err error
	if commit == "" {
		base, err = j.c.BaseOf(ctx, j.owner, j.repo, j.defBranch)
	} else {
		base, err = j.c.CommitBase(ctx, j.owner, j.repo, commit)
	}
	if err != nil {
		return nil, err
	}
	// Watched: a read that failed anywhere below (stack detection, mode
	// overrides, a brain looking for a file) makes the job retry instead
	// of planning from a repository with files missing.
	ws := workspace.Watch(j.c.Tree(ctx, j.owner, j.repo, base.Commit))
	modes, err := mode.Default()
	if err != nil {
		return nil, jobs.Permanent(err)
	}
	modes, err = mode.WithOverrides(modes, ws, ".github/devops-lead/modes")
	if rerr := ws.Err(); rerr != nil {
		return nil, fmt.Errorf("read the modes: %w", rerr)
	}
	if err != nil {
		msg := fmt.Sprintf("The modes in `.github/devops-lead/modes` have problems, so I have not acted:\n\n```\n%s\n```", err)
		if rerr := j.reply(ctx, "modes-error", msg); rerr != nil {
			return nil, rerr
		}
		return nil, jobs.Permanent(err)
	}
	brain := engine.Brain(builtin.New())
	if j.a.Brain != nil {
		brain = j.a.Brain()
	}
	eng := &engine.Engine{Brain: brain, Modes: modes, MaxRepairs: cfg.Budgets.MaxRepairs, Gate: repoGate(cfg), AllowSubstitutions: cfg.AllowSubstitutions}
	if cfg.Budgets.MaxRepairs == 0 {
		eng.MaxRepairs = -1
	}
	if instructions != "" {
		issue.Body = strings.TrimSpace(issue.Body + "\n\n" + instructions)
	}
	plan, repo, err := eng.Plan(ctx, issue, ws)
	if rerr := ws.Err(); rerr != nil {
		return nil, fmt.Errorf("plan: %w", rerr) // transient: the job retries
	}
	if err != nil && workspace.IsReadError(err) {
		return nil, fmt.Errorf("plan: %w", err)
	}
	if err != nil && !(errors.Is(err, engine.ErrNothingToDo) && plan != nil) {
		if errors.Is(err, engine.ErrNothingToDo) {
			plan = &engine.Plan{Summary: "I could not find DevOps work I can do in this request: " + err.Error(), Brain: brain.Name()}
		} else {
			return nil, j.fail(ctx, "plan", fmt.Errorf("planning failed: %w", err))
		}
	}
	restrict(plan, cfg)
	return &planned{plan: plan, repo: repo, ws: ws, eng: eng, base: base, issue: issue}, nil
}

// repoGate adds the repository's allowed paths and workflow consent to the
// mode's own globs.
func repoGate(cfg *config.Repo) engine.Gate {
	return func(files []validate.File, opts validate.Options) []validate.Finding {
		inner := opts.Allowed
		opts.Allowed = func(p string) bool {
			if inner != nil && !inner(p) {
				return false
			}
			if !cfg.WorkflowsAllowed() && strings.HasPrefix(p, ".github/workflows/") {
				return false
			}
			return cfg.PathAllowed(p)
		}
		return validate.Check(files, opts)
	}
}

// restrict drops the tasks the repository's config does not allow, and
// those that depend on them, saying so in the plan; it applies the task
// budget.
func restrict(p *engine.Plan, cfg *config.Repo) {
	dropped := map[string]bool{}
	var keep []engine.Task
	for _, t := range p.Tasks {
		reason := ""
		switch {
		case !cfg.ModeEnabled(t.Mode):
			reason = fmt.Sprintf("%s is not among the modes enabled in %s", t.Mode, config.RepoPath)
		case len(keep) >= cfg.Budgets.MaxTasks:
			reason = fmt.Sprintf("over the budget of %d tasks in %s", cfg.Budgets.MaxTasks, config.RepoPath)
		}
		for _, d := range t.DependsOn {
			if dropped[d] && reason == "" {
				reason = fmt.Sprintf("it depends on task %s, which is left out", d)
			}
		}
		if reason != "" {
			dropped[t.ID] = true
			p.Declined = append(p.Declined, fmt.Sprintf("%s: %s", t.Title, reason))
			continue
		}
		keep = append(keep, t)
	}
	p.Tasks = keep
}

// plan makes or refreshes the plan comment and opens nothing.
func (j *job) plan(ctx context.Context, cfg *config.Repo, issue engine.Issue, instructions string) (*planned, error) {
	pl, err := j.makePlan(ctx, cfg, issue, instructions)
	if err != nil {
		return nil, err
	}
	old, _, err := j.state(ctx)
	if err != nil {
		return nil, err
	}
	st := &State{V: 1, Issue: j.number, Base: pl.base.Commit, Hash: planHash(pl.plan), Instructions: instructions,
		Plan: pl.plan, Tasks: map[string]*TaskState{}}
	if old != nil && old.Hash == st.Hash {
		st.Tasks, st.Applied = old.Tasks, old.Applied
	}
	for _, t := range pl.plan.Tasks {
		if st.Tasks[t.ID] == nil {
			st.Tasks[t.ID] = &TaskState{Status: taskPlanned}
		}
	}
	return pl, j.savePlan(ctx, st)
}

// apply carries out the plan: a sub-issue per task, the specialists'
// work through the gate, then a branch and a pull request per task. only,
// when set, limits the tasks published (retry).
func (j *job) apply(ctx context.Context, cfg *config.Repo, issue engine.Issue, only map[string]bool) error {
	old, _, err := j.state(ctx)
	if err != nil {
		return err
	}
	instructions := ""
	if old != nil {
		instructions = old.Instructions
	}
	pl, err := j.makePlan(ctx, cfg, issue, instructions)
	if err != nil {
		return err
	}
	hash := planHash(pl.plan)
	if old != nil && old.Hash != hash && old.Plan != nil && len(old.Plan.Tasks) > 0 {
		// The plan people saw is not what would run now.
		st := &State{V: 1, Issue: j.number, Base: pl.base.Commit, Hash: hash, Instructions: instructions, Plan: pl.plan, Tasks: map[string]*TaskState{}}
		for _, t := range pl.plan.Tasks {
			st.Tasks[t.ID] = &TaskState{Status: taskPlanned}
		}
		if err := j.savePlan(ctx, st); err != nil {
			return err
		}
		return j.reply(ctx, "apply-refused", "The plan changed since it was shown (the repository or the request changed), so I have not applied it. I updated the plan comment: review it and comment `/devops apply` again.")
	}
	st := old
	if st == nil || st.Hash != hash {
		st = &State{V: 1, Issue: j.number, Hash: hash, Instructions: instructions, Tasks: map[string]*TaskState{}}
	}
	st.Plan, st.Base, st.Cancelled = pl.plan, pl.base.Commit, false
	if len(pl.plan.Tasks) == 0 {
		return j.savePlan(ctx, st)
	}
	ordered, err := engine.Order(pl.plan.Tasks)
	if err != nil {
		return jobs.Permanent(err)
	}
	for _, t := range ordered {
		if st.Tasks[t.ID] == nil {
			st.Tasks[t.ID] = &TaskState{Status: taskPlanned}
		}
		if err := j.ensureSubIssue(ctx, t, st.Tasks[t.ID]); err != nil {
			return err
		}
	}
	st.Applied = true
	var queue []jobs.TaskArgs
	for _, t := range ordered {
		ts := st.Tasks[t.ID]
		rerun := only != nil && only[t.ID]
		if !rerun && (ts.Status == taskPR || ts.Status == taskNoop || only != nil) {
			continue // done already, or not asked for by this retry
		}
		if ts.Status != taskQueued || rerun {
			ts.Status, ts.Error = taskQueued, ""
		}
		queue = append(queue, jobs.TaskArgs{Installation: j.d.Installation, Repo: j.owner + "/" + j.repo, Issue: j.number,
			DefaultBranch: j.defBranch, Task: t.ID, Hash: st.Hash, Run: j.d.ID})
	}
	if err := j.savePlan(ctx, st); err != nil {
		return err
	}
	if j.a.Enqueue == nil {
		return jobs.Permanent(fmt.Errorf("no queue to run the tasks on"))
	}
	return j.a.Enqueue(ctx, queue)
}

func taskKind(issue int, id string) string { return fmt.Sprintf("task:%d:%s", issue, id) }

func (j *job) ensureSubIssue(ctx context.Context, t engine.Task, ts *TaskState) error {
	if ts.SubIssue != 0 {
		return nil
	}
	label := "devops:" + t.Mode
	kind := taskKind(j.number, t.ID)
	is, err := j.c.FindIssue(ctx, j.owner, j.repo, label, j.a.Bot, kind)
	if err != nil {
		return err
	}
	if is == nil {
		var b strings.Builder
		fmt.Fprintf(&b, "Part of #%d, for the `%s` mode.\n\n**Goal:** %s\n", j.number, t.Mode, t.Goal)
		if t.Why != "" {
			fmt.Fprintf(&b, "\n**Why:** %s\n", t.Why)
		}
		if len(t.Acceptance) > 0 {
			b.WriteString("\n**Acceptance criteria**\n\n")
			for _, a := range t.Acceptance {
				b.WriteString("- [ ] " + a + "\n")
			}
		}
		if len(t.Files) > 0 {
			fmt.Fprintf(&b, "\n**Files:** `%s`\n", strings.Join(t.Files, "`, `"))
		}
		b.WriteString("\n" + github.Marker(kind) + "\n")
		is, _, err = j.c.REST.Issues.Create(ctx, j.owner, j.repo, &gh.IssueRequest{
			Title: gh.String(t.Title), Body: gh.String(b.String()), Labels: &[]string{label}})
		if err != nil {
			return fmt.Errorf("open the sub-issue for %s: %w", t.ID, err)
		}
	}
	if err := j.c.AddSubIssue(ctx, j.owner, j.repo, j.number, is.GetID()); err != nil {
		return err
	}
	ts.SubIssue, ts.SubIssueID = is.GetNumber(), is.GetID()
	return nil
}

// publish turns one task's result into a branch and a pull request, or an
// explicit failure comment.
func (j *job) publish(ctx context.Context, cfg *config.Repo, pl *planned, st *State, tr engine.TaskResult) error {
	ts := st.Tasks[tr.Task.ID]
	switch tr.Status {
	case engine.StatusNoop:
		ts.Status, ts.Error = taskNoop, ""
		return nil
	case engine.StatusFailed, engine.StatusSkipped:
		// An earlier attempt of this task may have opened its pull
		// request before failing to record it: then the task is done, and
		// saying it failed would be false.
		if ok, err := j.adoptOpenPR(ctx, st, tr.Task.ID); err != nil || ok {
			return err
		}
		return j.reportFailure(ctx, ts, tr)
	}
	if max := cfg.Budgets.MaxFilesPerTask; max > 0 && len(tr.ChangeSet.Files) > max {
		tr.Status = engine.StatusFailed
		tr.Error = fmt.Sprintf("it changes %d files, over the budget of %d in %s", len(tr.ChangeSet.Files), max, config.RepoPath)
		return j.publish(ctx, cfg, pl, st, tr)
	}
	branch := fmt.Sprintf("devops-lead/%d-%s", j.number, tr.Task.ID)
	if ts.Head != "" {
		// A rerun replaces the branch: only if it still ends with
		// devops-lead's last commit, so nobody's work is lost.
		head, err := j.c.BranchHead(ctx, j.owner, j.repo, branch)
		if err != nil {
			return err
		}
		own := head == "" || head == ts.Head
		if !own {
			if own, err = j.ownCommit(ctx, head); err != nil {
				return err
			}
		}
		if !own {
			tr.Status = engine.StatusFailed
			tr.Error = fmt.Sprintf("`%s` has commits devops-lead did not make (its head is `%s`, devops-lead's last commit `%s`), and running the task again would replace them; merge or close its pull request and delete the branch first, or change it by hand", branch, short(head), short(ts.Head))
			return j.reportFailure(ctx, ts, tr) // the open PR is why: no adopting it
		}
	}
	ts.Branch = branch
	var files []github.FileChange
	for _, f := range tr.ChangeSet.Files {
		files = append(files, github.FileChange{Path: f.Path, Content: f.Content, Delete: f.Op == change.Delete})
	}
	msg := fmt.Sprintf("%s\n\n%s\n\nPlanned by devops-lead for #%d.\n\n%s", tr.Task.Title, tr.Task.Goal, j.number, commitTrailer)
	head, err := j.c.CommitFiles(ctx, j.owner, j.repo, branch, pl.base, msg, files)
	if err != nil {
		if github.IsWorkflowRefusal(err) {
			ts.Status, ts.Error = taskWorkflows, workflowRefusal(j.a.Bot, err, fmt.Sprintf("comment `/devops retry %s`", tr.Task.ID))
			return j.suggestFiles(ctx, tr, ts)
		}
		return err
	}
	ts.Head = head
	pr, created, err := j.c.EnsurePR(ctx, j.owner, j.repo, &gh.NewPullRequest{
		Title: gh.String(tr.Task.Title), Head: gh.String(branch), Base: gh.String(j.defBranch),
		Body: gh.String(prBody(j.number, st, tr, ts)), MaintainerCanModify: gh.Bool(true)})
	if err != nil {
		return err
	}
	ts.Status, ts.PR, ts.PRURL, ts.Error, ts.PRState = taskPR, pr.GetNumber(), pr.GetHTMLURL(), "", ""
	j.checkTaskPR(ctx, pr.GetNumber(), head, tr)
	if created {
		reviewers := cfg.Reviewers
		if len(reviewers) == 0 && pl.issue.Author != "" && !strings.HasSuffix(pl.issue.Author, "[bot]") {
			reviewers = []string{pl.issue.Author}
		}
		if len(reviewers) > 0 {
			if _, _, err := j.c.REST.PullRequests.RequestReviewers(ctx, j.owner, j.repo, pr.GetNumber(), gh.ReviewersRequest{Reviewers: reviewers}); err != nil {
				j.log.Warn("request reviewers", "err", err, "pr", pr.GetNumber())
			}
		}
	}
	return nil
}

// commitTrailer marks the commits devops-lead makes on task branches
// (revisions add their own trailer after it), so a job retried after a
// crash that lost the recorded head still knows the branch's head is its
// own.
const commitTrailer = "Devops-Lead-Commit: true"

// ownCommit reports whether commit carries devops-lead's trailer. Reading
// it is one call, made only when a branch's head is not the recorded one.
// A failed read is an error, not "someone else's commit".
func (j *job) ownCommit(ctx context.Context, commit string) (bool, error) {
	cm, _, err := j.c.REST.Git.GetCommit(ctx, j.owner, j.repo, commit)
	if err != nil {
		return false, fmt.Errorf("read commit %s: %w", short(commit), err)
	}
	return strings.Contains(cm.GetMessage(), commitTrailer), nil
}

// reportFailure tells the issue a task did not produce a pull request,
// then marks it failed (or skipped). The comment comes first: if posting
// it fails, the task stays as it was and the job retries, instead of a
// saved "failed" that nobody was told about.
func (j *job) reportFailure(ctx context.Context, ts *TaskState, tr engine.TaskResult) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Task `%s` (%s) did not produce a pull request: %s\n", tr.Task.ID, tr.Task.Title, tr.Error)
	for _, f := range validate.Errors(tr.Findings) {
		fmt.Fprintf(&b, "\n- `%s`", f.String())
	}
	fmt.Fprintf(&b, "\n\nNothing broken was published. Comment `/devops retry %s` to try again.", tr.Task.ID)
	if err := j.reply(ctx, "failure:"+tr.Task.ID, b.String()); err != nil {
		return err
	}
	ts.Status, ts.Error = string(tr.Status), tr.Error
	if tr.Status == engine.StatusFailed {
		ts.Status = taskFailed
	}
	return nil
}

// adoptOpenPR looks for the task's open pull request of this plan (its
// branch, with the plan's marker in the body) and, when there is one,
// records the task as done with it. It reports whether it found one.
func (j *job) adoptOpenPR(ctx context.Context, st *State, id string) (bool, error) {
	branch := fmt.Sprintf("devops-lead/%d-%s", j.number, id)
	pr, err := j.c.FindOpenPR(ctx, j.owner, j.repo, branch)
	if err != nil || pr == nil {
		return false, err
	}
	if !github.HasMarker(pr.GetBody(), fmt.Sprintf("pr:%d:%s:%s", j.number, id, st.Hash)) {
		return false, nil // another plan's, or not devops-lead's
	}
	ts := st.Tasks[id]
	ts.Status, ts.PR, ts.PRURL, ts.Error, ts.PRState, ts.Branch = taskPR, pr.GetNumber(), pr.GetHTMLURL(), "", "", branch
	if sha := pr.GetHead().GetSHA(); sha != "" {
		ts.Head = sha
	}
	j.log.Info("task failed after its pull request was opened: recorded as done", "pr", pr.GetNumber())
	return true, nil
}

// suggestFiles posts the files of a task GitHub would not let the App
// commit (workflows without the permission) as a comment on its sub-issue.
func (j *job) suggestFiles(ctx context.Context, tr engine.TaskResult, ts *TaskState) error {
	var b strings.Builder
	b.WriteString(ts.Error + " Or add the files yourself; they passed the validation gate.\n")
	for _, f := range tr.ChangeSet.Files {
		if f.Op == change.Delete {
			fmt.Fprintf(&b, "\n**Delete** `%s`\n", f.Path)
			continue
		}
		fmt.Fprintf(&b, "\n<details><summary><code>%s</code></summary>\n\n```yaml\n%s\n```\n\n</details>\n", f.Path, strings.TrimRight(string(f.Content), "\n"))
	}
	kind := "suggested:" + tr.Task.ID
	body := b.String() + "\n" + github.Marker(kind)
	number := ts.SubIssue
	if number == 0 {
		number = j.number
	}
	_, _, err := j.c.UpsertComment(ctx, j.owner, j.repo, number, j.a.Bot, kind, body)
	return err
}

func prBody(issue int, st *State, tr engine.TaskResult, ts *TaskState) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", tr.Task.Goal)
	if tr.Task.Why != "" {
		fmt.Fprintf(&b, "**Why:** %s\n\n", tr.Task.Why)
	}
	fmt.Fprintf(&b, "Part of the plan on #%d (mode `%s`, task `%s`).\n\n### Files\n\n", issue, tr.Task.Mode, tr.Task.ID)
	for _, f := range tr.ChangeSet.Files {
		add, del := f.Stat()
		fmt.Fprintf(&b, "- `%s` (%s, +%d -%d)", f.Path, f.Op, add, del)
		if f.Note != "" {
			b.WriteString(": " + f.Note)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n### Validation\n\n")
	if len(tr.Findings) == 0 {
		b.WriteString("Every file passed the devops-lead validation gate with no findings.\n")
	} else {
		b.WriteString("Every file passed the gate with no errors. Warnings and notes:\n\n")
		for _, f := range tr.Findings {
			fmt.Fprintf(&b, "- `%s`\n", f.String())
		}
	}
	if u := tr.ChangeSet.Usage; u != nil {
		fmt.Fprintf(&b, "\nThe %s model spent %d turn(s), %d input and %d output token(s) on this task.\n", u.Model, u.Turns, u.InputTokens, u.OutputTokens)
	}
	if len(tr.Task.Acceptance) > 0 {
		b.WriteString("\n### Acceptance criteria\n\n")
		for _, a := range tr.Task.Acceptance {
			b.WriteString("- [ ] " + a + "\n")
		}
	}
	if order := mergeOrder(st, tr.Task); order != "" {
		b.WriteString("\n### Merge order\n\n" + order + "\n")
	}
	if ts.SubIssue != 0 {
		fmt.Fprintf(&b, "\nCloses #%d\n", ts.SubIssue)
	}
	fmt.Fprintf(&b, "\n%s\n", github.Marker(fmt.Sprintf("pr:%d:%s:%s", issue, tr.Task.ID, st.Hash)))
	return b.String()
}

// fail reports a permanent failure on the issue and returns it.
func (j *job) fail(ctx context.Context, kind string, err error) error {
	if rerr := j.reply(ctx, "error:"+kind, fmt.Sprintf("devops-lead could not %s this issue: %v\n\nFix what it says and comment `/devops plan` to try again.", kind, err)); rerr != nil {
		return rerr
	}
	return jobs.Permanent(err)
}

// mergeOrder says which pull requests of the tasks this one depends on
// are still open: this one is based on the default branch, so what they
// add (the Dockerfile a CI workflow builds) is not in it, and its checks
// can fail until they are merged. "" when none is open.
func mergeOrder(st *State, t engine.Task) string {
	var open []string
	for _, dep := range t.DependsOn {
		ds := st.Tasks[dep]
		if ds == nil || ds.PR == 0 || ds.PRState == "merged" {
			continue
		}
		open = append(open, fmt.Sprintf("#%d (task `%s`)", ds.PR, dep))
	}
	if len(open) == 0 {
		return ""
	}
	return fmt.Sprintf("Merge %s first: this pull request is based on the default branch and uses what that one adds, so its checks can fail until it is merged; then re-run them.", strings.Join(open, " and "))
}
