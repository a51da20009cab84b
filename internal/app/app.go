// Package app is the GitHub App's work for one webhook delivery: who may
// act, which command was given, the sticky plan comment, one sub-issue per
// task, and one pull request per task through the same engine as `run`.
// Every step first looks for what it would create (a marker, a branch, an
// open pull request), so a retried job creates nothing twice.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	gh "github.com/google/go-github/v62/github"

	"github.com/devops-lead/devops-lead/internal/command"
	"github.com/devops-lead/devops-lead/internal/config"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/github"
	"github.com/devops-lead/devops-lead/internal/jobs"
	"github.com/devops-lead/devops-lead/internal/mode"
	"github.com/devops-lead/devops-lead/internal/webhook"
)

// Installations makes a fresh client for an installation (one per job).
type Installations interface {
	Installation(id int64) (*github.Client, error)
}

// App processes deliveries. It implements jobs.Processor.
type App struct {
	GitHub Installations
	// Bot is the App's own login ("devops-lead[bot]"): its events are
	// ignored and only its comments count as markers.
	Bot string
	// Brain returns the brain for a job (the built-in one by default).
	Brain func() engine.Brain
	// Enqueue queues one job per task of an applied plan (the queue's
	// EnqueueTasks).
	Enqueue func(ctx context.Context, tasks []jobs.TaskArgs) error
	Log     *slog.Logger
	// RetryWait is the first wait between the tries of a report made
	// after a job gave up (the failure comment, the plan update), which
	// nothing else retries; it doubles each try (default 1s).
	RetryWait time.Duration
}

// job is one delivery being processed.
type job struct {
	a           *App
	c           *github.Client
	d           *webhook.Delivery
	owner, repo string
	number      int
	defBranch   string
	log         *slog.Logger
}

// Process implements jobs.Processor.
func (a *App) Process(ctx context.Context, d *webhook.Delivery) error {
	log := a.Log
	if log == nil {
		log = slog.Default()
	}
	log = log.With("delivery", d.ID, "event", d.Event, "repo", d.Repo, "issue", d.Number)
	switch d.Event {
	case "installation", "installation_repositories":
		log.Info("installation event", "action", d.Action)
		return nil
	case "pull_request_review_comment":
		// Line comments arrive with their review, which is what acts.
		log.Info("review comment: handled with its review", "action", d.Action)
		return nil
	}
	// A merge or close is recorded whoever did it (a merge queue is a
	// bot); everything else a bot sends is ignored.
	if (d.SenderIsBot || d.Sender == a.Bot) && d.Event != "pull_request" {
		log.Info("ignored: sent by a bot", "sender", d.Sender)
		return nil
	}
	ev, err := gh.ParseWebHook(d.Event, d.Payload)
	if err != nil {
		return jobs.Permanent(fmt.Errorf("parse %s payload: %w", d.Event, err))
	}
	owner, repo, ok := strings.Cut(d.Repo, "/")
	if !ok {
		return jobs.Permanent(fmt.Errorf("delivery without a repository"))
	}
	c, err := a.GitHub.Installation(d.Installation)
	if err != nil {
		return jobs.Permanent(err)
	}
	j := &job{a: a, c: c, d: d, owner: owner, repo: repo, number: d.Number, log: log}
	switch e := ev.(type) {
	case *gh.IssuesEvent:
		if e.GetIssue().IsPullRequest() {
			return nil
		}
		j.defBranch = e.GetRepo().GetDefaultBranch()
		return j.onLabel(ctx, e)
	case *gh.IssueCommentEvent:
		j.defBranch = e.GetRepo().GetDefaultBranch()
		if e.GetIssue().IsPullRequest() {
			return j.onPRComment(ctx, e)
		}
		return j.onComment(ctx, e)
	case *gh.PullRequestReviewEvent:
		j.defBranch = e.GetRepo().GetDefaultBranch()
		return j.onReview(ctx, e)
	case *gh.PullRequestEvent:
		if isCheckAction(e.GetAction()) {
			if err := j.onPRCheck(ctx, e); err != nil || e.GetAction() != "reopened" {
				return err
			}
		}
		return j.onPRState(ctx, e)
	}
	log.Info("ignored event type")
	return nil
}

// GaveUp implements jobs.FailureReporter: a delivery whose job kept
// failing on transient errors is reported on its issue, once.
func (a *App) GaveUp(ctx context.Context, d *webhook.Delivery, attempts int, err error) {
	owner, repo, ok := strings.Cut(d.Repo, "/")
	if !ok || d.Number == 0 {
		return
	}
	c, cerr := a.GitHub.Installation(d.Installation)
	if cerr != nil {
		return
	}
	j := &job{a: a, c: c, d: d, owner: owner, repo: repo, number: d.Number}
	msg := fmt.Sprintf("devops-lead gave up on this request after %d attempts: %v\n\nWhatever was finished is linked in the plan comment; nothing half-made was published. Comment `/devops retry` (or `/devops plan`) to try again.", attempts, err)
	if github.IsForbidden(err) {
		msg += "\n\nGitHub refused a permission devops-lead needs: it must be able to write contents, issues and pull requests in this repository (the App's permissions, or the workflow's `permissions:` for the Action)."
	}
	report := func(ctx context.Context) error { return j.reply(ctx, "gave-up:"+d.ID, msg) }
	if rerr := a.settle(ctx, "the failure comment", report); rerr != nil && a.Log != nil {
		a.Log.Error("report the failure on the issue", "delivery", d.ID, "err", rerr)
	}
	if rerr := a.settle(ctx, "queue the plan's tasks", j.requeue); rerr != nil && a.Log != nil {
		a.Log.Error("queue the plan's waiting tasks", "delivery", d.ID, "err", rerr)
	}
}

// requeue queues a job for every task the plan comment shows as queued:
// a job that saved the plan and then gave up (queueing failed, or a later
// step) must not leave tasks waiting for a job that does not exist.
// Queueing is unique per task and run, and a task job whose task has
// already ended does nothing, so a task queued twice runs once.
func (j *job) requeue(ctx context.Context) error {
	if j.a.Enqueue == nil {
		return nil
	}
	st, _, err := j.state(ctx)
	if err != nil || st == nil || !st.Applied || st.Cancelled {
		return err
	}
	var payload struct {
		Repository struct {
			DefaultBranch string `json:"default_branch"`
		} `json:"repository"`
	}
	_ = json.Unmarshal(j.d.Payload, &payload) // without it "": the default branch
	var queue []jobs.TaskArgs
	for _, t := range st.Plan.Tasks {
		if ts := st.Tasks[t.ID]; ts != nil && ts.Status == taskQueued {
			queue = append(queue, jobs.TaskArgs{Installation: j.d.Installation, Repo: j.owner + "/" + j.repo, Issue: j.number,
				DefaultBranch: payload.Repository.DefaultBranch, Task: t.ID, Hash: st.Hash, Run: j.d.ID})
		}
	}
	if len(queue) == 0 {
		return nil
	}
	return j.a.Enqueue(ctx, queue)
}

func (j *job) onLabel(ctx context.Context, e *gh.IssuesEvent) error {
	cfg, err := j.config(ctx)
	if err != nil {
		return err
	}
	if e.GetLabel().GetName() != cfg.TriggerLabel {
		j.log.Info("ignored label", "label", e.GetLabel().GetName())
		return nil
	}
	if ok, err := j.mayAct(ctx, e.GetSender().GetLogin()); err != nil || !ok {
		return err
	}
	issue := issueOf(e.GetIssue())
	if cfg.RequireApproval {
		_, err := j.plan(ctx, cfg, issue, "")
		return err
	}
	return j.apply(ctx, cfg, issue, nil)
}

// command reads a comment as a `/devops` command. It returns nil, nil
// for an ordinary comment, and for a command it may not act on (the
// sender lacks write access, which mayAct answers) or cannot parse (the
// usage is the answer); otherwise it marks the comment with 👀.
func (j *job) command(ctx context.Context, e *gh.IssueCommentEvent) (*command.Command, error) {
	cmd, perr := command.Parse(e.GetComment().GetBody())
	if cmd == nil && perr == nil {
		return nil, nil
	}
	commentID := e.GetComment().GetID()
	sender := e.GetSender().GetLogin()
	if ok, err := j.mayAct(ctx, sender); err != nil || !ok {
		return nil, err
	}
	if err := j.c.React(ctx, j.owner, j.repo, j.number, commentID, "eyes"); err != nil {
		return nil, err
	}
	if perr != nil {
		var ce *command.Error
		msg := perr.Error()
		if errors.As(perr, &ce) {
			msg = ce.Msg + "\n\n" + ce.Usage
		}
		return nil, j.reply(ctx, fmt.Sprintf("usage:%d", commentID), "@"+sender+" "+msg)
	}
	return cmd, nil
}

func (j *job) onComment(ctx context.Context, e *gh.IssueCommentEvent) error {
	cmd, err := j.command(ctx, e)
	if cmd == nil || err != nil {
		return err
	}
	commentID := e.GetComment().GetID()
	sender := e.GetSender().GetLogin()
	cfg, err := j.config(ctx)
	if err != nil {
		return err
	}
	issue := issueOf(e.GetIssue())
	switch cmd.Name {
	case command.Help:
		return j.reply(ctx, fmt.Sprintf("help:%d", commentID), command.Usage)
	case command.Revise:
		return j.reply(ctx, fmt.Sprintf("revise:%d", commentID), "@"+sender+" `/devops revise` works on a pull request devops-lead opened: comment it there, or request changes in a review.")
	case command.Plan:
		_, err := j.plan(ctx, cfg, issue, cmd.Instructions)
		return err
	case command.Apply:
		return j.apply(ctx, cfg, issue, nil)
	case command.Retry:
		st, _, err := j.state(ctx)
		if err != nil {
			return err
		}
		if st == nil || !st.Applied {
			return j.reply(ctx, fmt.Sprintf("retry:%d", commentID), "There is nothing to retry yet: comment `/devops apply` first.")
		}
		only := map[string]bool{}
		for id, ts := range st.Tasks {
			if cmd.Task == id || cmd.Task == "" && (ts.Status == taskFailed || ts.Status == taskSkipped || ts.Status == taskWorkflows || ts.PRState == prClosed) {
				only[id] = true
			}
		}
		if cmd.Task != "" && !only[cmd.Task] {
			return j.reply(ctx, fmt.Sprintf("retry:%d", commentID), fmt.Sprintf("The plan has no task `%s`.", cmd.Task))
		}
		if len(only) == 0 {
			return j.reply(ctx, fmt.Sprintf("retry:%d", commentID), "No task has failed: nothing to retry.")
		}
		return j.apply(ctx, cfg, issue, only)
	case command.Status:
		st, _, err := j.state(ctx)
		if err != nil {
			return err
		}
		return j.reply(ctx, "status", statusText(st))
	case command.Cancel:
		st, _, err := j.state(ctx)
		if err != nil {
			return err
		}
		if st == nil {
			return j.reply(ctx, fmt.Sprintf("cancel:%d", commentID), "There is no plan to cancel.")
		}
		st.Cancelled = true
		return j.savePlan(ctx, st)
	}
	return nil
}

// mayAct checks the sender has write access; others get one polite reply.
func (j *job) mayAct(ctx context.Context, login string) (bool, error) {
	role, err := j.c.Permission(ctx, j.owner, j.repo, login)
	if err != nil {
		return false, err
	}
	if github.CanWrite(role) {
		return true, nil
	}
	j.log.Info("refused: no write access", "sender", login, "role", role)
	return false, j.reply(ctx, "refusal:"+login, fmt.Sprintf(
		"Thanks, @%s. Only people with write access to this repository can ask devops-lead to act, so I have not done anything. A maintainer can add the label or comment `/devops plan`.", login))
}

// reply posts a comment once per kind (a retried job edits, never adds).
func (j *job) reply(ctx context.Context, kind, text string) error {
	_, _, err := j.c.UpsertComment(ctx, j.owner, j.repo, j.number, j.a.Bot, kind, text+"\n\n"+github.Marker(kind))
	return err
}

// config reads .github/devops-lead.yml from the default branch; a bad
// file is reported on the issue, pointing at the line, and stops the job.
func (j *job) config(ctx context.Context) (*config.Repo, error) {
	cfg, err := j.loadConfig(ctx)
	if isConfigError(err) {
		msg := fmt.Sprintf("The configuration in `%s` on `%s` has problems, so I have not acted:\n\n```\n%s\n```\n\nFix them and comment `/devops plan` again.",
			config.RepoPath, j.defBranch, err)
		if rerr := j.reply(ctx, "config-error", msg); rerr != nil {
			return nil, rerr
		}
		return nil, jobs.Permanent(err)
	}
	return cfg, err
}

// configError is a configuration file that does not parse or validate.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

func isConfigError(err error) bool {
	var ce *configError
	return errors.As(err, &ce)
}

// loadConfig reads .github/devops-lead.yml from the default branch, never
// from a pull request's head; a bad file is a *configError.
func (j *job) loadConfig(ctx context.Context) (*config.Repo, error) {
	fc, _, _, err := j.c.REST.Repositories.GetContents(ctx, j.owner, j.repo, config.RepoPath, &gh.RepositoryContentGetOptions{Ref: j.defBranch})
	if github.IsNotFound(err) {
		return config.DefaultRepo(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", config.RepoPath, err)
	}
	text, err := fc.GetContent()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", config.RepoPath, err)
	}
	known := func(slug string) bool { return true }
	if reg, err := mode.Default(); err == nil {
		known = func(slug string) bool { m := reg.Get(slug); return m != nil && m.Level == mode.LevelSpecialist }
	}
	cfg, err := config.ParseRepo([]byte(text), known)
	if err != nil {
		return nil, &configError{err}
	}
	return cfg, nil
}

func issueOf(is *gh.Issue) engine.Issue {
	var labels []string
	for _, l := range is.Labels {
		labels = append(labels, l.GetName())
	}
	return engine.Issue{Number: is.GetNumber(), Title: is.GetTitle(), Body: is.GetBody(), Author: is.GetUser().GetLogin(),
		Labels: labels, URL: is.GetHTMLURL()}
}

func statusText(st *State) string {
	if st == nil {
		return "There is no plan yet: comment `/devops plan`."
	}
	var b strings.Builder
	b.WriteString("### devops-lead status\n\n")
	if st.Cancelled {
		b.WriteString("Cancelled.\n\n")
	}
	ordered, _ := engine.Order(st.Plan.Tasks)
	for _, t := range ordered {
		ts := st.Tasks[t.ID]
		status := taskPlanned
		if ts != nil {
			status = ts.Status
			if ts.PR != 0 {
				status = fmt.Sprintf("pull request #%d%s", ts.PR, revised(ts))
			}
			if ts.Error != "" {
				status += ": " + ts.Error
			}
		}
		fmt.Fprintf(&b, "- `%s` %s: %s\n", t.ID, t.Title, status)
	}
	return b.String()
}
