package github

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryTransport waits out GitHub's rate limits below go-github, so a
// limited call is retried instead of failing the job: a secondary limit
// (403/429 with Retry-After, or its message) and a primary limit (403/429
// with X-RateLimit-Remaining: 0, waiting until X-RateLimit-Reset). Waits
// are bounded by maxWait and honour the request's context. 5xx answers to
// GET requests are retried twice with backoff; writes are not, since the
// job's idempotent steps retry them safely.
type retryTransport struct {
	next    http.RoundTripper
	maxWait time.Duration
	sleep   func(ctx context.Context, d time.Duration) error
	now     func() time.Time
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

const maxAttempts = 4

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	maxWait := t.maxWait
	if maxWait <= 0 {
		maxWait = 60 * time.Second
	}
	now := time.Now
	if t.now != nil {
		now = t.now
	}
	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 {
			if req.Body != nil && req.GetBody == nil {
				return nil, fmt.Errorf("retry %s %s: the request body cannot be replayed", req.Method, req.URL.Path)
			}
			r = req.Clone(req.Context())
			if req.GetBody != nil {
				b, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = b
			}
		}
		resp, err := t.next.RoundTrip(r)
		if err != nil || attempt >= maxAttempts {
			return resp, err
		}
		wait, retry := retryAfter(resp, req.Method, attempt, now())
		if !retry {
			return resp, nil
		}
		if wait > maxWait {
			return resp, nil // let the caller see the limit and fail clearly
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if err := t.sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// retryAfter decides whether and how long to wait before retrying.
func retryAfter(resp *http.Response, method string, attempt int, now time.Time) (time.Duration, bool) {
	switch {
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests:
		if s := resp.Header.Get("Retry-After"); s != "" {
			if n, err := strconv.Atoi(s); err == nil && n >= 0 {
				return time.Duration(n) * time.Second, true
			}
		}
		if resp.Header.Get("X-RateLimit-Remaining") == "0" {
			if n, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
				d := time.Unix(n, 0).Sub(now) + time.Second
				if d < 0 {
					d = time.Second
				}
				return d, true
			}
		}
		if resp.StatusCode == http.StatusTooManyRequests || isSecondaryLimit(resp) {
			// GitHub asks for at least a minute when it gives no header.
			return time.Minute, true
		}
		return 0, false
	case resp.StatusCode >= 500 && method == http.MethodGet:
		return time.Duration(attempt*attempt) * 500 * time.Millisecond, true
	}
	return 0, false
}

// isSecondaryLimit peeks at a 403 body for the secondary-limit message
// and leaves the body readable.
func isSecondaryLimit(resp *http.Response) bool {
	if resp.Body == nil {
		return false
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(data)))
	return strings.Contains(strings.ToLower(string(data)), "secondary rate limit")
}
