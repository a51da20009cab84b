package cli

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/config"
	"github.com/devops-lead/devops-lead/internal/githubtest"
	"github.com/devops-lead/devops-lead/internal/jobs/jobstest"
	"github.com/devops-lead/devops-lead/internal/webhook"
)

// setupRun is `devops-lead setup` running in the background.
type setupRun struct {
	t      *testing.T
	stdout *syncBuffer
	stderr *syncBuffer
	code   chan int
	page   string // the local page's URL
}

// startSetup runs setup with args against the in-memory GitHub (its web
// pages and its API share one address) and waits for the page's URL.
func startSetup(t *testing.T, gh *githubtest.Server, args ...string) *setupRun {
	t.Helper()
	s := &setupRun{t: t, stdout: &syncBuffer{}, stderr: &syncBuffer{}, code: make(chan int, 1)}
	env := &Env{Stdin: strings.NewReader(""), Stdout: s.stdout, Stderr: s.stderr, Getenv: func(string) string { return "" }}
	args = append([]string{"setup", "--github-url", gh.URL, "--api-url", gh.URL, "--timeout", "60s"}, args...)
	go func() { s.code <- env.main(args) }()
	open := regexp.MustCompile(`Open (http://127\.0\.0\.1:\d+)/ in your browser`)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := open.FindStringSubmatch(s.stdout.String()); m != nil {
			s.page = m[1]
			return s
		}
		select {
		case code := <-s.code:
			t.Fatalf("setup exited %d before serving its page\nstdout:\n%s\nstderr:\n%s", code, s.stdout, s.stderr)
		default:
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("setup printed no page URL:\n%s", s.stdout)
	return nil
}

// wait returns setup's exit code.
func (s *setupRun) wait() int {
	s.t.Helper()
	select {
	case code := <-s.code:
		return code
	case <-time.After(30 * time.Second):
		s.t.Fatalf("setup did not finish\nstdout:\n%s\nstderr:\n%s", s.stdout, s.stderr)
		return -1
	}
}

var (
	formAction   = regexp.MustCompile(`<form action="([^"]+)" method="post">`)
	formManifest = regexp.MustCompile(`<input type="hidden" name="manifest" value="([^"]+)">`)
)

// browse does what a person's browser does: open the local page, submit
// its form to GitHub, and follow GitHub's redirect back to the callback.
// It returns the callback page's status and text.
func (s *setupRun) browse() (int, string) {
	s.t.Helper()
	resp, err := http.Get(s.page + "/")
	if err != nil {
		s.t.Fatal(err)
	}
	page := readBody(s.t, resp)
	action, manifest := formAction.FindStringSubmatch(page), formManifest.FindStringSubmatch(page)
	if action == nil || manifest == nil {
		s.t.Fatalf("the page has no manifest form:\n%s", page)
	}
	resp, err = http.PostForm(html.UnescapeString(action[1]), url.Values{"manifest": {html.UnescapeString(manifest[1])}})
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode, readBody(s.t, resp)
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestSetupThenServe is the new user's path end to end: setup creates
// the App through the manifest flow against the in-memory GitHub and
// writes its credentials; serve starts from that file alone, learns its
// slug from GitHub, and carries a labeled issue to pull requests.
func TestSetupThenServe(t *testing.T) {
	gh := githubtest.New(t, 0, nil) // no App yet: setup creates it
	dir := t.TempDir()
	out := filepath.Join(dir, "devops-lead-app.env")
	run := startSetup(t, gh, "--webhook-url", "https://devops.example.com/webhook", "--out", out)
	status, text := run.browse()
	if status != http.StatusOK || !strings.Contains(text, "is created") {
		t.Fatalf("callback: %d\n%s", status, text)
	}
	if code := run.wait(); code != exitOK {
		t.Fatalf("setup exit %d\nstderr:\n%s", code, run.stderr)
	}

	// The manifest GitHub got: exactly the permissions and events.
	regs := gh.Registrations()
	if len(regs) != 1 {
		t.Fatalf("%d manifests registered, want 1", len(regs))
	}
	m := regs[0].Manifest
	if !reflect.DeepEqual(m.DefaultPermissions, manifestPermissions()) || !reflect.DeepEqual(m.DefaultEvents, manifestEvents()) {
		t.Errorf("manifest permissions %v events %v", m.DefaultPermissions, m.DefaultEvents)
	}
	if m.HookAttributes.URL != "https://devops.example.com/webhook" || m.HookAttributes.Active == nil || !*m.HookAttributes.Active {
		t.Errorf("hook_attributes = %+v", m.HookAttributes)
	}
	if m.RedirectURL != run.page+"/callback" || regs[0].Org != "" || len(regs[0].State) < 32 {
		t.Errorf("redirect_url %q (page %s), org %q, state %q", m.RedirectURL, run.page, regs[0].Org, regs[0].State)
	}
	if n := gh.Calls("POST /app-manifests/{code}/conversions"); n != 1 {
		t.Errorf("%d conversions, want 1", n)
	}

	// The file: 0600, every value serve needs; nothing secret printed.
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", out, st.Mode().Perm())
	}
	vars, err := config.ReadEnvFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"GITHUB_APP_ID", "GITHUB_APP_SLUG", "GITHUB_API_URL", "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", "GITHUB_WEBHOOK_SECRET", "GITHUB_PRIVATE_KEY"} {
		if vars[k] == "" {
			t.Errorf("%s is not in the file", k)
		}
	}
	printed := run.stdout.String() + run.stderr.String()
	for _, k := range []string{"GITHUB_CLIENT_SECRET", "GITHUB_WEBHOOK_SECRET", "GITHUB_PRIVATE_KEY"} {
		if strings.Contains(printed, vars[k]) {
			t.Errorf("setup printed %s", k)
		}
	}
	if strings.Contains(printed+text, "PRIVATE KEY") {
		t.Error("setup printed the private key")
	}
	if !strings.Contains(run.stdout.String(), "devops-lead serve --env-file "+out) ||
		!strings.Contains(run.stdout.String(), gh.URL+"/apps/devops-lead/installations/new") {
		t.Errorf("setup does not print the next steps:\n%s", run.stdout)
	}

	// serve from the file alone, as `devops-lead serve --env-file FILE`.
	gh.AddInstallation(42, "acme/api")
	repo := gh.Repo("acme/api")
	repo.SetFiles(repoFiles(t, "go"))
	repo.Permissions["alice"] = "write"
	var errb syncBuffer
	cfg, code, done := serveConfig(&Env{Stdout: &errb, Stderr: &errb, Getenv: func(string) string { return "" }},
		[]string{"--env-file", out, "--db", filepath.Join(dir, "queue.db"), "--workers", "2"})
	if done {
		t.Fatalf("serve config: exit %d: %s", code, errb.String())
	}
	if cfg.AppID != gh.AppID() || cfg.WebhookSecret != vars["GITHUB_WEBHOOK_SECRET"] || cfg.APIURL != gh.URL {
		t.Fatalf("serve read app %d api %s from the file; GitHub made app %d", cfg.AppID, cfg.APIURL, gh.AppID())
	}
	cfg.AppSlug = "" // serve must learn it from GitHub
	cfg.ShutdownGrace, cfg.QueuePoll, cfg.RetryDelay, cfg.MaxAttempts = 20*time.Second, 50*time.Millisecond, 100*time.Millisecond, 3
	if os.Getenv(jobstest.EnvVar) != "" {
		cfg.DatabaseURL = jobstest.PostgresURL(t)
	}
	e := &e2e{t: t, gh: gh, cfg: cfg}
	e.issue = gh.AddIssue("acme/api", "alice", "Add CI and containerize the API", "We need CI on pull requests and a container image.")
	e.start()
	t.Cleanup(e.stop)
	body := e.payload("issues-labeled.json", "alice", "")
	if code := e.post("issues", nextDelivery(), body, webhook.Sign(hookSecret, body)); code != http.StatusUnauthorized {
		t.Fatalf("a delivery signed with another secret: %d, want 401", code)
	}
	if code := e.post("issues", nextDelivery(), body, webhook.Sign(vars["GITHUB_WEBHOOK_SECRET"], body)); code != http.StatusAccepted {
		t.Fatalf("delivery: %d", code)
	}
	e.waitUntil("two pull requests", func(r *githubtest.Repo) bool { return len(openPRs(r)) == 2 })
	if cfg.BotLogin() != "devops-lead[bot]" {
		t.Errorf("serve acts as %s", cfg.BotLogin())
	}
}

// TestSetupOrganisationAndForce: --org posts to the organisation's page;
// --force replaces an existing file, which ends with mode 0600 whatever
// it had.
func TestSetupOrganisationAndForce(t *testing.T) {
	gh := githubtest.New(t, 0, nil)
	out := filepath.Join(t.TempDir(), "app.env")
	if err := os.WriteFile(out, []byte("OLD=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "", "setup", "--webhook-url", "https://x.example/webhook", "--out", out, "--github-url", gh.URL, "--api-url", gh.URL)
	if code != exitFail || !strings.Contains(stderr, "exists; pass --force") {
		t.Fatalf("an existing file without --force: exit %d\n%s", code, stderr)
	}
	run := startSetup(t, gh, "--webhook-url", "https://x.example/hooks", "--out", out, "--force", "--org", "acme", "--name", "Acme DevOps Lead")
	if status, text := run.browse(); status != http.StatusOK {
		t.Fatalf("callback: %d\n%s", status, text)
	}
	if code := run.wait(); code != exitOK {
		t.Fatalf("setup exit %d\n%s", code, run.stderr)
	}
	if !strings.Contains(run.stderr.String(), "does not end with it") {
		t.Errorf("a webhook URL without /webhook is not warned about:\n%s", run.stderr)
	}
	regs := gh.Registrations()
	if len(regs) != 1 || regs[0].Org != "acme" || regs[0].Manifest.Name != "Acme DevOps Lead" {
		t.Fatalf("registrations = %+v", regs)
	}
	st, err := os.Stat(out)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", st.Mode().Perm(), err)
	}
	vars, err := config.ReadEnvFile(out)
	if err != nil || vars["OLD"] != "" || vars["GITHUB_APP_SLUG"] != "acme-devops-lead" {
		t.Fatalf("vars %v, %v", vars["GITHUB_APP_SLUG"], err)
	}
}

// TestSetupRefusals: no webhook URL is a usage error naming the flag; a
// callback with the wrong state is refused and exchanges nothing; a code
// GitHub does not know fails the run with the API's answer.
func TestSetupRefusals(t *testing.T) {
	code, _, stderr := runCLI(t, "", "setup")
	if code != exitUsage || !strings.Contains(stderr, "--webhook-url is required") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	code, _, stderr = runCLI(t, "", "setup", "--webhook-url", "devops.example.com/webhook")
	if code != exitUsage || !strings.Contains(stderr, "not an absolute http(s) URL") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}

	gh := githubtest.New(t, 0, nil)
	out := filepath.Join(t.TempDir(), "app.env")
	run := startSetup(t, gh, "--webhook-url", "https://x.example/webhook", "--out", out)
	resp, err := http.Get(run.page + "/callback?code=abc&state=forged")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(readBody(t, resp), "wrong state") {
		t.Fatalf("a forged callback: %d", resp.StatusCode)
	}
	if n := gh.Calls("POST /app-manifests/{code}/conversions"); n != 0 {
		t.Fatalf("a forged callback exchanged a code (%d calls)", n)
	}
	// Another host name for the same address (DNS rebinding) is refused.
	req, _ := http.NewRequest("GET", run.page+"/", nil)
	req.Host = "attacker.example:80"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusMisdirectedRequest {
		t.Fatalf("a request for another host: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	// The right state with a code GitHub never issued.
	resp, err = http.Get(run.page + "/")
	if err != nil {
		t.Fatal(err)
	}
	action := formAction.FindStringSubmatch(readBody(t, resp))
	au, err := url.Parse(html.UnescapeString(action[1]))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = http.Get(run.page + "/callback?code=unknown&state=" + au.Query().Get("state"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code := run.wait(); code != exitFail || !strings.Contains(run.stderr.String(), "404") {
		t.Fatalf("an unknown code: exit %d\n%s", code, run.stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed setup left %s: %v", out, err)
	}
}

// TestManifestConversionOnce: the in-memory GitHub's conversion is
// strict: an unknown code and a code used twice are 404.
func TestManifestConversionOnce(t *testing.T) {
	gh := githubtest.New(t, 0, nil)
	post := func(code string) int {
		resp, err := http.Post(gh.URL+"/app-manifests/"+code+"/conversions", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := post("nope"); s != http.StatusNotFound {
		t.Fatalf("unknown code: %d", s)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	manifest := `{"name":"x","url":"https://x.example","hook_attributes":{"url":"https://x.example/webhook"},"redirect_url":"http://127.0.0.1:1/callback"}`
	resp, err := noRedirect.PostForm(gh.URL+"/settings/apps/new?state=s1", url.Values{"manifest": {manifest}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || loc.Query().Get("state") != "s1" {
		t.Fatalf("registration: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	code := loc.Query().Get("code")
	if s := post(code); s != http.StatusCreated {
		t.Fatalf("first use: %d", s)
	}
	if s := post(code); s != http.StatusNotFound {
		t.Fatalf("second use: %d", s)
	}
}

// TestAppGrantsDocumented: docs/github-app.md lists exactly the
// permissions and events the manifest asks for, between its markers.
func TestAppGrantsDocumented(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "github-app.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := func(name string) string {
		s := string(data)
		start, end := "<!-- app-"+name+" -->", "<!-- /app-"+name+" -->"
		i, j := strings.Index(s, start), strings.Index(s, end)
		if i < 0 || j < i {
			t.Fatalf("docs/github-app.md has no %s ... %s section", start, end)
		}
		return s[i:j]
	}
	line := regexp.MustCompile("(?m)^- `([a-z_]+)`(?:: (read|write))?")
	var docPerms, docEvents, want []string
	for _, m := range line.FindAllStringSubmatch(section("permissions"), -1) {
		docPerms = append(docPerms, m[1]+":"+m[2])
	}
	for _, p := range appPermissions {
		want = append(want, p.Name+":"+p.Access)
	}
	sort.Strings(docPerms)
	sort.Strings(want)
	if !reflect.DeepEqual(docPerms, want) {
		t.Errorf("docs list permissions %v, the manifest %v", docPerms, want)
	}
	for _, m := range line.FindAllStringSubmatch(section("events"), -1) {
		docEvents = append(docEvents, m[1])
	}
	if !reflect.DeepEqual(docEvents, manifestEvents()) {
		t.Errorf("docs list events %v, the manifest %v", docEvents, manifestEvents())
	}
}

// TestGitHubAppDocsCommands: every devops-lead command line in
// docs/github-app.md's shell blocks names a command and flags that
// exist. (What they do is exercised by the tests above.)
func TestGitHubAppDocsCommands(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "github-app.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(data), -1)
	flag := regexp.MustCompile(`(?:^|\s)--([a-z][a-z-]*)`)
	seen := map[string]bool{}
	for _, b := range blocks {
		for _, line := range strings.Split(b[1], "\n") {
			if !strings.HasPrefix(line, "devops-lead ") {
				continue
			}
			cmd := strings.Fields(line)[1]
			seen[cmd] = true
			code, help, _ := runCLI(t, "", cmd, "--help")
			if code != exitOK {
				t.Errorf("%q: no command %s", line, cmd)
				continue
			}
			for _, m := range flag.FindAllStringSubmatch(line, -1) {
				if !strings.Contains(help, "  -"+m[1]+" ") && !strings.Contains(help, "  -"+m[1]+"\n") {
					t.Errorf("%q: devops-lead %s has no flag --%s", line, cmd, m[1])
				}
			}
		}
	}
	if !seen["setup"] || !seen["serve"] {
		t.Errorf("the docs show no setup or serve command: %v", seen)
	}
}

// TestManifestEventsAreTheRoutedOnes: the manifest subscribes to an
// event exactly when the webhook intake routes some action of it
// (installation events come to every App unasked).
func TestManifestEventsAreTheRoutedOnes(t *testing.T) {
	events := []string{"issues", "issue_comment", "pull_request", "pull_request_review", "pull_request_review_comment",
		"pull_request_review_thread", "push", "check_run", "check_suite", "workflow_run", "workflow_job", "label", "create",
		"delete", "release", "status", "sub_issues", "installation", "installation_repositories", "repository", "member"}
	actions := []string{"", "created", "edited", "deleted", "labeled", "unlabeled", "opened", "closed", "reopened", "submitted",
		"dismissed", "synchronize", "completed", "requested", "requested_action", "rerequested", "resolved", "assigned",
		"published", "added", "removed", "suspend", "unsuspend", "new_permissions_accepted", "sub_issue_added"}
	inManifest := map[string]bool{}
	for _, e := range manifestEvents() {
		inManifest[e] = true
	}
	for _, e := range events {
		routed := false
		for _, a := range actions {
			routed = routed || webhook.Routed(e, a)
		}
		if strings.HasPrefix(e, "installation") {
			continue
		}
		if routed != inManifest[e] {
			t.Errorf("event %s: routed by the intake %v, in the manifest %v", e, routed, inManifest[e])
		}
		delete(inManifest, e)
	}
	for e := range inManifest {
		t.Errorf("the manifest's event %s is not in this test's list", e)
	}
}

// TestServeRefusesAStaleSetupFile: setup run twice makes two Apps; serve
// started from the first file, whose key GitHub no longer takes for
// this App, refuses to start naming the App, instead of running blind.
func TestServeRefusesAStaleSetupFile(t *testing.T) {
	gh := githubtest.New(t, 0, nil)
	dir := t.TempDir()
	var files []string
	for _, name := range []string{"first.env", "second.env"} {
		out := filepath.Join(dir, name)
		run := startSetup(t, gh, "--webhook-url", "https://x.example/webhook", "--out", out)
		if status, text := run.browse(); status != http.StatusOK {
			t.Fatalf("callback: %d\n%s", status, text)
		}
		if code := run.wait(); code != exitOK {
			t.Fatalf("setup exit %d\n%s", code, run.stderr)
		}
		files = append(files, out)
	}
	var errb syncBuffer
	cfg, code, done := serveConfig(&Env{Stdout: &errb, Stderr: &errb, Getenv: func(string) string { return "" }},
		[]string{"--env-file", files[0], "--db", filepath.Join(dir, "queue.db")})
	if done {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if cfg.AppID == gh.AppID() {
		t.Fatal("the two setups made one App")
	}
	err := serveUntilRefused(t, cfg)
	if want := fmt.Sprintf("the private key does not belong to App %d", cfg.AppID); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Serve = %v, want %q", err, want)
	}
}
