package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The retry defaults.
const (
	// DefaultRequestTimeout bounds one attempt of one call: a GitHub that
	// does not answer in time is retried like a 5xx.
	DefaultRequestTimeout = 30 * time.Second
	// DefaultSecondaryWait is the wait after a secondary rate limit that
	// names no Retry-After: GitHub asks for at least a minute.
	DefaultSecondaryWait = time.Minute
	// maxAttempts is the tries of one call inside a job; after them the
	// error goes to the job, which the queue retries with its backoff.
	maxAttempts = 4
)

// retryTransport classifies GitHub's answers where they arrive and
// retries the transient ones a few times, quickly, below go-github:
//
//   - rate limits, whatever the method (the request had no effect): a
//     secondary limit (403/429 with Retry-After, or its message; without
//     Retry-After at least secondaryWait) and a primary limit (403/429 with
//     X-RateLimit-Remaining: 0, until X-RateLimit-Reset). A wait over
//     maxWait is not waited out: the call fails and the job retries later;
//   - 5xx answers and attempts that time out or lose the connection, for
//     requests that are safe to send twice (replayable): GET, HEAD, PUT,
//     PATCH, DELETE and the content-addressed Git Data creations. Other
//     POSTs (a comment, an issue, a pull request) may have taken effect
//     before the 5xx: they surface, and the job's find-then-create steps
//     retry them without duplicates.
//
// Waits honour the request's context.
type retryTransport struct {
	next    http.RoundTripper
	maxWait time.Duration
	sleep   func(ctx context.Context, d time.Duration) error
	now     func() time.Time
	// timeout bounds one attempt (DefaultRequestTimeout when 0).
	timeout time.Duration
	// secondaryWait replaces DefaultSecondaryWait when set.
	secondaryWait time.Duration
	// only, when set, limits the transport to the requests it accepts;
	// others pass through once.
	only func(*http.Request) bool
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

// replayable reports whether sending the request twice does no harm.
func replayable(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return true
	case http.MethodPost:
		p := req.URL.Path
		return strings.HasSuffix(p, "/git/blobs") || strings.HasSuffix(p, "/git/trees") ||
			strings.HasSuffix(p, "/git/commits") || strings.HasSuffix(p, "/access_tokens")
	}
	return false
}

// isTokenRequest matches an installation token request.
func isTokenRequest(req *http.Request) bool {
	return req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/access_tokens")
}

// cancelBody ends an attempt's context when its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.only != nil && !t.only(req) {
		return t.next.RoundTrip(req)
	}
	maxWait := t.maxWait
	if maxWait <= 0 {
		maxWait = 60 * time.Second
	}
	timeout := t.timeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	now := time.Now
	if t.now != nil {
		now = t.now
	}
	sleep := t.sleep
	if sleep == nil {
		sleep = sleepCtx
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
		actx, cancel := context.WithTimeout(req.Context(), timeout)
		resp, err := t.next.RoundTrip(r.WithContext(actx))
		if err != nil {
			cancel()
			if req.Context().Err() != nil {
				return nil, err // the caller gave up: not ours to retry
			}
			if errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("GitHub did not answer %s %s within %s: %w", req.Method, req.URL.Path, timeout, err)
			}
			if attempt >= maxAttempts || !replayable(req) {
				return nil, err
			}
			if serr := sleep(req.Context(), serverBackoff(attempt)); serr != nil {
				return nil, serr
			}
			continue
		}
		resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
		if attempt >= maxAttempts {
			return resp, nil
		}
		wait, retry := t.retryAfter(resp, req, attempt, now())
		if !retry {
			return resp, nil
		}
		if wait > maxWait {
			return resp, nil // let the caller see the limit; the job retries later
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// serverBackoff is the quick wait before retrying a 5xx or a timeout:
// 0.5s, 2s, 4.5s.
func serverBackoff(attempt int) time.Duration {
	return time.Duration(attempt*attempt) * 500 * time.Millisecond
}

// retryAfter decides whether and how long to wait before retrying.
func (t *retryTransport) retryAfter(resp *http.Response, req *http.Request, attempt int, now time.Time) (time.Duration, bool) {
	switch {
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests:
		if s := resp.Header.Get("Retry-After"); s != "" {
			if n, err := strconv.Atoi(s); err == nil && n >= 0 {
				return time.Duration(n) * time.Second, true
			}
			if at, err := http.ParseTime(s); err == nil {
				return max(at.Sub(now), 0), true
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
			if t.secondaryWait > 0 {
				return t.secondaryWait, true
			}
			return DefaultSecondaryWait, true
		}
		return 0, false
	case resp.StatusCode >= 500 && replayable(req):
		return serverBackoff(attempt), true
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
