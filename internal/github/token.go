package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// TokenClient returns a client that authenticates every call with a
// static token: the GITHUB_TOKEN of a workflow run, a personal access
// token, or an installation token made elsewhere (for example by
// actions/create-github-app-token). apiURL is the REST API root (""
// means github.com). Calls get the same rate-limit aware retries as an
// installation's, and the token goes only to the API's host, never to a
// host GitHub redirects to.
func TokenClient(token, apiURL string) (*Client, error) {
	return tokenClient(token, apiURL, nil, 0, nil)
}

func tokenClient(token, apiURL string, base http.RoundTripper, maxWait time.Duration, sleep func(context.Context, time.Duration) error) (*Client, error) {
	if token == "" {
		return nil, errors.New("no GitHub token: set GITHUB_TOKEN (in a workflow, the github-token input)")
	}
	if base == nil {
		base = http.DefaultTransport
	}
	api := apiRoot(apiURL)
	u, err := url.Parse(api)
	if err != nil {
		return nil, fmt.Errorf("GITHUB_API_URL %q: %w", apiURL, err)
	}
	return newClient(&tokenTransport{token: token, host: u.Host, next: base}, api, retryTransport{maxWait: maxWait, sleep: sleep})
}

// tokenTransport adds "Authorization: Bearer <token>" to requests for the
// API's host.
type tokenTransport struct {
	token string
	host  string
	next  http.RoundTripper
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != t.host {
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.next.RoundTrip(r)
}
