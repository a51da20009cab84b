package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/devops-lead/devops-lead/internal/app"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/github"
	"github.com/devops-lead/devops-lead/internal/jobs"
	"github.com/devops-lead/devops-lead/internal/webhook"
)

const actionSynopsis = `action

Runs devops-lead as a step of a GitHub Actions workflow (the entrypoint of
the repository's action.yml). It handles the one event that started the
run, in this process, with no database and no queue: an issue labeled with
the trigger label, or a /devops command comment (on a pull_request
event, the devops-lead/validate check run: docs/checks.md). It plans, opens a
sub-issue and a pull request per task in plan order, prints progress to
stderr and writes a job summary. docs/action.md has the workflow to copy.

Environment (GitHub Actions sets all but the inputs):
  GITHUB_EVENT_NAME, GITHUB_EVENT_PATH  the event and its JSON payload
  GITHUB_REPOSITORY, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT
  GITHUB_API_URL        default https://api.github.com
  GITHUB_STEP_SUMMARY   the job summary file (optional)
  GITHUB_OUTPUT         the step outputs file (optional): plan-url,
                        pull-requests (JSON), tasks (JSON), questions,
                        conclusion, exit-code
  INPUT_GITHUB-TOKEN    the github-token input; else GITHUB_TOKEN
  INPUT_BOT-LOGIN       the login the token acts as (default github-actions[bot])
  INPUT_GEMINI-API-KEY  the gemini-api-key input; else GEMINI_API_KEY;
                        without either, the built-in brain

Exit codes: 0 done or nothing to do, 1 the work failed, 2 bad usage or
environment.`

func init() {
	register(&command{name: "action", summary: "run one GitHub Actions event (the GitHub Action's entrypoint)", run: cmdAction})
}

// defaultActionBot is the login GITHUB_TOKEN acts as.
const defaultActionBot = "github-actions[bot]"

// How often the action tries one step (the event, or one task) on
// transient errors, and the first wait between tries (doubled each time).
// Tests shorten the wait.
var (
	actionAttempts = 3
	actionBackoff  = 2 * time.Second
)

// actionEnv is what the action reads from the Actions environment.
type actionEnv struct {
	event, eventPath, repo string
	deliveryID             string
	apiURL                 string
	token                  string // never printed
	bot                    string
	geminiKey              string // never printed
	summaryPath            string
}

// actionEnvFrom reads the environment; a missing variable is an error that
// names it and says what to set.
func actionEnvFrom(getenv func(string) string) (*actionEnv, error) {
	first := func(names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(getenv(n)); v != "" {
				return v
			}
		}
		return ""
	}
	e := &actionEnv{
		event:       first("GITHUB_EVENT_NAME"),
		eventPath:   first("GITHUB_EVENT_PATH"),
		repo:        first("GITHUB_REPOSITORY"),
		apiURL:      first("GITHUB_API_URL"),
		token:       first("INPUT_GITHUB-TOKEN", "INPUT_GITHUB_TOKEN", "GITHUB_TOKEN"),
		bot:         first("INPUT_BOT-LOGIN", "INPUT_BOT_LOGIN"),
		geminiKey:   first("INPUT_GEMINI-API-KEY", "INPUT_GEMINI_API_KEY", "GEMINI_API_KEY"),
		summaryPath: first("GITHUB_STEP_SUMMARY"),
	}
	const inActions = "GitHub Actions sets it: run devops-lead action as a workflow step, see docs/action.md"
	switch {
	case e.event == "":
		return nil, fmt.Errorf("GITHUB_EVENT_NAME is not set: set it to the event's name (%s)", inActions)
	case e.eventPath == "":
		return nil, fmt.Errorf("GITHUB_EVENT_PATH is not set: set it to the file holding the event's JSON payload (%s)", inActions)
	case e.repo == "":
		return nil, fmt.Errorf("GITHUB_REPOSITORY is not set: set it to owner/name (%s)", inActions)
	case e.token == "":
		return nil, errors.New("no GitHub token: set the action's github-token input (its default is ${{ github.token }}) or GITHUB_TOKEN")
	}
	run := first("GITHUB_RUN_ID")
	if run == "" {
		return nil, fmt.Errorf("GITHUB_RUN_ID is not set: set it to the workflow run's id (%s)", inActions)
	}
	attempt := first("GITHUB_RUN_ATTEMPT")
	if attempt == "" {
		attempt = "1"
	}
	e.deliveryID = "action-" + run + "-" + attempt
	if e.apiURL == "" {
		e.apiURL = github.DefaultAPIURL
	}
	if e.bot == "" {
		e.bot = defaultActionBot
	}
	return e, nil
}

// readEvent reads the event payload, at most webhook.MaxBody bytes.
func readEvent(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("GITHUB_EVENT_PATH: %w; point it at the event's JSON payload", err)
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, webhook.MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("GITHUB_EVENT_PATH: read %s: %w", path, err)
	}
	if len(body) > webhook.MaxBody {
		return nil, fmt.Errorf("GITHUB_EVENT_PATH: %s is over GitHub's 25 MB payload limit", path)
	}
	return body, nil
}

func cmdAction(env *Env, args []string) int {
	fs := newFlags(env, "action", actionSynopsis)
	if code, done := parseFlags(env, fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageErr(env, fs, "takes no arguments")
	}
	out := &actionOutputs{}
	code := actionMain(env, out)
	if path := strings.TrimSpace(env.Getenv("GITHUB_OUTPUT")); path != "" {
		if err := writeActionOutputs(path, out, code); err != nil {
			fmt.Fprintf(env.Stderr, "devops-lead: step outputs not written: %v\n", err)
		}
	}
	return code
}

// actionMain handles the event and fills out for the step outputs.
func actionMain(env *Env, out *actionOutputs) int {
	fail := func(err error) int {
		fmt.Fprintf(env.Stderr, "devops-lead action: %v\n", err)
		return exitUsage
	}
	ae, err := actionEnvFrom(env.Getenv)
	if err != nil {
		return fail(err)
	}
	body, err := readEvent(ae.eventPath)
	if err != nil {
		return fail(err)
	}
	d, err := webhook.FromPayload(ae.deliveryID, ae.event, body)
	if err != nil {
		return fail(fmt.Errorf("GITHUB_EVENT_PATH %s: %w; point it at the event's JSON payload", ae.eventPath, err))
	}
	if d.Repo == "" {
		d.Repo = ae.repo
	}
	what := d.Event
	if d.Action != "" {
		what += "/" + d.Action
	}
	if !webhook.Routed(d.Event, d.Action) || (d.Event != "issues" && d.Event != "issue_comment" && d.Event != "pull_request_review" && d.Event != "pull_request") {
		fmt.Fprintf(env.Stderr, "devops-lead: nothing to do for %s\n", what)
		out.conclusion = "nothing-to-do"
		return exitOK
	}
	if (d.SenderIsBot || d.Sender == ae.bot) && d.Event != "pull_request" {
		fmt.Fprintf(env.Stderr, "devops-lead: nothing to do for %s: sent by %s, a bot\n", what, d.Sender)
		out.conclusion = "nothing-to-do"
		return exitOK
	}
	c, err := github.TokenClient(ae.token, ae.apiURL)
	if err != nil {
		return fail(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	base := slog.New(slog.NewTextHandler(env.Stderr, nil))
	r := &actionRun{env: env, d: d, what: what, summaryPath: ae.summaryPath, out: out,
		log: base.With("delivery", d.ID, "repo", d.Repo, "issue", d.Number)}
	r.app = &app.App{GitHub: tokenInstallations{c}, Bot: ae.bot, Log: base,
		Brain: appBrain(ctx, ae.geminiKey, base), Enqueue: r.enqueue}
	code := r.run(ctx)
	if strings.TrimSpace(env.Getenv("GITHUB_OUTPUT")) != "" {
		r.collectOutputs(ctx, c, ae.bot)
	}
	return code
}

// tokenInstallations is the App's Installations for a static token: every
// installation id gets the token's client.
type tokenInstallations struct{ c *github.Client }

// Installation implements app.Installations; the id is ignored.
func (t tokenInstallations) Installation(int64) (*github.Client, error) { return t.c, nil }

// actionProcessor is what the action needs of *app.App.
type actionProcessor interface {
	Process(ctx context.Context, d *webhook.Delivery) error
	GaveUp(ctx context.Context, d *webhook.Delivery, attempts int, err error)
	ProcessTask(ctx context.Context, ta jobs.TaskArgs) error
	TaskGaveUp(ctx context.Context, ta jobs.TaskArgs, attempts int, err error)
	LoadState(ctx context.Context, installation int64, repo string, issue int) (*app.State, error)
}

// actionRun processes one event and the tasks it queues, in process.
type actionRun struct {
	env         *Env
	app         actionProcessor
	d           *webhook.Delivery
	what        string // "issue_comment/created"
	log         *slog.Logger
	summaryPath string
	out         *actionOutputs // the step outputs, filled after the run

	queue []jobs.TaskArgs // what App.Enqueue handed over, in plan order
	state *app.State      // the plan state, as last read
}

// enqueue is the App's Enqueue: the tasks run in this process after
// Process returns. A task queued twice (the event retried) runs once.
func (r *actionRun) enqueue(_ context.Context, tasks []jobs.TaskArgs) error {
	for _, t := range tasks {
		dup := false
		for _, q := range r.queue {
			dup = dup || q.Task == t.Task && q.Hash == t.Hash
		}
		if !dup {
			r.queue = append(r.queue, t)
		}
	}
	return nil
}

// permissionHint says what to change when GitHub refused the token a
// permission, the usual first-run mistake.
func (r *actionRun) permissionHint(err error) {
	if github.IsForbidden(err) && !github.IsWorkflowRefusal(err) {
		r.progress("GitHub refused the token (403): give the job `permissions: contents: write, issues: write, pull-requests: write`, or pass a token that has them as github-token (docs/action.md)")
	}
}

func (r *actionRun) progress(format string, args ...any) {
	fmt.Fprintf(r.env.Stderr, "devops-lead: "+format+"\n", args...)
}

func (r *actionRun) run(ctx context.Context) int {
	r.progress("%s on %s#%d by %s", r.what, r.d.Repo, r.d.Number, r.d.Sender)
	attempts, err := r.try(ctx, "the event", func() error { return r.app.Process(ctx, r.d) })
	if err != nil {
		if !jobs.IsPermanent(err) && ctx.Err() == nil {
			r.app.GaveUp(ctx, r.d, attempts, err)
		}
		r.progress("failed: %v", err)
		r.permissionHint(err)
		r.loadState(ctx)
		r.writeSummary(err)
		return exitFail
	}
	r.loadState(ctx)
	failed := r.runTasks(ctx)
	if ctx.Err() != nil {
		r.progress("stopped: %v; comment `/devops apply` to finish the queued tasks", ctx.Err())
		r.writeSummary(ctx.Err())
		return exitFail
	}
	r.writeSummary(nil)
	if failed > 0 {
		r.progress("%d task(s) failed; the issue says why", failed)
		return exitFail
	}
	r.progress("done")
	return exitOK
}

// runTasks runs the queued tasks in plan order until none is left; a task
// whose dependencies have not finished waits for the next round. It
// returns how many tasks failed.
func (r *actionRun) runTasks(ctx context.Context) int {
	failed := 0
	started := map[string]bool{}
	pending := r.queue
	for len(pending) > 0 && ctx.Err() == nil {
		var waiting []jobs.TaskArgs
		for _, ta := range pending {
			if ctx.Err() != nil {
				return failed
			}
			if !started[ta.Task] {
				started[ta.Task] = true
				r.progress("task %s started: %s", ta.Task, r.taskTitle(ta.Task))
			}
			attempts, err := r.try(ctx, "task "+ta.Task, func() error { return r.app.ProcessTask(ctx, ta) })
			if errors.Is(err, jobs.ErrNotYet) {
				waiting = append(waiting, ta)
				continue
			}
			if err != nil {
				if ctx.Err() != nil {
					return failed
				}
				r.permissionHint(err)
				r.app.TaskGaveUp(ctx, ta, attempts, err)
			}
			if !r.reportTask(ctx, ta.Task) {
				failed++
			}
		}
		if len(waiting) == len(pending) {
			// Nothing ran this round: what they wait for will not run here.
			for _, ta := range waiting {
				r.app.TaskGaveUp(ctx, ta, 1, errors.New("the tasks it depends on did not finish in this workflow run"))
				r.reportTask(ctx, ta.Task)
				failed++
			}
			return failed
		}
		pending = waiting
	}
	return failed
}

// reportTask prints how a task ended, from the plan state, and reports
// whether it is not a failure.
func (r *actionRun) reportTask(ctx context.Context, id string) bool {
	r.loadState(ctx)
	var ts *app.TaskState
	if r.state != nil {
		ts = r.state.Tasks[id]
	}
	switch {
	case ts == nil || !ts.Settled():
		r.progress("task %s did not run: the plan changed or was cancelled", id)
		return true
	case ts.Succeeded() && ts.PR != 0:
		r.progress("task %s: pull request #%d opened %s", id, ts.PR, ts.PRURL)
	case ts.Succeeded():
		r.progress("task %s: nothing to change", id)
	case ts.Suggested():
		r.progress("task %s: GitHub refused its workflow files; they are suggested on sub-issue #%d", id, ts.SubIssue)
		if ts.Error != "" {
			r.progress("%s", ts.Error)
		}
	default:
		r.progress("task %s failed: %s", id, ts.Error)
		return false
	}
	return true
}

func (r *actionRun) taskTitle(id string) string {
	if r.state != nil && r.state.Plan != nil {
		for _, t := range r.state.Plan.Tasks {
			if t.ID == id {
				return t.Title
			}
		}
	}
	return id
}

// loadState reads the plan state; a failure leaves the last one read.
func (r *actionRun) loadState(ctx context.Context) {
	if r.d.Number == 0 || ctx.Err() != nil {
		return
	}
	st, err := r.app.LoadState(ctx, r.d.Installation, r.d.Repo, r.d.Number)
	if err != nil {
		r.log.Warn("read the plan state", "err", err)
		return
	}
	r.state = st
}

// try runs f until it succeeds, waits for dependencies, fails for good,
// or has failed actionAttempts times; waits double from actionBackoff
// and end with ctx. It returns the attempts made and the last error.
func (r *actionRun) try(ctx context.Context, what string, f func() error) (int, error) {
	wait := actionBackoff
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil || errors.Is(err, jobs.ErrNotYet) || jobs.IsPermanent(err) || attempt >= actionAttempts || ctx.Err() != nil {
			return attempt, err
		}
		r.log.Warn(what+" failed, will retry", "attempt", attempt, "wait", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return attempt, err
		case <-t.C:
		}
		wait *= 2
	}
}

// writeSummary appends the run's job summary (the plan and each task's
// result) to $GITHUB_STEP_SUMMARY, when it is set. Failing to write it
// is only a warning.
func (r *actionRun) writeSummary(runErr error) {
	if r.summaryPath == "" {
		return
	}
	summary := actionSummary(r.d, r.what, r.state, runErr)
	f, err := os.OpenFile(r.summaryPath, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err == nil {
		_, err = io.WriteString(f, summary)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		// The file belongs to the runner's user. The released Action image
		// runs as root and may write it; the image built from source (the
		// Dockerfile's default stage, serve's non-root user) may not on
		// some runners: the summary goes to the log instead.
		r.log.Warn("job summary not written; it follows in the log", "path", r.summaryPath, "err", err)
		fmt.Fprintf(r.env.Stderr, "::group::devops-lead summary\n%s::endgroup::\n", summary)
	}
}

// actionSummary is the job summary in Markdown.
func actionSummary(d *webhook.Delivery, what string, st *app.State, runErr error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## devops-lead: %s on %s#%d\n\n", what, d.Repo, d.Number)
	if runErr != nil {
		fmt.Fprintf(&b, "**Failed:** %s\n\n", cell(runErr.Error()))
	}
	if (st == nil || st.Plan == nil) && d.Event == "pull_request" && (d.Action == "opened" || d.Action == "synchronize") {
		fmt.Fprintf(&b, "Pull request #%d: the `%s` check run (or, without the Checks permission, devops-lead's comment) has the findings; a pull request devops-lead did not open is checked only with `checks: {pull_requests: true}` in .github/devops-lead.yml (docs/checks.md).\n", d.Number, app.CheckName)
		return b.String()
	}
	if st == nil || st.Plan == nil {
		fmt.Fprintf(&b, "There is no plan on #%d. On a pull request devops-lead opened, its reply there says what it revised, or why not.\n", d.Number)
		return b.String()
	}
	fmt.Fprintf(&b, "%s\n\n", st.Plan.Summary)
	if len(st.Plan.Questions) > 0 {
		b.WriteString("**Questions before planning**\n\n")
		for _, q := range st.Plan.Questions {
			fmt.Fprintf(&b, "- %s\n", q)
		}
		b.WriteString("\n")
	}
	if len(st.Plan.Tasks) > 0 {
		b.WriteString("| task | mode | result |\n|---|---|---|\n")
		ordered, _ := engine.Order(st.Plan.Tasks)
		for _, t := range ordered {
			fmt.Fprintf(&b, "| `%s` %s | `%s` | %s |\n", t.ID, cell(t.Title), t.Mode, cell(taskResult(st.Tasks[t.ID])))
		}
		b.WriteString("\n")
	}
	if len(st.Plan.Declined) > 0 {
		b.WriteString("**Will not do**\n\n")
		for _, s := range st.Plan.Declined {
			fmt.Fprintf(&b, "- %s\n", s)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "<sub>%s brain · plan `%s` · delivery `%s`</sub>\n", st.Plan.Brain, st.Hash, d.ID)
	return b.String()
}

func taskResult(ts *app.TaskState) string {
	switch {
	case ts == nil:
		return "planned"
	case ts.PR != 0 && ts.Succeeded():
		if ts.PRURL != "" {
			return fmt.Sprintf("[pull request #%d](%s)", ts.PR, ts.PRURL)
		}
		return fmt.Sprintf("pull request #%d", ts.PR)
	case ts.Suggested():
		return fmt.Sprintf("workflow files suggested on sub-issue #%d", ts.SubIssue)
	case ts.Error != "":
		return ts.Status + ": " + ts.Error
	}
	return ts.Status
}

// cell makes text safe inside one Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "\r", "")
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "|", `\|`)
}
