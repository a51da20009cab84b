package metrics

import (
	"bytes"
	"net/http"
	"strconv"
)

// Webhook wraps the webhook handler and counts each delivery by its
// X-GitHub-Event and what the handler answered: stored (202 "stored"),
// duplicate, ignored (202 otherwise, and ping), refused (4xx: bad
// signature, too large, malformed) or failed (5xx: not stored or over
// the in-flight budget, which GitHub redelivers).
func (m *Metrics) Webhook(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		m.Delivery(r.Header.Get("X-GitHub-Event"), outcome(rec.status, rec.head.Bytes()))
	})
}

// outcome names what a webhook answer means (a handler that wrote
// nothing answered 200).
func outcome(status int, body []byte) string {
	if status == 0 {
		status = http.StatusOK
	}
	switch {
	case status == http.StatusAccepted && bytes.HasPrefix(body, []byte("stored")):
		return "stored"
	case bytes.HasPrefix(body, []byte("duplicate")):
		return "duplicate"
	case status < 300:
		return "ignored"
	case status < 500:
		return "refused"
	}
	return "failed"
}

// recorder keeps the status and the first bytes of the body.
type recorder struct {
	http.ResponseWriter
	status int
	head   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if n := 32 - r.head.Len(); n > 0 {
		r.head.Write(p[:min(n, len(p))])
	}
	return r.ResponseWriter.Write(p)
}

// Transport counts the GitHub API calls made through next for one
// installation (0 for calls as the App) and records the rate limit left.
func (m *Metrics) Transport(installation int64, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{m: m, inst: installation, next: next}
}

type transport struct {
	m    *Metrics
	inst int64
	next http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		t.m.GitHubCall(t.inst, req.Method, 0, -1)
		return resp, err
	}
	remaining := -1
	if v := resp.Header.Get("X-RateLimit-Remaining"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			remaining = n
		}
	}
	t.m.GitHubCall(t.inst, req.Method, resp.StatusCode, remaining)
	return resp, nil
}
