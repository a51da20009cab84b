package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"

	gh "github.com/google/go-github/v62/github"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/command"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/github"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// The review loop: a reviewer with write access who requests changes on a
// task's pull request, or comments `/devops revise <what to change>` on
// it, gets the task run again with what they asked for, on the plan's
// snapshot, through the same gate. What differs from the pull request is
// added as one new commit on top of its branch (never a force-push), and a
// reply says what changed. A branch someone else pushed to is not touched.

// rePRMarker finds the marker prBody leaves in a task's pull request.
var rePRMarker = regexp.MustCompile(`<!-- devops-lead:pr:([0-9]+):([a-z0-9][a-z0-9._-]*):([0-9a-f]+) -->`)

// prTask is the task a devops-lead pull request belongs to.
type prTask struct {
	issue  int
	task   string
	number int    // the pull request
	branch string // its head branch
}

// taskOf reads which task a pull request is, from the marker in its body
// and its head branch, which must be the task's branch in this
// repository.
func (j *job) taskOf(pr *gh.PullRequest) (prTask, bool) {
	m := rePRMarker.FindStringSubmatch(pr.GetBody())
	if m == nil {
		return prTask{}, false
	}
	issue, err := strconv.Atoi(m[1])
	if err != nil {
		return prTask{}, false
	}
	branch := fmt.Sprintf("devops-lead/%d-%s", issue, m[2])
	head := pr.GetHead()
	if head.GetRef() != branch || head.GetRepo().GetFullName() != j.owner+"/"+j.repo {
		return prTask{}, false
	}
	return prTask{issue: issue, task: m[2], number: pr.GetNumber(), branch: branch}, true
}

// onReview handles a submitted review of a pull request: one that
// requests changes, or whose body is a `/devops revise` command, revises
// the task with the review's body and line comments as feedback.
func (j *job) onReview(ctx context.Context, e *gh.PullRequestReviewEvent) error {
	rv := e.GetReview()
	if e.GetAction() != "submitted" {
		j.log.Info("review event ignored", "action", e.GetAction())
		return nil
	}
	body := rv.GetBody()
	cmd, _ := command.Parse(body)
	switch {
	case strings.EqualFold(rv.GetState(), "changes_requested"):
	case cmd != nil && cmd.Name == command.Revise:
		body = cmd.Instructions
	default:
		j.log.Info("review asks for no changes", "state", rv.GetState())
		return nil
	}
	target, ok := j.taskOf(e.GetPullRequest())
	if !ok {
		j.log.Info("review of a pull request devops-lead did not open")
		return nil
	}
	sender := e.GetSender().GetLogin()
	if ok, err := j.mayAct(ctx, sender); err != nil || !ok {
		return err
	}
	var fb []engine.Feedback
	if strings.TrimSpace(body) != "" {
		fb = append(fb, engine.Feedback{Author: sender, Body: body})
	}
	comments, err := j.c.ReviewComments(ctx, j.owner, j.repo, target.number, rv.GetID())
	if err != nil {
		return err
	}
	for _, c := range comments {
		fb = append(fb, engine.Feedback{Author: c.Author, Path: c.Path, Line: c.Line, Body: c.Body})
	}
	return j.revise(ctx, target, fb, sender, fmt.Sprintf("revised:review:%d", rv.GetID()))
}

// onPRState records that a task's pull request was merged, closed or
// reopened, so the plan comment and /devops status say so and `/devops
// retry` opens a new one for a closed task.
func (j *job) onPRState(ctx context.Context, e *gh.PullRequestEvent) error {
	target, ok := j.taskOf(e.GetPullRequest())
	if !ok {
		return nil
	}
	state := ""
	switch {
	case e.GetAction() == "closed" && e.GetPullRequest().GetMerged():
		state = prMerged
	case e.GetAction() == "closed":
		state = prClosed
	}
	ij := *j
	ij.number = target.issue
	st, _, err := ij.state(ctx)
	if err != nil || st == nil {
		return err
	}
	ts := st.Tasks[target.task]
	if ts == nil || ts.PR != target.number || ts.PRState == state {
		return nil // another pull request of the task, or nothing new
	}
	ts.PRState = state
	j.log.Info("task pull request state", "task", target.task, "state", state)
	return ij.savePlan(ctx, st)
}

// onPRComment handles a `/devops` command on a pull request: revise and
// help work there; the others belong on the issue.
func (j *job) onPRComment(ctx context.Context, e *gh.IssueCommentEvent) error {
	cmd, err := j.command(ctx, e)
	if cmd == nil || err != nil {
		return err
	}
	sender := e.GetSender().GetLogin()
	kind := fmt.Sprintf("revise:%d", e.GetComment().GetID())
	pr, _, err := j.c.REST.PullRequests.Get(ctx, j.owner, j.repo, j.number)
	if err != nil {
		return fmt.Errorf("read pull request #%d: %w", j.number, err)
	}
	target, ours := j.taskOf(pr)
	switch {
	case cmd.Name == command.Help:
		return j.reply(ctx, kind, command.Usage)
	case !ours:
		return j.reply(ctx, kind, "@"+sender+" this pull request was not opened by devops-lead for a task, so there is nothing for `/devops` to do here. Commands work on the issue that asked for the work.")
	case cmd.Name != command.Revise:
		return j.reply(ctx, kind, fmt.Sprintf("@%s `/devops %s` works on the issue, #%d. On this pull request, comment `/devops revise <what to change>` or request changes in a review.", sender, cmd.Name, target.issue))
	case strings.TrimSpace(cmd.Instructions) == "":
		return j.reply(ctx, kind, "@"+sender+" say what to change, for example `/devops revise add autoscaling`.")
	}
	fb := []engine.Feedback{{Author: sender, Body: cmd.Instructions}}
	return j.revise(ctx, target, fb, sender, kind)
}

// revise runs the task again with the feedback and commits what changed
// on top of the pull request's branch. kind marks the reply, so a retried
// job neither commits nor replies twice.
func (j *job) revise(ctx context.Context, target prTask, fb []engine.Feedback, sender, kind string) error {
	if c, err := j.c.FindComment(ctx, j.owner, j.repo, target.number, j.a.Bot, kind); err != nil {
		return err
	} else if c != nil {
		return nil // done before
	}
	say := func(text string) error { return j.reply(ctx, kind, "@"+sender+" "+text) }
	ij := *j // the job on the issue, which holds the plan
	ij.number = target.issue
	ij.log = j.log.With("plan_issue", target.issue, "task", target.task)
	st, _, err := ij.state(ctx)
	if err != nil {
		return err
	}
	if st == nil || st.Plan == nil {
		return say(fmt.Sprintf("the plan of #%d is gone (its plan comment was deleted), so I cannot revise this pull request. Comment `/devops plan` on the issue to start again.", target.issue))
	}
	ts := st.Tasks[target.task]
	var t engine.Task
	for _, pt := range st.Plan.Tasks {
		if pt.ID == target.task {
			t = pt
		}
	}
	if ts == nil || t.ID == "" || ts.PR != target.number || ts.Branch != target.branch {
		return say(fmt.Sprintf("this pull request is no longer the one of task `%s` in the plan on #%d, so I have not changed it.", target.task, target.issue))
	}
	if len(fb) == 0 {
		return say("the review has no comments to act on: say what to change in its body or on the lines it is about.")
	}
	head, err := j.c.BaseOf(ctx, j.owner, j.repo, target.branch)
	if err != nil {
		return err
	}
	cm, _, err := j.c.REST.Git.GetCommit(ctx, j.owner, j.repo, head.Commit)
	if err != nil {
		return fmt.Errorf("read the head of %s: %w", target.branch, err)
	}
	if strings.Contains(cm.GetMessage(), revisionTrailer(kind)) {
		// This revision's own commit, made before a crash kept the state
		// or the reply from being saved: finish those, commit nothing.
		ij.log.Info("the revision's commit landed before; finishing", "commit", head.Commit)
		reply := func() error { return say(fmt.Sprintf("revised this pull request in %s.", short(head.Commit))) }
		if ts.Head == head.Commit {
			return reply()
		}
		return ij.recordRevision(ctx, target, head.Commit, fb, reply)
	}
	if ts.Head != "" && head.Commit != ts.Head {
		return say(fmt.Sprintf("`%s` has commits devops-lead did not make (its head is `%s`, devops-lead's last commit `%s`), so I have not revised it: devops-lead never builds over other people's commits. Make the change on the branch yourself, or close this pull request and comment `/devops retry %s` on #%d for a fresh one.",
			target.branch, short(head.Commit), short(ts.Head), target.task, target.issue))
	}
	cfg, err := ij.config(ctx)
	if err != nil {
		return err
	}
	is, _, err := j.c.REST.Issues.Get(ctx, j.owner, j.repo, target.issue)
	if err != nil {
		return fmt.Errorf("read issue #%d: %w", target.issue, err)
	}
	pl, err := ij.makePlanAt(ctx, cfg, issueOf(is), st.Instructions, st.Base)
	if err != nil {
		return err
	}
	if planHash(pl.plan) != st.Hash {
		return say(fmt.Sprintf("the request on #%d changed since its plan was applied, so this pull request no longer matches it. Comment `/devops plan` there, review, then `/devops apply`.", target.issue))
	}
	deps, err := ij.depChanges(ctx, pl, st, t)
	if err != nil {
		return err
	}
	current, err := ij.branchChangeSet(ctx, pl, target.branch, t.ID, t.Mode)
	if err != nil {
		return err
	}
	ij.log.Info("revising the task for its reviewers", "feedback", len(fb))
	var earlier []engine.Feedback
	for _, a := range ts.Asked {
		earlier = append(earlier, engine.Feedback{Author: "reviewer", Body: a, Earlier: true})
	}
	tr := pl.eng.ReviseTask(ctx, pl.issue, pl.plan, pl.repo, pl.ws, t, deps, current, append(earlier, fb...))
	if rerr := pl.ws.Err(); rerr != nil {
		return fmt.Errorf("revise task %s: %w", t.ID, rerr) // a file was missing from what it saw: retry
	}
	if tr.Status != engine.StatusDone && tr.Status != engine.StatusNoop {
		var b strings.Builder
		fmt.Fprintf(&b, "I could not revise task `%s` as asked: %s", t.ID, tr.Error)
		for _, f := range validate.Errors(tr.Findings) {
			fmt.Fprintf(&b, "\n- `%s`", f.String())
		}
		b.WriteString("\n\nThe pull request is unchanged.")
		return say(b.String())
	}
	files, err := changedFrom(current, tr.ChangeSet, pl.ws)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		msg := "nothing changed: the revised task writes the same files as this pull request."
		if pl.eng.Brain.Name() == "builtin" {
			msg += " The built-in brain acts on what its lead understands in a request (for example \"add autoscaling\", \"use kustomize overlays\", \"add an ingress\", \"use ECS\") and on the review instructions in docs/review-loop.md; for other changes, edit the branch yourself or set GEMINI_API_KEY to use the Gemini brain."
		}
		if tr.ChangeSet != nil && len(tr.ChangeSet.Notes) > 0 {
			msg += "\n" + notesText(tr.ChangeSet.Notes)
		}
		return say(msg)
	}
	msg := fmt.Sprintf("Revise %s for the review\n\nRequested by @%s on #%d; devops-lead task %s of #%d.\n\n%s", t.Title, sender, target.number, t.ID, target.issue, revisionTrailer(kind))
	sha, err := j.c.AppendCommit(ctx, j.owner, j.repo, target.branch, head, msg, files)
	if err != nil {
		if github.IsWorkflowRefusal(err) {
			return say(workflowRefusal(j.a.Bot, err, "ask again") + " The pull request is unchanged. " + describeFiles(files))
		}
		return err
	}
	j.checkTaskPR(ctx, target.number, sha, tr)
	return ij.recordRevision(ctx, target, sha, fb, func() error {
		return say(revisedText(sha, files, tr))
	})
}

// revisionTrailer marks a revision's commit with the reply it answers, so
// a retried job recognises a commit it made before a crash.
func revisionTrailer(kind string) string { return commitTrailer + "\nDevops-Lead-Revision: " + kind }

// recordRevision records the branch's new head in the plan state, on a
// fresh read so a task job that saved it meanwhile is not undone, then
// replies.
func (j *job) recordRevision(ctx context.Context, target prTask, sha string, fb []engine.Feedback, reply func() error) error {
	st, _, err := j.state(ctx)
	if err != nil {
		return err
	}
	if st == nil {
		return reply()
	}
	if ts := st.Tasks[target.task]; ts != nil {
		ts.Head = sha
		ts.Revisions++
		ts.remember(fb)
	}
	if err := j.savePlan(ctx, st); err != nil {
		return err
	}
	return reply()
}

// revisedText is the reply to a revision: its commit, files and findings.
func revisedText(sha string, files []github.FileChange, tr engine.TaskResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "revised this pull request in %s:\n\n", short(sha))
	for _, f := range files {
		if f.Delete {
			fmt.Fprintf(&b, "- `%s` deleted\n", f.Path)
			continue
		}
		fmt.Fprintf(&b, "- `%s`\n", f.Path)
	}
	if len(tr.Findings) == 0 {
		b.WriteString("\nEvery file passed the devops-lead validation gate with no findings.")
	} else {
		b.WriteString("\nEvery file passed the gate with no errors. Warnings and notes:\n")
		for _, f := range tr.Findings {
			fmt.Fprintf(&b, "\n- `%s`", f.String())
		}
	}
	if len(tr.ChangeSet.Notes) > 0 {
		b.WriteString("\n" + notesText(tr.ChangeSet.Notes))
	}
	if u := tr.ChangeSet.Usage; u != nil {
		fmt.Fprintf(&b, "\n\nThe %s model spent %d turn(s), %d input and %d output token(s) on this revision.", u.Model, u.Turns, u.InputTokens, u.OutputTokens)
	}
	return b.String()
}

// notesText renders the brain's notes on a revision (what it did for the
// review and what it did not) as a list.
func notesText(notes []string) string {
	var b strings.Builder
	for _, n := range notes {
		fmt.Fprintf(&b, "\n- %s", n)
	}
	return b.String()
}

// changedFrom lists what turns the pull request's files (cur, relative to
// the plan's snapshot base) into the revised task's (next): files added or
// changed, and the pull request's files the revision no longer writes
// put back as they are in base (deleted when base has none).
func changedFrom(cur, next *change.ChangeSet, base fs.FS) ([]github.FileChange, error) {
	var out []github.FileChange
	seen := map[string]bool{}
	for _, f := range next.Files {
		seen[f.Path] = true
		old := cur.Get(f.Path)
		switch {
		case f.Op == change.Delete:
			if old == nil || old.Op != change.Delete {
				out = append(out, github.FileChange{Path: f.Path, Delete: true})
			}
		case old == nil || old.Op == change.Delete || string(old.Content) != string(f.Content):
			out = append(out, github.FileChange{Path: f.Path, Content: f.Content})
		}
	}
	for _, f := range cur.Files {
		if seen[f.Path] {
			continue
		}
		orig, err := fs.ReadFile(base, f.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if f.Op != change.Delete {
				out = append(out, github.FileChange{Path: f.Path, Delete: true})
			}
		case err != nil:
			return nil, fmt.Errorf("read %s at the plan's commit: %w", f.Path, err)
		case f.Op == change.Delete || string(f.Content) != string(orig):
			out = append(out, github.FileChange{Path: f.Path, Content: orig})
		}
	}
	return out, nil
}

// describeFiles names files for a message.
func describeFiles(files []github.FileChange) string {
	var names []string
	for _, f := range files {
		names = append(names, "`"+f.Path+"`")
	}
	return "The revision would change " + strings.Join(names, ", ") + "."
}
