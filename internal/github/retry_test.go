package github

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// scripted answers calls in order from a list of canned responses (a nil
// one is a transport error).
type scripted struct {
	answers []func() (*http.Response, error)
	calls   int
}

func (s *scripted) RoundTrip(req *http.Request) (*http.Response, error) {
	s.calls++
	if len(s.answers) == 0 {
		return answer(200, nil, `{}`)()
	}
	a := s.answers[0]
	s.answers = s.answers[1:]
	return a()
}

func answer(status int, h map[string]string, body string) func() (*http.Response, error) {
	return func() (*http.Response, error) {
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
		for k, v := range h {
			resp.Header.Set(k, v)
		}
		return resp, nil
	}
}

func fails(err error) func() (*http.Response, error) {
	return func() (*http.Response, error) { return nil, err }
}

const secondaryBody = `{"message":"You have exceeded a secondary rate limit."}`

func TestRetryClassifiesAtTheSource(t *testing.T) {
	errReset := errors.New("connection reset by peer")
	for _, tc := range []struct {
		name      string
		method    string
		path      string
		answers   []func() (*http.Response, error)
		wantCalls int
		wantWaits []time.Duration
		wantOK    bool
	}{
		{"GET 500 then ok", "GET", "/repos/a/b/issues/1", []func() (*http.Response, error){answer(500, nil, "{}"), answer(502, nil, "{}")},
			3, []time.Duration{500 * time.Millisecond, 2 * time.Second}, true},
		{"PATCH 503 is replayed", "PATCH", "/repos/a/b/issues/comments/1", []func() (*http.Response, error){answer(503, nil, "{}")},
			2, []time.Duration{500 * time.Millisecond}, true},
		{"POST comment 500 surfaces", "POST", "/repos/a/b/issues/1/comments", []func() (*http.Response, error){answer(500, nil, "{}")},
			1, nil, false},
		{"POST blob 500 is replayed", "POST", "/repos/a/b/git/blobs", []func() (*http.Response, error){answer(500, nil, "{}")},
			2, []time.Duration{500 * time.Millisecond}, true},
		{"GET connection error is retried", "GET", "/repos/a/b", []func() (*http.Response, error){fails(errReset)},
			2, []time.Duration{500 * time.Millisecond}, true},
		{"POST connection error surfaces", "POST", "/repos/a/b/pulls", []func() (*http.Response, error){fails(errReset)},
			1, nil, false},
		{"secondary limit with Retry-After, any method", "POST", "/repos/a/b/issues", []func() (*http.Response, error){
			answer(403, map[string]string{"Retry-After": "7"}, secondaryBody)}, 2, []time.Duration{7 * time.Second}, true},
		{"secondary limit without Retry-After waits the minute", "POST", "/repos/a/b/issues", []func() (*http.Response, error){
			answer(403, nil, secondaryBody)}, 2, []time.Duration{time.Minute}, true},
		{"429 without Retry-After", "GET", "/repos/a/b", []func() (*http.Response, error){answer(429, nil, "{}")},
			2, []time.Duration{time.Minute}, true},
		{"permission 403 is not retried", "GET", "/repos/a/b", []func() (*http.Response, error){
			answer(403, nil, `{"message":"Resource not accessible by integration"}`)}, 1, nil, false},
		{"gives up after four tries", "GET", "/repos/a/b", []func() (*http.Response, error){
			answer(500, nil, "{}"), answer(500, nil, "{}"), answer(500, nil, "{}"), answer(500, nil, "{}")}, 4,
			[]time.Duration{500 * time.Millisecond, 2 * time.Second, 4500 * time.Millisecond}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := &scripted{answers: tc.answers}
			var waits []time.Duration
			rt := &retryTransport{next: next, sleep: func(_ context.Context, d time.Duration) error {
				waits = append(waits, d)
				return nil
			}}
			req, _ := http.NewRequest(tc.method, "https://api.github.com"+tc.path, nil)
			resp, err := rt.RoundTrip(req)
			ok := err == nil && resp.StatusCode < 300
			if resp != nil {
				resp.Body.Close()
			}
			if ok != tc.wantOK || next.calls != tc.wantCalls {
				t.Errorf("ok %v after %d calls (err %v); want ok %v after %d", ok, next.calls, err, tc.wantOK, tc.wantCalls)
			}
			if len(waits) != len(tc.wantWaits) {
				t.Fatalf("waits %v, want %v", waits, tc.wantWaits)
			}
			for i := range waits {
				if waits[i] != tc.wantWaits[i] {
					t.Errorf("waits %v, want %v", waits, tc.wantWaits)
				}
			}
		})
	}
}

func TestRetrySecondaryWaitIsInjectable(t *testing.T) {
	next := &scripted{answers: []func() (*http.Response, error){answer(403, nil, secondaryBody)}}
	var waits []time.Duration
	rt := &retryTransport{next: next, secondaryWait: 5 * time.Millisecond, sleep: func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		return nil
	}}
	req, _ := http.NewRequest("GET", "https://api.github.com/x", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil || resp.StatusCode != 200 || len(waits) != 1 || waits[0] != 5*time.Millisecond {
		t.Fatalf("resp %v err %v waits %v", resp, err, waits)
	}
}

// A call GitHub does not answer in time is cut and, when replayable,
// sent again.
func TestRetryTimesOutSlowAnswers(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so the server notices the client leaving
		if n.Add(1) == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	rt := &retryTransport{next: http.DefaultTransport, timeout: 100 * time.Millisecond,
		sleep: func(context.Context, time.Duration) error { return nil }}
	start := time.Now()
	req, _ := http.NewRequest("GET", srv.URL+"/repos/a/b", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(body) != `{"ok":true}` || n.Load() != 2 {
		t.Fatalf("body %q err %v after %d calls", body, err, n.Load())
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s: the slow attempt was not cut", d)
	}
	// A POST that timed out may have taken effect: it surfaces.
	n.Store(0)
	req, _ = http.NewRequest("POST", srv.URL+"/repos/a/b/issues", strings.NewReader("{}"))
	if _, err := rt.RoundTrip(req); err == nil || !strings.Contains(err.Error(), "did not answer") || n.Load() != 1 {
		t.Fatalf("POST: err %v after %d calls; want a timeout after 1", err, n.Load())
	}
}
