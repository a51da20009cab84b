package gemini

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/engine"
)

func retryInfo(delay string) map[string]any {
	return map[string]any{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}
}

func TestRetryHonoursTheServer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		first   step
		atLeast time.Duration
	}{
		{"429 with RetryInfo", apiError(429, nil, retryInfo("0.3s")), 300 * time.Millisecond},
		{"503 with Retry-After", apiError(503, http.Header{"Retry-After": {"1"}}), time.Second},
		{"500 with backoff", apiError(500, nil), 10 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.first, textAnswer(goodPlan))
			b := f.brain(t, nil)
			start := time.Now()
			p, err := b.Plan(context.Background(), planInput(t, engine.Issue{Title: "add CI"}))
			if err != nil {
				t.Fatal(err)
			}
			if el := time.Since(start); el < tc.atLeast {
				t.Errorf("retried after %s, want at least %s", el, tc.atLeast)
			}
			if p.Usage.Turns != 1 || len(f.requests()) != 2 {
				t.Errorf("turns %d requests %d, want 1 turn in 2 requests", p.Usage.Turns, len(f.requests()))
			}
		})
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	f := newFake(t, apiError(400, nil))
	_, err := f.brain(t, nil).Plan(context.Background(), planInput(t, engine.Issue{Title: "add CI"}))
	if err == nil || !strings.Contains(err.Error(), "Error 400") || len(f.requests()) != 1 {
		t.Fatalf("err = %v after %d request(s)", err, len(f.requests()))
	}
	f = newFake(t, apiError(404, nil))
	_, err = f.brain(t, nil).Plan(context.Background(), planInput(t, engine.Issue{Title: "add CI"}))
	if err == nil || !strings.Contains(err.Error(), "check --model") || len(f.requests()) != 1 {
		t.Fatalf("err = %v after %d request(s)", err, len(f.requests()))
	}
}

func TestRetriesRunOut(t *testing.T) {
	f := newFake(t, apiError(429, nil), apiError(429, nil))
	_, err := f.brain(t, func(c *Config) { c.MaxRetries = 1 }).Plan(context.Background(), planInput(t, engine.Issue{Title: "add CI"}))
	if err == nil || !strings.Contains(err.Error(), "Error 429") || !strings.Contains(err.Error(), "gemini-2.5-pro failed") {
		t.Fatalf("err = %v", err)
	}
}

func TestCallTimeoutIsRetried(t *testing.T) {
	slow := func(t *testing.T, req map[string]any) (int, http.Header, any) {
		time.Sleep(400 * time.Millisecond)
		return textAnswer(goodPlan)(t, req)
	}
	f := newFake(t, slow, textAnswer(goodPlan))
	p, err := f.brain(t, func(c *Config) { c.CallTimeout = 100 * time.Millisecond }).Plan(context.Background(), planInput(t, engine.Issue{Title: "add CI"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tasks) != 2 {
		t.Fatalf("plan = %+v", p)
	}
}

func TestRetryDelayIsCapped(t *testing.T) {
	f := newFake(t, apiError(429, nil, retryInfo("3600s")), textAnswer(goodPlan))
	start := time.Now()
	if _, err := f.brain(t, func(c *Config) { c.RetryMax = 50 * time.Millisecond }).Plan(context.Background(), planInput(t, engine.Issue{Title: "add CI"})); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("waited %s, want the delay capped at RetryMax", el)
	}
}

func TestRetryWaitHonoursContext(t *testing.T) {
	f := newFake(t, apiError(429, nil, retryInfo("3600s")))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.brain(t, nil).Plan(ctx, planInput(t, engine.Issue{Title: "add CI"}))
	if err == nil || time.Since(start) > 5*time.Second || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("err = %v after %s", err, time.Since(start))
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"7":                             7 * time.Second,
		"Thu, 01 Jan 2026 00:00:30 GMT": 30 * time.Second,
	} {
		if got, ok := parseRetryAfter(in, now); !ok || got != want {
			t.Errorf("parseRetryAfter(%q) = %s %v, want %s", in, got, ok, want)
		}
	}
	if _, ok := parseRetryAfter("soon", now); ok {
		t.Error("parseRetryAfter accepted junk")
	}
}

func TestSecretLooking(t *testing.T) {
	for _, p := range []string{".env", "svc/.env.production", "certs/tls.pem", "x.key", "home/.ssh/id_rsa", "id_ed25519.pub", "prod.tfvars", ".npmrc"} {
		if !secretLooking(p) {
			t.Errorf("%s should look secret", p)
		}
	}
	for _, p := range []string{"go.mod", "Dockerfile", "keys.go", "env.go", "docs/environment.md"} {
		if secretLooking(p) {
			t.Errorf("%s should not look secret", p)
		}
	}
}
