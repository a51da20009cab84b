package githubtest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"
)

// recorder stands in for *testing.T so tests can see what the server
// reports as a test failure.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) reported() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errs, "\n")
}

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
	keyPEM  []byte
)

func testKey(t testing.TB) (*rsa.PrivateKey, []byte) {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		key = k
		keyPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	})
	return key, keyPEM
}

// setup starts a server with installation 42 on acme/api and returns a
// go-github client authenticated through ghinstallation against it.
func setup(t *testing.T, tb testing.TB) (*Server, *github.Client) {
	k, pemBytes := testKey(t)
	srv := New(tb, 7, &k.PublicKey)
	srv.AddInstallation(42, "acme/api")
	tr, err := ghinstallation.New(http.DefaultTransport, 7, 42, pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	tr.BaseURL = srv.URL
	c := github.NewClient(&http.Client{Transport: tr})
	c.BaseURL, _ = url.Parse(srv.URL + "/")
	return srv, c
}

func TestIssuesCommentsReactionsSubIssues(t *testing.T) {
	srv, c := setup(t, t)
	ctx := context.Background()
	srv.Repo("acme/api").Permissions["alice"] = "maintain"

	perm, _, err := c.Repositories.GetPermissionLevel(ctx, "acme", "api", "alice")
	if err != nil || perm.GetPermission() != "write" {
		t.Fatalf("permission = %v %v", perm, err)
	}
	parent := srv.AddIssue("acme/api", "alice", "Add CI", "please", "devops")
	sub, _, err := c.Issues.Create(ctx, "acme", "api", &github.IssueRequest{Title: github.String("CI"), Body: github.String("b"), Labels: &[]string{"devops:cicd-specialist"}})
	if err != nil {
		t.Fatal(err)
	}
	if sub.GetNumber() != 2 || sub.GetUser().GetLogin() != "devops-lead[bot]" || len(sub.Labels) != 1 {
		t.Fatalf("created issue = %+v", sub)
	}
	// Sub-issues go through NewRequest: go-github v62 has no method.
	req, _ := c.NewRequest("POST", "repos/acme/api/issues/1/sub_issues", map[string]int64{"sub_issue_id": sub.GetID()})
	if _, err := c.Do(ctx, req, nil); err != nil {
		t.Fatalf("add sub-issue: %v", err)
	}
	req, _ = c.NewRequest("POST", "repos/acme/api/issues/1/sub_issues", map[string]int64{"sub_issue_id": sub.GetID()})
	if _, err := c.Do(ctx, req, nil); err == nil {
		t.Fatal("adding the same sub-issue twice should be refused")
	}
	req, _ = c.NewRequest("GET", "repos/acme/api/issues/1/sub_issues", nil)
	var subs []*github.Issue
	if _, err := c.Do(ctx, req, &subs); err != nil || len(subs) != 1 || subs[0].GetNumber() != 2 {
		t.Fatalf("sub-issues = %v %v", subs, err)
	}

	cm, _, err := c.Issues.CreateComment(ctx, "acme", "api", parent.Number, &github.IssueComment{Body: github.String("plan v1")})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Issues.EditComment(ctx, "acme", "api", cm.GetID(), &github.IssueComment{Body: github.String("plan v2")}); err != nil {
		t.Fatal(err)
	}
	list, _, err := c.Issues.ListComments(ctx, "acme", "api", parent.Number, nil)
	if err != nil || len(list) != 1 || list[0].GetBody() != "plan v2" {
		t.Fatalf("comments = %v %v", list, err)
	}
	if _, _, err := c.Reactions.CreateIssueCommentReaction(ctx, "acme", "api", cm.GetID(), "eyes"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Reactions.CreateIssueReaction(ctx, "acme", "api", parent.Number, "eyes"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Reactions.CreateIssueReaction(ctx, "acme", "api", parent.Number, "party"); err == nil {
		t.Fatal("an invalid reaction should be refused")
	}
	if got := srv.Calls("POST /repos/{owner}/{repo}/issues/{number}/comments"); got != 1 {
		t.Errorf("comment calls = %d", got)
	}
}

func TestGitDataCommitInConstantCalls(t *testing.T) {
	srv, c := setup(t, t)
	ctx := context.Background()
	repo := srv.Repo("acme/api")
	repo.SetFiles(map[string]string{"main.go": "package main\n", "old.txt": "x", "docs/a.md": "a", "docs/b.md": "b"})
	srv.ResetCalls()

	ref, _, err := c.Git.GetRef(ctx, "acme", "api", "heads/main")
	if err != nil {
		t.Fatal(err)
	}
	base, _, err := c.Git.GetCommit(ctx, "acme", "api", ref.GetObject().GetSHA())
	if err != nil {
		t.Fatal(err)
	}
	tree, _, err := c.Git.CreateTree(ctx, "acme", "api", base.GetTree().GetSHA(), []*github.TreeEntry{
		{Path: github.String("Dockerfile"), Mode: github.String("100644"), Type: github.String("blob"), Content: github.String("FROM x\n")},
		{Path: github.String("old.txt"), Mode: github.String("100644"), Type: github.String("blob")}, // sha: null → delete
		{Path: github.String("docs"), Mode: github.String("040000"), Type: github.String("tree")},    // delete a directory
	})
	if err != nil {
		t.Fatal(err)
	}
	commit, _, err := c.Git.CreateCommit(ctx, "acme", "api", &github.Commit{Message: github.String("add"), Tree: tree, Parents: []*github.Commit{{SHA: base.SHA}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Git.CreateRef(ctx, "acme", "api", &github.Reference{Ref: github.String("refs/heads/devops-lead/1-ci"), Object: &github.GitObject{SHA: commit.SHA}}); err != nil {
		t.Fatal(err)
	}
	if got := srv.TotalCalls() - srv.Calls("POST /app/installations/{id}/access_tokens"); got != 5 {
		t.Errorf("calls = %d, want 5:\n%s", got, srv.CallSummary())
	}
	if _, ok := repo.File("devops-lead/1-ci", "Dockerfile"); !ok {
		t.Error("Dockerfile missing on the branch")
	}
	if _, ok := repo.File("devops-lead/1-ci", "old.txt"); ok {
		t.Error("old.txt should be deleted")
	}
	if _, ok := repo.File("devops-lead/1-ci", "docs/a.md"); ok {
		t.Error("docs/ should be deleted")
	}
	if got, _ := repo.File("devops-lead/1-ci", "main.go"); got != "package main\n" {
		t.Error("base_tree files must be kept")
	}
	// The same ref again is refused the way GitHub refuses it.
	_, _, err = c.Git.CreateRef(ctx, "acme", "api", &github.Reference{Ref: github.String("refs/heads/devops-lead/1-ci"), Object: &github.GitObject{SHA: commit.SHA}})
	var ge *github.ErrorResponse
	if !errors.As(err, &ge) || ge.Response.StatusCode != 422 || ge.Message != "Reference already exists" {
		t.Fatalf("second create ref: %v", err)
	}
	// Non-fast-forward updates need force.
	other, _, _ := c.Git.CreateCommit(ctx, "acme", "api", &github.Commit{Message: github.String("other"), Tree: tree, Parents: []*github.Commit{{SHA: base.SHA}}}, nil)
	if _, _, err := c.Git.UpdateRef(ctx, "acme", "api", &github.Reference{Ref: github.String("refs/heads/devops-lead/1-ci"), Object: &github.GitObject{SHA: other.SHA}}, false); err == nil {
		t.Fatal("a non-fast-forward update without force should fail")
	}
	if _, _, err := c.Git.UpdateRef(ctx, "acme", "api", &github.Reference{Ref: github.String("refs/heads/devops-lead/1-ci"), Object: &github.GitObject{SHA: other.SHA}}, true); err != nil {
		t.Fatal(err)
	}
	fc, _, _, err := c.Repositories.GetContents(ctx, "acme", "api", "main.go", &github.RepositoryContentGetOptions{Ref: "devops-lead/1-ci"})
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := fc.GetContent(); s != "package main\n" {
		t.Errorf("contents = %q", s)
	}
}

func TestPullsAndWorkflowPermission(t *testing.T) {
	srv, c := setup(t, t)
	ctx := context.Background()
	repo := srv.Repo("acme/api")
	repo.BlockWorkflows = true
	head := repo.Head("main")
	tree, _, err := c.Git.CreateTree(ctx, "acme", "api", repo.commits[head].Tree, []*github.TreeEntry{
		{Path: github.String(".github/workflows/ci.yml"), Mode: github.String("100644"), Type: github.String("blob"), Content: github.String("on: push\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	commit, _, _ := c.Git.CreateCommit(ctx, "acme", "api", &github.Commit{Message: github.String("ci"), Tree: tree, Parents: []*github.Commit{{SHA: &head}}}, nil)
	_, _, err = c.Git.CreateRef(ctx, "acme", "api", &github.Reference{Ref: github.String("refs/heads/ci"), Object: &github.GitObject{SHA: commit.SHA}})
	if err == nil || !strings.Contains(err.Error(), "without `workflows` permission") {
		t.Fatalf("workflow write without permission: %v", err)
	}
	repo.BlockWorkflows = false
	if _, _, err := c.Git.CreateRef(ctx, "acme", "api", &github.Reference{Ref: github.String("refs/heads/ci"), Object: &github.GitObject{SHA: commit.SHA}}); err != nil {
		t.Fatal(err)
	}
	pr, _, err := c.PullRequests.Create(ctx, "acme", "api", &github.NewPullRequest{Title: github.String("CI"), Head: github.String("ci"), Base: github.String("main"), Body: github.String("Closes #1")})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.PullRequests.Create(ctx, "acme", "api", &github.NewPullRequest{Title: github.String("CI"), Head: github.String("ci"), Base: github.String("main")}); err == nil {
		t.Fatal("a second PR for the same head should be refused")
	}
	open, _, err := c.PullRequests.List(ctx, "acme", "api", &github.PullRequestListOptions{Head: "acme:ci", State: "open"})
	if err != nil || len(open) != 1 || open[0].GetNumber() != pr.GetNumber() {
		t.Fatalf("list by head = %v %v", open, err)
	}
	if _, _, err := c.PullRequests.RequestReviewers(ctx, "acme", "api", pr.GetNumber(), github.ReviewersRequest{Reviewers: []string{"alice"}}); err != nil {
		t.Fatal(err)
	}
}

func TestStrictAndFaults(t *testing.T) {
	rec := &recorder{TB: t}
	srv, c := setup(t, rec)
	ctx := context.Background()

	// An endpoint the server does not know fails the test.
	req, _ := c.NewRequest("GET", "repos/acme/api/actions/runs", nil)
	if _, err := c.Do(ctx, req, nil); err == nil {
		t.Fatal("unknown endpoint should fail")
	}
	if !strings.Contains(rec.reported(), "unknown endpoint GET /repos/acme/api/actions/runs") {
		t.Fatalf("reported: %q", rec.reported())
	}
	// A body with a field GitHub does not take fails the test.
	rec.errs = nil
	req, _ = c.NewRequest("POST", "repos/acme/api/issues", map[string]string{"title": "x", "titel": "typo"})
	if _, err := c.Do(ctx, req, nil); err == nil {
		t.Fatal("malformed body should fail")
	}
	if !strings.Contains(rec.reported(), "malformed body") {
		t.Fatalf("reported: %q", rec.reported())
	}

	rec.errs = nil
	srv.ResetCalls()
	srv.Fail("POST /repos/{owner}/{repo}/issues", ServerError(), SecondaryRateLimit(time.Second))
	_, resp, err := c.Issues.Create(ctx, "acme", "api", &github.IssueRequest{Title: github.String("x")})
	if err == nil || resp.StatusCode != 500 {
		t.Fatalf("first call: %v", err)
	}
	_, _, err = c.Issues.Create(ctx, "acme", "api", &github.IssueRequest{Title: github.String("x")})
	var abuse *github.AbuseRateLimitError
	if !errors.As(err, &abuse) || abuse.GetRetryAfter() != time.Second {
		t.Fatalf("second call: %v, want a secondary rate limit with Retry-After 1s", err)
	}
	time.Sleep(abuse.GetRetryAfter()) // go-github refuses to call again before then
	if _, _, err := c.Issues.Create(ctx, "acme", "api", &github.IssueRequest{Title: github.String("x")}); err != nil {
		t.Fatalf("third call: %v", err)
	}
	if got := srv.Calls("POST /repos/{owner}/{repo}/issues"); got != 3 {
		t.Errorf("calls = %d, want 3", got)
	}
	if rec.reported() != "" {
		t.Errorf("faults must not be reported as test failures: %s", rec.reported())
	}
}

func TestAppJWTIsVerified(t *testing.T) {
	rec := &recorder{TB: t}
	k, _ := testKey(t)
	srv := New(rec, 7, &k.PublicKey)
	srv.AddInstallation(42, "acme/api")
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)})
	tr, err := ghinstallation.New(http.DefaultTransport, 7, 42, otherPEM)
	if err != nil {
		t.Fatal(err)
	}
	tr.BaseURL = srv.URL
	c := github.NewClient(&http.Client{Transport: tr})
	c.BaseURL, _ = url.Parse(srv.URL + "/")
	if _, _, err := c.Repositories.Get(context.Background(), "acme", "api"); err == nil {
		t.Fatal("a JWT signed with the wrong key must be refused")
	}
	if !strings.Contains(rec.reported(), "App JWT") {
		t.Fatalf("reported: %q", rec.reported())
	}
}

// TestStaticToken: a token added with AddToken works as "token X" and
// "Bearer X", acts as its login, sees only its repositories; a wrong or
// missing token still fails the test.
func TestStaticToken(t *testing.T) {
	rec := &recorder{TB: t}
	k, _ := testKey(t)
	srv := New(rec, 7, &k.PublicKey)
	srv.AddToken("ghs_workflow", "github-actions[bot]", "acme/api")
	srv.Repo("acme/other")
	ctx := context.Background()
	client := func(scheme, token string) *github.Client {
		c := github.NewClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			r = r.Clone(r.Context())
			if token != "" {
				r.Header.Set("Authorization", scheme+" "+token)
			}
			return http.DefaultTransport.RoundTrip(r)
		})})
		c.BaseURL, _ = url.Parse(srv.URL + "/")
		return c
	}
	for _, scheme := range []string{"token", "Bearer"} {
		c := client(scheme, "ghs_workflow")
		cm, _, err := c.Issues.CreateComment(ctx, "acme", "api", srv.AddIssue("acme/api", "alice", "t", "b").Number, &github.IssueComment{Body: github.String("hi")})
		if err != nil {
			t.Fatalf("%s: %v", scheme, err)
		}
		if cm.GetUser().GetLogin() != "github-actions[bot]" {
			t.Errorf("%s: comment by %q, want the token's login", scheme, cm.GetUser().GetLogin())
		}
	}
	if rec.reported() != "" {
		t.Fatalf("a good static token was reported: %s", rec.reported())
	}
	// Another repository is not the token's: 404, as for a GITHUB_TOKEN.
	if _, _, err := client("token", "ghs_workflow").Repositories.Get(ctx, "acme", "other"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("another repository: %v, want 404", err)
	}
	for name, c := range map[string]*github.Client{"wrong": client("token", "ghs_wrong"), "missing": client("", "")} {
		rec.errs = nil
		if _, _, err := c.Repositories.Get(ctx, "acme", "api"); err == nil {
			t.Errorf("%s token: the call succeeded", name)
		}
		if !strings.Contains(rec.reported(), "token") {
			t.Errorf("%s token: not reported as a test failure: %q", name, rec.reported())
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestGetApp: GET /app answers the App JWT with the App's id, slug and
// name; a JWT of another key is answered 401 without failing the test (it
// is how a server checks its key); an installation token there is a
// client bug and fails it.
func TestGetApp(t *testing.T) {
	rec := &recorder{TB: t}
	k, pemBytes := testKey(t)
	srv := New(rec, 7, &k.PublicKey)
	srv.AddInstallation(42, "acme/api")
	srv.AppSlug = "acme-lead"
	appClient := func(key []byte) *github.Client {
		tr, err := ghinstallation.NewAppsTransport(http.DefaultTransport, 7, key)
		if err != nil {
			t.Fatal(err)
		}
		tr.BaseURL = srv.URL
		c := github.NewClient(&http.Client{Transport: tr})
		c.BaseURL, _ = url.Parse(srv.URL + "/")
		return c
	}
	app, _, err := appClient(pemBytes).Apps.Get(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if app.GetID() != 7 || app.GetSlug() != "acme-lead" || app.GetName() != "acme-lead" {
		t.Fatalf("app = %+v", app)
	}

	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)})
	_, resp, err := appClient(otherPEM).Apps.Get(context.Background(), "")
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("another key: %v", err)
	}
	if r := rec.reported(); r != "" {
		t.Fatalf("a 401 on GET /app is an answer, not a failure: %q", r)
	}

	tr, err := ghinstallation.New(http.DefaultTransport, 7, 42, pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	tr.BaseURL = srv.URL
	inst := github.NewClient(&http.Client{Transport: tr})
	inst.BaseURL, _ = url.Parse(srv.URL + "/")
	if _, _, err := inst.Apps.Get(context.Background(), ""); err == nil {
		t.Fatal("an installation token must not be accepted on GET /app")
	}
	if !strings.Contains(rec.reported(), "want an App JWT") {
		t.Fatalf("reported: %q", rec.reported())
	}
}
