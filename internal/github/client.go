// Package github is devops-lead's GitHub layer: App authentication
// (ghinstallation v2.11.0, a fresh installation client per job), go-github
// v62 for REST, rate-limit aware retries, and the operations the lead needs
// done idempotently: sticky marker comments, sub-issues (which v62 lacks,
// so they go through NewRequest), multi-file commits through the Git Data
// API in a constant number of calls, and pull requests found by head
// before they are created.
package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v62/github"
)

// DefaultAPIURL is github.com's REST API.
const DefaultAPIURL = "https://api.github.com"

// App holds a GitHub App's credentials.
type App struct {
	ID  int64
	Key []byte // PEM private key
	// APIURL is the REST API root: DefaultAPIURL, or
	// https://HOST/api/v3 for GitHub Enterprise Server.
	APIURL string
	// Transport is the base transport (http.DefaultTransport when nil).
	Transport http.RoundTripper
	// TransportFor, when set, wraps the base transport of the clients of
	// one installation (0: the App itself), e.g. to count their calls.
	TransportFor func(installation int64, base http.RoundTripper) http.RoundTripper
	// MaxWait bounds how long one call waits for a rate limit to pass
	// before failing (default 60s).
	MaxWait time.Duration
	// RequestTimeout bounds one attempt of one call (default
	// DefaultRequestTimeout); a call that times out is retried like a 5xx.
	RequestTimeout time.Duration
	// SecondaryWait is the wait after a secondary rate limit without
	// Retry-After (default DefaultSecondaryWait, GitHub's minute).
	SecondaryWait time.Duration
	// Sleep, when set, replaces the waits between retries (tests make
	// them instant or short; nil sleeps for real).
	Sleep func(ctx context.Context, d time.Duration) error

	// sleep replaces the wait between retries in tests.
	sleep func(ctx context.Context, d time.Duration) error
}

// retry is the retry transport's settings for the App's clients.
func (a *App) retry() retryTransport {
	sleep := a.Sleep
	if sleep == nil {
		sleep = a.sleep
	}
	return retryTransport{maxWait: a.MaxWait, sleep: sleep, timeout: a.RequestTimeout, secondaryWait: a.SecondaryWait}
}

// Client is a REST client for one installation. Make a fresh one per job:
// ghinstallation refreshes its token, but a job should not outlive it.
type Client struct {
	REST *gh.Client
}

// Installation returns a client authenticated as the installation.
func (a *App) Installation(installationID int64) (*Client, error) {
	base := a.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	if a.TransportFor != nil {
		base = a.TransportFor(installationID, base)
	}
	// The installation token request is retried on 5xx and timeouts too
	// (a second token does no harm); API calls are retried above.
	tokens := a.retry()
	tokens.next, tokens.only = base, isTokenRequest
	itr, err := ghinstallation.New(&tokens, a.ID, installationID, a.Key)
	if err != nil {
		return nil, fmt.Errorf("GitHub App key for app %d: %w", a.ID, err)
	}
	api := apiRoot(a.APIURL)
	itr.BaseURL = api
	return newClient(itr, api, a.retry())
}

// apiRoot is the REST API root without a trailing slash (github.com's
// when apiURL is empty).
func apiRoot(apiURL string) string {
	api := strings.TrimRight(apiURL, "/")
	if api == "" {
		api = DefaultAPIURL
	}
	return api
}

// newClient puts the rate-limit aware retries over an authenticating
// transport and points go-github at the API root.
func newClient(auth http.RoundTripper, api string, retry retryTransport) (*Client, error) {
	u, err := url.Parse(api + "/")
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("GITHUB_API_URL %q is not an http(s) URL; set it to https://api.github.com or https://HOST/api/v3", api)
	}
	rt := retry
	rt.next = auth
	c := gh.NewClient(&http.Client{Transport: &rt})
	c.BaseURL = u
	return &Client{REST: c}, nil
}

// IsNotFound reports whether err is a GitHub 404.
func IsNotFound(err error) bool {
	var er *gh.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound
}

// IsForbidden reports whether err is a GitHub 403 that is not a rate
// limit: the token or the App lacks a permission ("Resource not
// accessible by integration").
func IsForbidden(err error) bool {
	var er *gh.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil || er.Response.StatusCode != http.StatusForbidden {
		return false
	}
	var rl *gh.RateLimitError
	var arl *gh.AbuseRateLimitError
	return !errors.As(err, &rl) && !errors.As(err, &arl) && !strings.Contains(strings.ToLower(er.Message), "rate limit")
}

// IsUnprocessable reports whether err is a GitHub 422 whose message
// contains substr (case-insensitive).
func IsUnprocessable(err error, substr string) bool {
	var er *gh.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil || er.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	msg := strings.ToLower(er.Message)
	for _, e := range er.Errors {
		msg += " " + strings.ToLower(e.Message)
	}
	return strings.Contains(msg, strings.ToLower(substr))
}

// IsWorkflowRefusal reports whether GitHub refused a workflow file because
// the App lacks the workflows permission.
func IsWorkflowRefusal(err error) bool {
	if err == nil {
		return false
	}
	return strings.Contains(err.Error(), "without `workflows` permission") ||
		strings.Contains(err.Error(), "without `workflow` scope")
}

// Permission returns the user's role on the repository: admin, maintain,
// write, triage, read or none.
func (c *Client) Permission(ctx context.Context, owner, repo, user string) (string, error) {
	req, err := c.REST.NewRequest("GET", fmt.Sprintf("repos/%s/%s/collaborators/%s/permission", owner, repo, url.PathEscape(user)), nil)
	if err != nil {
		return "", err
	}
	var out struct {
		Permission string `json:"permission"`
		RoleName   string `json:"role_name"`
	}
	if _, err := c.REST.Do(ctx, req, &out); err != nil {
		if IsNotFound(err) {
			return "none", nil
		}
		return "", fmt.Errorf("permission of %s on %s/%s: %w", user, owner, repo, err)
	}
	if out.RoleName != "" {
		return out.RoleName, nil
	}
	return out.Permission, nil
}

// CanWrite reports whether a role may make the lead act.
func CanWrite(role string) bool {
	switch role {
	case "admin", "maintain", "write":
		return true
	}
	return false
}
