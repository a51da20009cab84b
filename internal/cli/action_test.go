package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/app"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/github"
	"github.com/devops-lead/devops-lead/internal/githubtest"
	"github.com/devops-lead/devops-lead/internal/jobs"
	"github.com/devops-lead/devops-lead/internal/pins"
	"github.com/devops-lead/devops-lead/internal/validate"
	"github.com/devops-lead/devops-lead/internal/webhook"
	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"
)

// actionToken is the workflow's GITHUB_TOKEN in these tests; it must never
// be printed.
const actionToken = "ghs_actionSECRETtoken0123456789"

// actionE2E is a workflow run of `devops-lead action` against the
// in-memory GitHub, authenticated with a static token as
// github-actions[bot].
type actionE2E struct {
	t     *testing.T
	gh    *githubtest.Server
	issue *githubtest.Issue
	dir   string
	runs  int
}

func newActionE2E(t *testing.T) *actionE2E {
	t.Helper()
	old := actionBackoff
	actionBackoff = 10 * time.Millisecond
	t.Cleanup(func() { actionBackoff = old })
	gh := githubtest.New(t, 77, nil)
	gh.AddToken(actionToken, defaultActionBot, "acme/api")
	repo := gh.Repo("acme/api")
	repo.SetFiles(repoFiles(t, "go"))
	repo.Permissions["alice"] = "write"
	repo.Permissions["mallory"] = "read"
	e := &actionE2E{t: t, gh: gh, dir: t.TempDir()}
	e.issue = gh.AddIssue("acme/api", "alice", "Add CI and containerize the API", "We need CI on pull requests and a container image.")
	return e
}

// publishIssue makes the test's issue a request whose plan has a
// dependency: the image workflow task runs after the container task.
func (e *actionE2E) publishIssue() {
	e.issue = e.gh.AddIssue("acme/api", "alice", "Ship the API", "Add CI, containerize the API and publish the image to GHCR.")
}

// env is the Actions environment of a run of event with payload.
func (e *actionE2E) env(event string, payload []byte) map[string]string {
	e.runs++
	path := filepath.Join(e.dir, fmt.Sprintf("event-%d.json", e.runs))
	if err := os.WriteFile(path, payload, 0o644); err != nil {
		e.t.Fatal(err)
	}
	return map[string]string{
		"GITHUB_EVENT_NAME":   event,
		"GITHUB_EVENT_PATH":   path,
		"GITHUB_REPOSITORY":   "acme/api",
		"GITHUB_API_URL":      e.gh.URL,
		"GITHUB_RUN_ID":       "4242",
		"GITHUB_RUN_ATTEMPT":  fmt.Sprint(e.runs),
		"GITHUB_STEP_SUMMARY": filepath.Join(e.dir, "summary.md"),
		"INPUT_GITHUB-TOKEN":  actionToken,
	}
}

// runAction runs `devops-lead action` with vars as its environment.
func runAction(t *testing.T, vars map[string]string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}
	code := env.main([]string{"action"})
	all := out.String() + errb.String()
	if testing.Verbose() {
		t.Logf("devops-lead action exited %d:\n%s", code, all)
	}
	if strings.Contains(all, actionToken) {
		t.Fatalf("the token was printed:\n%s", all)
	}
	return code, all
}

func (e *actionE2E) run(event string, payload []byte) (int, string) {
	e.t.Helper()
	return runAction(e.t, e.env(event, payload))
}

func (e *actionE2E) payload(fixture, sender, body string) []byte {
	return eventPayload(e.t, e.gh, e.issue, fixture, sender, body)
}

func (e *actionE2E) summary() string {
	data, _ := os.ReadFile(filepath.Join(e.dir, "summary.md"))
	return string(data)
}

// planState decodes the hidden state of the bot's plan comment.
func planState(t *testing.T, r *githubtest.Repo, number int) *app.State {
	t.Helper()
	var found *app.State
	for _, c := range commentsBy(r, number, defaultActionBot) {
		st := &app.State{}
		if ok, err := github.Data(c.Body, "plan", st); err != nil {
			t.Fatal(err)
		} else if ok {
			if found != nil {
				t.Fatal("two plan comments")
			}
			found = st
		}
	}
	if found == nil {
		t.Fatal("no plan comment with its hidden state")
	}
	return found
}

// writes counts the calls that change something on GitHub.
func writes(gh *githubtest.Server) int {
	n := 0
	for k, v := range gh.AllCalls() {
		if !strings.HasPrefix(k, "GET ") {
			n += v
		}
	}
	return n
}

// TestActionLabelPlansAndOpensPullRequests: an `issues` labeled event →
// the plan comment with its hidden state, a sub-issue and a pull request
// per task, progress on stderr and a job summary.
func TestActionLabelPlansAndOpensPullRequests(t *testing.T) {
	e := newActionE2E(t)
	code, out := e.run("issues", e.payload("issues-labeled.json", "alice", ""))
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	e.gh.Lock()
	defer e.gh.Unlock()
	r := e.gh.ReposUnlocked("acme/api")
	st := planState(t, r, e.issue.Number)
	if len(st.Plan.Tasks) != 2 || !st.Applied {
		t.Fatalf("plan state: %d tasks, applied %v", len(st.Plan.Tasks), st.Applied)
	}
	for id, ts := range st.Tasks {
		if !ts.Succeeded() || ts.PR == 0 || ts.SubIssue == 0 {
			t.Errorf("task %s: %+v, want a pull request and a sub-issue", id, ts)
		}
	}
	if n := len(openPRs(r)); n != 2 {
		t.Fatalf("%d pull requests, want 2", n)
	}
	for _, p := range r.Pulls {
		if p.Author != defaultActionBot {
			t.Errorf("PR #%d by %s, want the token's login", p.Number, p.Author)
		}
	}
	for _, want := range []string{"issues/labeled on acme/api#1 by alice", "task container started", "task ci started", "pull request #", "devops-lead: done"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
	sum := e.summary()
	if testing.Verbose() {
		t.Logf("job summary:\n%s", sum)
	}
	for _, want := range []string{"## devops-lead: issues/labeled on acme/api#1", "| task | mode | result |", "[pull request #", "delivery `action-4242-1`"} {
		if !strings.Contains(sum, want) {
			t.Errorf("job summary lacks %q:\n%s", want, sum)
		}
	}
	if strings.Contains(sum, "<!--") {
		t.Errorf("the job summary carries the hidden state:\n%s", sum)
	}
}

// TestActionApplyInDependencyOrderOnce: `/devops apply` → a sub-issue and
// a pull request per task, dependencies first; the same event again
// creates nothing. It logs the API calls a two-task apply costs.
func TestActionApplyInDependencyOrderOnce(t *testing.T) {
	e := newActionE2E(t)
	e.publishIssue()
	payload := e.payload("issue-comment-created.json", "alice", "/devops apply")
	e.gh.ResetCalls()
	if code, out := e.run("issue_comment", payload); code != exitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	calls := e.gh.TotalCalls()
	t.Logf("a two-task apply cost %d API calls:\n%s", calls, e.gh.CallSummary())

	e.gh.Lock()
	r := e.gh.ReposUnlocked("acme/api")
	st := planState(t, r, e.issue.Number)
	prs, subs := len(r.Pulls), len(r.Issues[e.issue.Number].SubIssues)
	comments := len(r.Comments)
	branches := strings.Join(r.Branches(), " ")
	for _, task := range st.Plan.Tasks {
		ts := st.Tasks[task.ID]
		if ts == nil || ts.PR == 0 {
			t.Fatalf("task %s has no pull request: %+v", task.ID, ts)
		}
		for _, dep := range task.DependsOn {
			if d := st.Tasks[dep]; d.PR >= ts.PR || d.SubIssue >= ts.SubIssue {
				t.Errorf("task %s (PR #%d, sub-issue #%d) was done before its dependency %s (PR #%d, sub-issue #%d)",
					task.ID, ts.PR, ts.SubIssue, dep, d.PR, d.SubIssue)
			}
		}
		var files []validate.File
		for _, f := range task.Files {
			if c, ok := r.File(ts.Branch, f); ok {
				files = append(files, validate.File{Path: f, Content: []byte(c)})
			}
		}
		if fs := validate.Errors(validate.Check(files, validate.Options{})); len(fs) > 0 {
			t.Errorf("task %s files fail the gate: %v", task.ID, fs)
		}
	}
	deps := 0
	for _, task := range st.Plan.Tasks {
		deps += len(task.DependsOn)
	}
	e.gh.Unlock()
	if prs != 2 || subs != 2 || deps == 0 {
		t.Fatalf("%d PRs, %d sub-issues, %d dependencies; want 2, 2 and at least one", prs, subs, deps)
	}
	// 62 since the repository model reads a few source files per unit
	// (environment, health path, port): each is a blob read.
	if calls > 66 {
		t.Errorf("a two-task apply cost %d API calls; it was 62 when this was last measured", calls)
	}

	// The same event again (a re-run of the workflow): nothing twice.
	code, out := e.run("issue_comment", payload)
	if code != exitOK {
		t.Fatalf("rerun: exit %d:\n%s", code, out)
	}
	e.gh.Lock()
	defer e.gh.Unlock()
	r = e.gh.ReposUnlocked("acme/api")
	if len(r.Pulls) != prs || len(r.Issues[e.issue.Number].SubIssues) != subs || len(r.Comments) != comments ||
		strings.Join(r.Branches(), " ") != branches {
		t.Fatalf("the rerun created something: PRs %d→%d, sub-issues %d→%d, comments %d→%d, branches %q→%q",
			prs, len(r.Pulls), subs, len(r.Issues[e.issue.Number].SubIssues), comments, len(r.Comments), branches, strings.Join(r.Branches(), " "))
	}
	if len(r.Issues) != 2+2+2 { // the first issue, this one, two sub-issues, two PRs
		t.Errorf("%d issues and PRs in all, want 6", len(r.Issues))
	}
}

// TestActionWorkflowRefusal: GITHUB_TOKEN may not write workflow files;
// the CI task posts them as suggested files and the run still succeeds.
func TestActionWorkflowRefusal(t *testing.T) {
	e := newActionE2E(t)
	e.gh.Lock()
	e.gh.ReposUnlocked("acme/api").BlockWorkflows = true
	e.gh.Unlock()
	code, out := e.run("issues", e.payload("issues-labeled.json", "alice", ""))
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if !strings.Contains(out, "task ci: GitHub refused its workflow files; they are suggested on sub-issue #") {
		t.Errorf("stderr does not say the workflow was suggested:\n%s", out)
	}
	e.gh.Lock()
	defer e.gh.Unlock()
	r := e.gh.ReposUnlocked("acme/api")
	suggested := 0
	for n := range r.Issues {
		if hasCommentBy(r, n, defaultActionBot, "<!-- devops-lead:suggested:ci -->") {
			suggested++
		}
	}
	if suggested != 1 || len(openPRs(r)) != 1 || !hasCommentBy(r, e.issue.Number, defaultActionBot, "needs the workflows permission") {
		t.Fatalf("%d suggested-files comments, %d PRs; want 1 and 1 and the plan saying why", suggested, len(openPRs(r)))
	}
	if !strings.Contains(e.summary(), "workflow files suggested on sub-issue #") {
		t.Errorf("job summary:\n%s", e.summary())
	}
}

// TestActionFailsLoudly: GitHub keeps failing the pull request calls;
// each task gives up after its attempts, says so on the issue, and the
// run exits 1.
func TestActionFailsLoudly(t *testing.T) {
	e := newActionE2E(t)
	e.publishIssue()
	var faults []githubtest.Fault
	for i := 0; i < 2*actionAttempts; i++ {
		faults = append(faults, githubtest.ServerError())
	}
	e.gh.Fail("POST /repos/{owner}/{repo}/pulls", faults...)
	code, out := e.run("issues", e.payload("issues-labeled.json", "alice", ""))
	if code != exitFail {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	if !strings.Contains(out, "task container failed: it failed 3 times") {
		t.Errorf("stderr:\n%s", out)
	}
	e.gh.Lock()
	defer e.gh.Unlock()
	r := e.gh.ReposUnlocked("acme/api")
	if len(r.Pulls) != 0 || !hasCommentBy(r, e.issue.Number, defaultActionBot, "Task `container` (Containerize server) did not produce a pull request: it failed 3 times") {
		t.Fatalf("%d PRs; comments: %v", len(r.Pulls), len(commentsBy(r, e.issue.Number, defaultActionBot)))
	}
	// The task that depended on it is skipped, saying why.
	if !hasCommentBy(r, e.issue.Number, defaultActionBot, "did not produce a pull request: it depends on task") {
		t.Error("the dependent task was not skipped with its reason")
	}
}

// TestActionBadEnvironment: what is missing or wrong is named, with what
// to set, and the exit code is 2 before any API call.
func TestActionBadEnvironment(t *testing.T) {
	e := newActionE2E(t)
	good := e.env("issues", e.payload("issues-labeled.json", "alice", ""))
	notJSON := filepath.Join(e.dir, "not.json")
	os.WriteFile(notJSON, []byte("{oops"), 0o644)
	cases := []struct {
		name   string
		change map[string]string
		want   string
	}{
		{"no event name", map[string]string{"GITHUB_EVENT_NAME": ""}, "GITHUB_EVENT_NAME is not set"},
		{"no event path", map[string]string{"GITHUB_EVENT_PATH": ""}, "GITHUB_EVENT_PATH is not set: set it to the file holding the event's JSON payload"},
		{"unreadable payload", map[string]string{"GITHUB_EVENT_PATH": filepath.Join(e.dir, "missing.json")}, "GITHUB_EVENT_PATH: open"},
		{"payload is not JSON", map[string]string{"GITHUB_EVENT_PATH": notJSON}, "not a JSON object"},
		{"no repository", map[string]string{"GITHUB_REPOSITORY": ""}, "GITHUB_REPOSITORY is not set"},
		{"no run id", map[string]string{"GITHUB_RUN_ID": ""}, "GITHUB_RUN_ID is not set"},
		{"no token", map[string]string{"INPUT_GITHUB-TOKEN": ""}, "no GitHub token: set the action's github-token input"},
		{"bad API URL", map[string]string{"GITHUB_API_URL": "api.github.com"}, "GITHUB_API_URL"},
	}
	for _, c := range cases {
		vars := map[string]string{}
		for k, v := range good {
			vars[k] = v
		}
		for k, v := range c.change {
			vars[k] = v
		}
		code, out := runAction(t, vars)
		if code != exitUsage || !strings.Contains(out, c.want) || strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Errorf("%s: exit %d, output %q; want 2 and one line with %q", c.name, code, out, c.want)
		}
	}
	if n := e.gh.TotalCalls(); n != 0 {
		t.Fatalf("%d API calls with a bad environment", n)
	}
	// The token may also come from GITHUB_TOKEN.
	vars := map[string]string{}
	for k, v := range good {
		vars[k] = v
	}
	vars["INPUT_GITHUB-TOKEN"], vars["GITHUB_TOKEN"] = "", actionToken
	if code, out := runAction(t, vars); code != exitOK {
		t.Fatalf("GITHUB_TOKEN: exit %d:\n%s", code, out)
	}
	if code, _ := runAction(t, map[string]string{}); code != exitUsage {
		t.Fatalf("empty environment: exit %d", code)
	}
}

// TestActionNothingToDo: events sent by a bot, and events or actions the
// App does not act on, exit 0 without touching GitHub.
func TestActionNothingToDo(t *testing.T) {
	e := newActionE2E(t)
	labeled := e.payload("issues-labeled.json", "alice", "")
	opened := bytes.Replace(labeled, []byte(`"action":"labeled"`), []byte(`"action":"opened"`), 1)
	if bytes.Equal(opened, labeled) {
		t.Fatal("fixture: no labeled action to replace")
	}
	cases := []struct {
		name, event string
		payload     []byte
		want        string
	}{
		{"sent by the token's bot", "issue_comment", e.payload("issue-comment-created.json", defaultActionBot, "/devops apply"), "sent by github-actions[bot], a bot"},
		{"sent by another bot", "issues", e.payload("issues-labeled.json", "renovate[bot]", ""), "sent by renovate[bot], a bot"},
		{"issue opened", "issues", opened, "nothing to do for issues/opened"},
		{"push", "push", []byte(`{"ref":"refs/heads/main","repository":{"full_name":"acme/api"}}`), "nothing to do for push"},
		{"line comment (handled with its review)", "pull_request_review_comment", []byte(`{"action":"created","pull_request":{"number":3},"sender":{"login":"alice","type":"User"}}`), "nothing to do for pull_request_review_comment/created"},
	}
	for _, c := range cases {
		e.gh.ResetCalls()
		vars := e.env(c.event, c.payload)
		vars["INPUT_GEMINI-API-KEY"] = "AIzaSECRETgeminiKEY"
		code, out := runAction(t, vars)
		if code != exitOK || !strings.Contains(out, c.want) {
			t.Errorf("%s: exit %d, output %q; want 0 and %q", c.name, code, out, c.want)
		}
		if strings.Contains(out, "AIzaSECRETgeminiKEY") {
			t.Errorf("%s: the Gemini key was printed", c.name)
		}
		if n := e.gh.TotalCalls(); n != 0 {
			t.Errorf("%s: %d API calls:\n%s", c.name, n, e.gh.CallSummary())
		}
	}
	// An outsider's command gets one polite reply and nothing else.
	e.gh.ResetCalls()
	code, out := e.run("issue_comment", e.payload("issue-comment-created.json", "mallory", "/devops apply"))
	if code != exitOK {
		t.Fatalf("outsider: exit %d:\n%s", code, out)
	}
	if w := writes(e.gh); w != 1 {
		t.Errorf("outsider: %d writes, want the one reply:\n%s", w, e.gh.CallSummary())
	}
	e.gh.Lock()
	defer e.gh.Unlock()
	r := e.gh.ReposUnlocked("acme/api")
	if len(r.Pulls) != 0 || len(r.Issues) != 1 || !hasCommentBy(r, e.issue.Number, defaultActionBot, "Only people with write access") {
		t.Fatalf("outsider: %d PRs, %d issues", len(r.Pulls), len(r.Issues))
	}
}

// TestActionRetriesTransientErrors: a 500 on the first comment write is
// retried, and the run succeeds with one plan comment.
func TestActionRetriesTransientErrors(t *testing.T) {
	e := newActionE2E(t)
	e.gh.Fail("POST /repos/{owner}/{repo}/issues/{number}/comments", githubtest.ServerError())
	code, out := e.run("issue_comment", e.payload("issue-comment-created.json", "alice", "/devops plan"))
	if code != exitOK || !regexp.MustCompile(`the event failed, will retry`).MatchString(out) {
		t.Fatalf("exit %d, want 0 after a retry:\n%s", code, out)
	}
	e.gh.Lock()
	defer e.gh.Unlock()
	planState(t, e.gh.ReposUnlocked("acme/api"), e.issue.Number)
}

// TestActionSummaryFallsBackToTheLog: when the summary file cannot be
// written (a non-root image on a runner that forbids it), the run still
// succeeds and the summary is printed in a log group.
func TestActionSummaryFallsBackToTheLog(t *testing.T) {
	e := newActionE2E(t)
	vars := e.env("issues", e.payload("issues-labeled.json", "alice", ""))
	vars["GITHUB_STEP_SUMMARY"] = filepath.Join(e.dir, "no-such-dir", "summary.md")
	code, out := runAction(t, vars)
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"job summary not written", "::group::devops-lead summary", "| task | mode | result |", "::endgroup::"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestActionSaysWhichPermission: a token GitHub refuses (403 "Resource
// not accessible by integration", as GITHUB_TOKEN without issues: write
// gets) fails the run with the permissions to give the job.
func TestActionSaysWhichPermission(t *testing.T) {
	e := newActionE2E(t)
	var faults []githubtest.Fault
	for i := 0; i < 10; i++ {
		faults = append(faults, githubtest.Fault{Status: 403, Body: `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest"}`})
	}
	e.gh.Fail("POST /repos/{owner}/{repo}/issues/{number}/comments", faults...)
	code, out := e.run("issue_comment", e.payload("issue-comment-created.json", "alice", "/devops plan"))
	if code != exitFail || !strings.Contains(out, "permissions: contents: write, issues: write, pull-requests: write") {
		t.Fatalf("exit %d, want 1 and the permissions to give:\n%s", code, out)
	}
	// A 5xx is not a permission problem.
	e2 := newActionE2E(t)
	var errs []githubtest.Fault
	for i := 0; i < 10; i++ {
		errs = append(errs, githubtest.ServerError())
	}
	e2.gh.Fail("POST /repos/{owner}/{repo}/issues/{number}/comments", errs...)
	if _, out := e2.run("issue_comment", e2.payload("issue-comment-created.json", "alice", "/devops plan")); strings.Contains(out, "refused the token") {
		t.Errorf("a server error was taken for a permission problem:\n%s", out)
	}
}

// TestActionEnvDefaults: the inputs' spellings, defaults and the delivery
// id made from the run.
func TestActionEnvDefaults(t *testing.T) {
	vars := map[string]string{"GITHUB_EVENT_NAME": "issues", "GITHUB_EVENT_PATH": "/e.json", "GITHUB_REPOSITORY": "a/b",
		"GITHUB_RUN_ID": "9", "INPUT_GITHUB_TOKEN": "t1", "GITHUB_TOKEN": "t2", "GEMINI_API_KEY": "k2"}
	ae, err := actionEnvFrom(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	if ae.token != "t1" || ae.bot != defaultActionBot || ae.apiURL != github.DefaultAPIURL || ae.deliveryID != "action-9-1" || ae.geminiKey != "k2" {
		t.Fatalf("%+v", ae)
	}
	vars["INPUT_GITHUB-TOKEN"], vars["INPUT_BOT-LOGIN"], vars["INPUT_GEMINI-API-KEY"], vars["GITHUB_RUN_ATTEMPT"] = "t0", "my-app[bot]", "k1", "3"
	ae, _ = actionEnvFrom(func(k string) string { return vars[k] })
	if ae.token != "t0" || ae.bot != "my-app[bot]" || ae.geminiKey != "k1" || ae.deliveryID != "action-9-3" {
		t.Fatalf("%+v", ae)
	}
}

func TestActionHelp(t *testing.T) {
	var out bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	if code := env.main([]string{"action", "--help"}); code != exitOK || !strings.Contains(out.String(), "GITHUB_EVENT_PATH") {
		t.Fatalf("help: %d\n%s", code, out.String())
	}
	out.Reset()
	if code := env.main([]string{"action", "extra"}); code != exitUsage {
		t.Fatalf("an argument: exit %d, want 2", code)
	}
}

// fakeTasks is a processor whose tasks finish when their dependencies
// have: the action's in-process queue must run a task that waits again
// after its dependencies ran, and give up on one that can never run.
type fakeTasks struct {
	deps    map[string][]string
	done    map[string]bool
	ran     []string
	gaveUp  []string
	queued  []jobs.TaskArgs
	enqueue func(context.Context, []jobs.TaskArgs) error
}

func (f *fakeTasks) Process(ctx context.Context, d *webhook.Delivery) error {
	return f.enqueue(ctx, append(f.queued, f.queued...)) // queued twice: runs once
}
func (f *fakeTasks) GaveUp(context.Context, *webhook.Delivery, int, error) {}
func (f *fakeTasks) ProcessTask(_ context.Context, ta jobs.TaskArgs) error {
	for _, d := range f.deps[ta.Task] {
		if !f.done[d] {
			return jobs.ErrNotYet
		}
	}
	f.ran = append(f.ran, ta.Task)
	f.done[ta.Task] = true
	return nil
}
func (f *fakeTasks) TaskGaveUp(_ context.Context, ta jobs.TaskArgs, _ int, err error) {
	f.gaveUp = append(f.gaveUp, ta.Task+": "+err.Error())
}
func (f *fakeTasks) LoadState(context.Context, int64, string, int) (*app.State, error) {
	st := &app.State{Plan: &engine.Plan{}, Tasks: map[string]*app.TaskState{}}
	for id := range f.deps {
		st.Tasks[id] = &app.TaskState{Status: "queued"}
		if f.done[id] {
			st.Tasks[id] = &app.TaskState{Status: "pr", PR: 1}
		}
		for _, g := range f.gaveUp {
			if strings.HasPrefix(g, id+":") {
				st.Tasks[id] = &app.TaskState{Status: "failed", Error: g}
			}
		}
	}
	return st, nil
}

func TestActionQueueWaitsForDependencies(t *testing.T) {
	// Queued in the wrong order: c waits for b, b for a.
	f := &fakeTasks{deps: map[string][]string{"a": nil, "b": {"a"}, "c": {"b"}, "x": {"missing"}}, done: map[string]bool{}}
	f.queued = []jobs.TaskArgs{{Task: "c"}, {Task: "b"}, {Task: "a"}}
	var errb bytes.Buffer
	r := &actionRun{env: &Env{Stderr: &errb}, app: f, d: &webhook.Delivery{Repo: "acme/api", Number: 1}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	f.enqueue = r.enqueue
	if code := r.run(context.Background()); code != exitOK {
		t.Fatalf("exit %d:\n%s", code, errb.String())
	}
	if got := strings.Join(f.ran, ","); got != "a,b,c" {
		t.Fatalf("ran %s, want a,b,c", got)
	}
	// A task whose dependency is not queued in this run gives up, loudly.
	f = &fakeTasks{deps: map[string][]string{"a": nil, "x": {"missing"}}, done: map[string]bool{}}
	f.queued = []jobs.TaskArgs{{Task: "x"}, {Task: "a"}}
	errb.Reset()
	r = &actionRun{env: &Env{Stderr: &errb}, app: f, d: &webhook.Delivery{Repo: "acme/api", Number: 1}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	f.enqueue = r.enqueue
	if code := r.run(context.Background()); code != exitFail {
		t.Fatalf("exit %d, want 1:\n%s", code, errb.String())
	}
	if len(f.gaveUp) != 1 || !strings.HasPrefix(f.gaveUp[0], "x: the tasks it depends on did not finish") || strings.Join(f.ran, ",") != "a" {
		t.Fatalf("gave up %v, ran %v", f.gaveUp, f.ran)
	}
}

// TestActionMetadata: action.yml is a Docker action on the project's
// Dockerfile whose ENTRYPOINT makes `args: [action]` run `devops-lead
// action`, its inputs are the ones the command reads, and actionlint
// checks a workflow that uses it against them.
func TestActionMetadata(t *testing.T) {
	root := filepath.Join("..", "..")
	data, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var md actionlint.ActionMetadata
	if err := yaml.Unmarshal(data, &md); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if md.Runs.Using != "docker" || md.Runs.Image != "Dockerfile" || fmt.Sprint(md.Runs.Args) != "[action]" || md.Runs.Entrypoint != "" {
		t.Errorf("runs: %+v; want docker on Dockerfile with args [action] and the image's entrypoint", md.Runs)
	}
	if md.Name == "" || md.Description == "" || md.Branding.Icon == "" || md.Branding.Color == "" {
		t.Errorf("name, description and branding are required to publish: %+v", md)
	}
	var defaults struct {
		Inputs map[string]struct {
			Default *string `yaml:"default"`
		} `yaml:"inputs"`
	}
	yaml.Unmarshal(data, &defaults)
	if d := defaults.Inputs["github-token"].Default; d == nil || *d != "${{ github.token }}" {
		t.Errorf("github-token must default to ${{ github.token }}, not %v", d)
	}
	read := map[string]bool{}
	actionEnvFrom(func(k string) string { read[k] = true; return "x" })
	for name, in := range md.Inputs {
		if in.Required {
			t.Errorf("input %s is required; every input has a default or is optional", name)
		}
		if v := "INPUT_" + strings.ToUpper(name); !read[v] {
			t.Errorf("input %s: the action never reads %s", name, v)
		}
	}
	for _, want := range []string{"github-token", "gemini-api-key", "bot-login"} {
		if md.Inputs[want] == nil {
			t.Errorf("no input %s", want)
		}
	}
	dockerfile, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^ENTRYPOINT \["/usr/local/bin/devops-lead"\]$`).Match(dockerfile) ||
		!regexp.MustCompile(`(?m)-o /out/devops-lead \./cmd/devops-lead$`).Match(dockerfile) {
		t.Errorf("the Dockerfile's ENTRYPOINT is not the devops-lead binary alone, so args: [action] would not run `devops-lead action`")
	}

	// actionlint reads the metadata of a local action, checks its runs
	// section (the Dockerfile must exist) and the inputs a workflow passes.
	dir := t.TempDir()
	for p, body := range map[string]string{".git/HEAD": "ref: refs/heads/main\n", "action.yml": string(data), "Dockerfile": string(dockerfile)} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lint := func(with string) []*actionlint.Error {
		wf := "on: issues\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./\n        with:\n" + with
		path := filepath.Join(dir, ".github", "workflows", "t.yml")
		os.MkdirAll(filepath.Dir(path), 0o755)
		os.WriteFile(path, []byte(wf), 0o644)
		l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		errs, err := l.LintRepository(dir)
		if err != nil {
			t.Fatal(err)
		}
		return errs
	}
	if errs := lint("          github-token: t\n          gemini-api-key: k\n          bot-login: b\n"); len(errs) != 0 {
		t.Fatalf("actionlint on a workflow using the action: %v", errs)
	}
	if errs := lint("          github_token: t\n"); len(errs) == 0 || !strings.Contains(errs[0].Message, "github_token") {
		t.Fatalf("actionlint did not check the inputs against action.yml: %v", errs)
	}
}

// TestActionDocWorkflow: the workflow docs/action.md tells people to copy
// passes the gate (actionlint and our rules, warnings included) but for
// the placeholder ref, which they pin to the release they choose.
func TestActionDocWorkflow(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "action.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## 1\\. Add the workflow.*?```yaml\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/action.md: no yaml block under '## 1. Add the workflow'")
	}
	wf := m[1]
	tokenPin, err := pins.Action("actions/create-github-app-token")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"types: [labeled]", "types: [created]", "permission-contents: write", "permission-issues: write", "permission-pull-requests: write", "permission-workflows: write",
		"group: devops-lead-${{ github.repository }}", "queue: max", "types: [submitted]", "uses: devops-lead/devops-lead@",
		// The App-token recipe leads, with the pinned action.
		"uses: " + tokenPin.Uses(), "github-token: ${{ steps.app-token.outputs.token }}", "bot-login: ${{ steps.app-token.outputs.app-slug }}[bot]",
		// An outsider's comment or review starts nothing.
		`contains(fromJSON('["OWNER", "MEMBER", "COLLABORATOR"]'), github.event.comment.author_association)`,
		`contains(fromJSON('["OWNER", "MEMBER", "COLLABORATOR"]'), github.event.review.author_association)`} {
		if !bytes.Contains(wf, []byte(want)) {
			t.Errorf("the doc's workflow lacks %q", want)
		}
	}
	// The doc lists every output the action writes.
	for _, name := range actionOutputNames {
		if !bytes.Contains(doc, []byte("| `"+name+"` |")) {
			t.Errorf("docs/action.md does not list the output %s", name)
		}
	}
	fs := validate.Check([]validate.File{{Path: ".github/workflows/devops-lead.yml", Content: wf}}, validate.Options{})
	if len(fs) != 1 || fs[0].Rule != "workflow-unpinned-action" || !strings.Contains(fs[0].Message, "devops-lead/devops-lead") {
		t.Fatalf("findings %v; want only the placeholder ref of devops-lead/devops-lead", fs)
	}
}
