package github

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v62/github"

	"github.com/devops-lead/devops-lead/internal/githubtest"
)

const bot = "devops-lead[bot]"

type fixture struct {
	srv    *githubtest.Server
	c      *Client
	slept  []time.Duration
	source *githubtest.Repo
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	f := &fixture{srv: githubtest.New(t, 9, &k.PublicKey)}
	f.srv.AddInstallation(5, "acme/api")
	f.source = f.srv.Repo("acme/api")
	f.source.SetFiles(map[string]string{"go.mod": "module acme/api\n\ngo 1.25\n", "main.go": "package main\n"})
	app := &App{ID: 9, Key: pemKey, APIURL: f.srv.URL, sleep: func(_ context.Context, d time.Duration) error {
		f.slept = append(f.slept, d)
		return nil
	}}
	f.c, err = app.Installation(5)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) apiCalls() int {
	return f.srv.TotalCalls() - f.srv.Calls("POST /app/installations/{id}/access_tokens")
}

// TestCallsPerPullRequest measures the GitHub calls one opened PR costs
// for 1, 10 and 100 files: it must be the same small constant.
func TestCallsPerPullRequest(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{1, 10, 100} {
		f := newFixture(t)
		base, err := f.c.BaseOf(ctx, "acme", "api", "main")
		if err != nil {
			t.Fatal(err)
		}
		f.srv.ResetCalls()
		var files []FileChange
		for i := 0; i < n; i++ {
			files = append(files, FileChange{Path: fmt.Sprintf("deploy/f%03d.yaml", i), Content: []byte(fmt.Sprintf("n: %d\n", i))})
		}
		files = append(files, FileChange{Path: "main.go", Delete: true})
		branch := "devops-lead/1-ci"
		if _, err := f.c.CommitFiles(ctx, "acme", "api", branch, base, "add files", files); err != nil {
			t.Fatal(err)
		}
		_, created, err := f.c.EnsurePR(ctx, "acme", "api", &gh.NewPullRequest{Title: gh.String("t"), Head: gh.String(branch), Base: gh.String("main"), Body: gh.String("b")})
		if err != nil || !created {
			t.Fatalf("EnsurePR: created %v, %v", created, err)
		}
		got := f.apiCalls()
		t.Logf("calls per opened PR: %d files: %d API calls", n, got)
		if got != 5 {
			t.Errorf("%d files: %d calls, want 5:\n%s", n, got, f.srv.CallSummary())
		}
		if _, ok := f.source.File(branch, "deploy/f000.yaml"); !ok {
			t.Error("file missing on the branch")
		}
		if _, ok := f.source.File(branch, "main.go"); ok {
			t.Error("main.go should be deleted on the branch")
		}
		if got, _ := f.source.File(branch, "go.mod"); !strings.Contains(got, "module acme/api") {
			t.Error("files of the base must stay")
		}
	}
}

func TestCommitAndPRAreIdempotent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	base, err := f.c.BaseOf(ctx, "acme", "api", "main")
	if err != nil {
		t.Fatal(err)
	}
	files := []FileChange{{Path: "Dockerfile", Content: []byte("FROM x\n")}}
	np := &gh.NewPullRequest{Title: gh.String("t"), Head: gh.String("b"), Base: gh.String("main"), Body: gh.String("body")}
	for i := 0; i < 3; i++ {
		if _, err := f.c.CommitFiles(ctx, "acme", "api", "b", base, "m", files); err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
		pr, created, err := f.c.EnsurePR(ctx, "acme", "api", np)
		if err != nil || created != (i == 0) || pr.GetNumber() == 0 {
			t.Fatalf("attempt %d: created %v err %v", i, created, err)
		}
	}
	if n := len(f.source.Pulls); n != 1 {
		t.Fatalf("%d pull requests, want 1", n)
	}
	if br := f.source.Branches(); len(br) != 2 {
		t.Fatalf("branches = %v", br)
	}
	// A binary file goes through a blob.
	if _, err := f.c.CommitFiles(ctx, "acme", "api", "bin", base, "m", []FileChange{{Path: "logo.png", Content: []byte{0xff, 0xd8, 0x00}}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.source.File("bin", "logo.png"); got != string([]byte{0xff, 0xd8, 0x00}) {
		t.Errorf("binary content = %q", got)
	}
}

func TestStickyCommentIgnoresPlantedMarkers(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	is := f.srv.AddIssue("acme/api", "alice", "Add CI", "", "devops")
	// Someone plants the marker: it must not be edited or trusted.
	f.srv.AddComment("acme/api", is.Number, "mallory", Marker("plan")+" fake")
	body1 := Marker("plan") + "\nplan v1"
	cm, created, err := f.c.UpsertComment(ctx, "acme", "api", is.Number, bot, "plan", body1)
	if err != nil || !created {
		t.Fatalf("first upsert: created %v err %v", created, err)
	}
	cm2, created, err := f.c.UpsertComment(ctx, "acme", "api", is.Number, bot, "plan", Marker("plan")+"\nplan v2")
	if err != nil || created || cm2.GetID() != cm.GetID() {
		t.Fatalf("second upsert: created %v id %d vs %d err %v", created, cm2.GetID(), cm.GetID(), err)
	}
	cs := f.source.CommentsOn(is.Number)
	if len(cs) != 2 || cs[0].Body != Marker("plan")+" fake" || !strings.Contains(cs[1].Body, "plan v2") {
		t.Fatalf("comments = %+v", cs)
	}
	if _, _, err := f.c.UpsertComment(ctx, "acme", "api", is.Number, bot, "plan", "no marker"); err == nil {
		t.Fatal("a body without its marker must be refused")
	}
}

func TestMarkerData(t *testing.T) {
	type plan struct {
		Tasks []string `json:"tasks"`
		Note  string   `json:"note"`
	}
	in := plan{Tasks: []string{"ci", "container"}, Note: "a --> b <!-- c"}
	m, err := WithData("plan", in)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(m, "--") != 2 || !strings.HasSuffix(m, " -->") {
		t.Fatalf("marker can be closed early: %s", m)
	}
	body := "# Plan\n\ntext\n\n" + m + "\n"
	var out plan
	ok, err := Data(body, "plan", &out)
	if err != nil || !ok || out.Note != in.Note || len(out.Tasks) != 2 {
		t.Fatalf("Data = %v %v %+v", ok, err, out)
	}
	if !HasMarker(body, "plan") || HasMarker(body, "pla") {
		t.Error("HasMarker")
	}
	if ok, _ := Data("nothing", "plan", &out); ok {
		t.Error("Data on a body without a marker")
	}
}

func TestSubIssuesAndPermission(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.source.Permissions["alice"] = "maintain"
	f.source.Permissions["bob"] = "read"
	for user, want := range map[string]string{"alice": "maintain", "bob": "read", "eve": "none"} {
		got, err := f.c.Permission(ctx, "acme", "api", user)
		if err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", user, got, err, want)
		}
		if CanWrite(got) != (user == "alice") {
			t.Errorf("CanWrite(%s)", got)
		}
	}
	parent := f.srv.AddIssue("acme/api", "alice", "p", "", "devops")
	sub, _, err := f.c.REST.Issues.Create(ctx, "acme", "api", &gh.IssueRequest{Title: gh.String("s"), Body: gh.String(Marker("task:ci")), Labels: &[]string{"devops:cicd-specialist"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := f.c.AddSubIssue(ctx, "acme", "api", parent.Number, sub.GetID()); err != nil {
			t.Fatalf("link %d: %v", i, err)
		}
	}
	subs, err := f.c.SubIssues(ctx, "acme", "api", parent.Number)
	if err != nil || len(subs) != 1 || subs[0].GetNumber() != sub.GetNumber() {
		t.Fatalf("sub-issues = %v %v", subs, err)
	}
	found, err := f.c.FindIssue(ctx, "acme", "api", "devops:cicd-specialist", bot, "task:ci")
	if err != nil || found.GetNumber() != sub.GetNumber() {
		t.Fatalf("FindIssue = %v %v", found, err)
	}
}

func TestRetriesRateLimitsAndServerErrors(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	is := f.srv.AddIssue("acme/api", "alice", "p", "")
	f.srv.Fail("POST /repos/{owner}/{repo}/issues/{number}/comments",
		githubtest.SecondaryRateLimit(3*time.Second), githubtest.PrimaryRateLimit(time.Now().Add(10*time.Second)))
	if _, _, err := f.c.REST.Issues.CreateComment(ctx, "acme", "api", is.Number, &gh.IssueComment{Body: gh.String("hi")}); err != nil {
		t.Fatalf("comment after rate limits: %v", err)
	}
	if len(f.slept) != 2 || f.slept[0] != 3*time.Second || f.slept[1] < 5*time.Second || f.slept[1] > 12*time.Second {
		t.Fatalf("waits = %v, want 3s then about 10s", f.slept)
	}
	if n := len(f.source.CommentsOn(is.Number)); n != 1 {
		t.Fatalf("%d comments, want 1", n)
	}
	// A GET that fails with 500 is retried; a POST is not.
	f.srv.Fail("GET /repos/{owner}/{repo}/issues/{number}", githubtest.ServerError())
	if _, _, err := f.c.REST.Issues.Get(ctx, "acme", "api", is.Number); err != nil {
		t.Fatalf("GET after a 500: %v", err)
	}
	f.srv.Fail("POST /repos/{owner}/{repo}/issues/{number}/comments", githubtest.ServerError())
	if _, _, err := f.c.REST.Issues.CreateComment(ctx, "acme", "api", is.Number, &gh.IssueComment{Body: gh.String("x")}); err == nil {
		t.Fatal("a POST answered 500 must surface")
	}
	// A limit longer than MaxWait is not waited out.
	f.slept = nil
	f.srv.Fail("GET /repos/{owner}/{repo}/issues/{number}", githubtest.SecondaryRateLimit(10*time.Minute))
	if _, _, err := f.c.REST.Issues.Get(ctx, "acme", "api", is.Number); err == nil {
		t.Fatal("a 10 minute limit should fail the call")
	}
	if len(f.slept) != 0 {
		t.Fatalf("slept %v", f.slept)
	}
}
