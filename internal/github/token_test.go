package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v62/github"

	"github.com/devops-lead/devops-lead/internal/githubtest"
)

// TestTokenClient: a static-token client talks to the strict in-memory
// GitHub as the token's login, with the same retries as an installation.
func TestTokenClient(t *testing.T) {
	srv := githubtest.New(t, 9, nil)
	srv.AddToken("ghs_run", "github-actions[bot]", "acme/api")
	is := srv.AddIssue("acme/api", "alice", "t", "b")
	var slept []time.Duration
	c, err := tokenClient("ghs_run", srv.URL, nil, 0, func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	srv.Fail("GET /repos/{owner}/{repo}/issues/{number}/comments", githubtest.ServerError())
	cm, created, err := c.UpsertComment(ctx, "acme", "api", is.Number, "github-actions[bot]", "k", "hello "+Marker("k"))
	if err != nil || !created {
		t.Fatalf("upsert: %v, created %v", err, created)
	}
	if cm.GetUser().GetLogin() != "github-actions[bot]" {
		t.Errorf("comment by %q", cm.GetUser().GetLogin())
	}
	if len(slept) != 1 {
		t.Errorf("the GET 500 was not retried once: slept %v", slept)
	}
	if _, created, err := c.UpsertComment(ctx, "acme", "api", is.Number, "github-actions[bot]", "k", "hello "+Marker("k")); err != nil || created {
		t.Fatalf("second upsert: %v, created %v (the marker must be found)", err, created)
	}
	if role, err := c.Permission(ctx, "acme", "api", "alice"); err != nil || role != "none" {
		t.Fatalf("permission: %q, %v", role, err)
	}
}

func TestTokenClientRefusesBadSettings(t *testing.T) {
	if _, err := TokenClient("", ""); err == nil || !strings.Contains(err.Error(), "GITHUB_TOKEN") {
		t.Errorf("no token: %v", err)
	}
	for _, api := range []string{"api.github.com", "ftp://x/api", "http://"} {
		if _, err := TokenClient("t", api); err == nil || !strings.Contains(err.Error(), "GITHUB_API_URL") {
			t.Errorf("%q: %v, want an error naming GITHUB_API_URL", api, err)
		}
	}
	c, err := TokenClient("t", "")
	if err != nil || c.REST.BaseURL.String() != DefaultAPIURL+"/" {
		t.Fatalf("default API: %v %v", c, err)
	}
}

// TestTokenStaysOnTheAPIHost: the token is added for the API's host only,
// never for a host a redirect leads to.
func TestTokenStaysOnTheAPIHost(t *testing.T) {
	var got []string
	tr := &tokenTransport{token: "secret", host: "api.example.com", next: roundTrip(func(r *http.Request) (*http.Response, error) {
		got = append(got, r.URL.Host+"="+r.Header.Get("Authorization"))
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})}
	for _, u := range []string{"https://api.example.com/repos/a/b", "https://elsewhere.example.com/x"} {
		req, _ := http.NewRequest("GET", u, nil)
		if _, err := tr.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		if req.Header.Get("Authorization") != "" {
			t.Fatal("the caller's request was changed")
		}
	}
	if want := "api.example.com=Bearer secret elsewhere.example.com="; strings.Join(got, " ") != want {
		t.Fatalf("sent %q, want %q", strings.Join(got, " "), want)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestIsForbidden(t *testing.T) {
	resp := func(code int) *http.Response { return &http.Response{StatusCode: code, Request: &http.Request{}} }
	cases := []struct {
		err  error
		want bool
	}{
		{&gh.ErrorResponse{Response: resp(403), Message: "Resource not accessible by integration"}, true},
		{fmt.Errorf("comment: %w", &gh.ErrorResponse{Response: resp(403), Message: "Must have admin rights to Repository."}), true},
		{&gh.ErrorResponse{Response: resp(403), Message: "API rate limit exceeded for installation ID 1."}, false},
		{&gh.RateLimitError{Response: resp(403), Message: "API rate limit exceeded"}, false},
		{&gh.ErrorResponse{Response: resp(404), Message: "Not Found"}, false},
		{errors.New("boom"), false},
		{nil, false},
	}
	for i, c := range cases {
		if got := IsForbidden(c.err); got != c.want {
			t.Errorf("case %d (%v): IsForbidden = %v, want %v", i, c.err, got, c.want)
		}
	}
}
