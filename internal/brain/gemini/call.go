package gemini

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/genai"

	"github.com/devops-lead/devops-lead/internal/change"
)

// ErrBudget is returned (wrapped) when a task spends its turns or tokens.
var ErrBudget = errors.New("budget exhausted")

// session is one plan's or one task's conversation with one model, with
// the usage it has spent.
type session struct {
	b     *Brain
	usage change.Usage
	// what names the session in errors ("task ci", "the plan").
	what string
}

func (b *Brain) session(model, what string) *session {
	return &session{b: b, usage: change.Usage{Model: model}, what: what}
}

// generate makes one model turn, retrying on 429, 5xx and call timeouts,
// and charges the usage to the session's budget.
func (s *session) generate(ctx context.Context, contents []*genai.Content, cfg *genai.GenerateContentConfig) (*genai.GenerateContentResponse, error) {
	c := &s.b.cfg
	if s.usage.Turns >= c.MaxTurns {
		return nil, fmt.Errorf("%s: %w: %d model turns used (cap %d); raise the cap or split the task", s.what, ErrBudget, s.usage.Turns, c.MaxTurns)
	}
	s.usage.Turns++
	var lastErr error
	for attempt := 0; ; attempt++ {
		resp, hint, err := s.once(ctx, contents, cfg)
		if err == nil {
			s.charge(resp)
			if err := s.overBudget(); err != nil {
				return nil, err
			}
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", s.what, ctx.Err())
		}
		lastErr = err
		if !retryable(err) || attempt >= c.MaxRetries {
			break
		}
		d := retryDelay(err, hint, c.RetryBase, attempt)
		if d > c.RetryMax {
			d = c.RetryMax
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%s: %w", s.what, ctx.Err())
		case <-t.C:
		}
	}
	return nil, fmt.Errorf("%s: the Gemini API call to %s failed%s: %w", s.what, s.usage.Model, hintFor(lastErr), lastErr)
}

// hintFor says what to fix for the common client errors.
func hintFor(err error) string {
	var ae genai.APIError
	if !errors.As(err, &ae) {
		return ""
	}
	switch ae.Code {
	case http.StatusBadRequest:
		return " (the request was refused; if the message names the API key, check GEMINI_API_KEY)"
	case http.StatusUnauthorized, http.StatusForbidden:
		return " (check GEMINI_API_KEY, or the Vertex AI project's credentials and permissions)"
	case http.StatusNotFound:
		return " (no such model: check --model or the mode file's model: field)"
	case http.StatusTooManyRequests:
		return " (rate limit or quota still exceeded after the retries; wait, or lower the work per run)"
	}
	return ""
}

func (s *session) once(ctx context.Context, contents []*genai.Content, cfg *genai.GenerateContentConfig) (*genai.GenerateContentResponse, *retryHint, error) {
	cctx, cancel := context.WithTimeout(ctx, s.b.cfg.CallTimeout)
	defer cancel()
	hint := &retryHint{}
	cctx = context.WithValue(cctx, hintKey{}, hint)
	resp, err := s.b.client.Models.GenerateContent(cctx, s.usage.Model, contents, cfg)
	if err == nil && resp == nil {
		err = errors.New("empty response")
	}
	if err != nil && cctx.Err() != nil && ctx.Err() == nil {
		err = fmt.Errorf("no answer within %s: %w", s.b.cfg.CallTimeout, errCallTimeout)
	}
	return resp, hint, err
}

var errCallTimeout = errors.New("call timed out")

func (s *session) charge(resp *genai.GenerateContentResponse) {
	if m := resp.UsageMetadata; m != nil {
		in := int64(m.PromptTokenCount) + int64(m.ToolUsePromptTokenCount)
		out := int64(m.CandidatesTokenCount) + int64(m.ThoughtsTokenCount)
		s.usage.InputTokens += in
		s.usage.OutputTokens += out
		if f := s.b.cfg.OnTokens; f != nil {
			f(s.usage.Model, in, out)
		}
	}
}

func (s *session) overBudget() error {
	c := &s.b.cfg
	switch {
	case s.usage.InputTokens > c.MaxInputTokens:
		return fmt.Errorf("%s: %w: %d input tokens used (cap %d); raise the cap or split the task", s.what, ErrBudget, s.usage.InputTokens, c.MaxInputTokens)
	case s.usage.OutputTokens > c.MaxOutputTokens:
		return fmt.Errorf("%s: %w: %d output tokens used (cap %d); raise the cap or split the task", s.what, ErrBudget, s.usage.OutputTokens, c.MaxOutputTokens)
	}
	return nil
}

// retryable reports whether a failed call may be tried again: rate limits,
// server errors and our own per-call timeout.
func retryable(err error) bool {
	if errors.Is(err, errCallTimeout) {
		return true
	}
	var ae genai.APIError
	if errors.As(err, &ae) {
		return ae.Code == http.StatusTooManyRequests || ae.Code >= 500
	}
	var pae *genai.APIError
	if errors.As(err, &pae) && pae != nil {
		return pae.Code == http.StatusTooManyRequests || pae.Code >= 500
	}
	return false
}

// retryDelay honours the server: google.rpc.RetryInfo in the error details
// first, then Retry-After, then exponential backoff from base.
func retryDelay(err error, hint *retryHint, base time.Duration, attempt int) time.Duration {
	var ae genai.APIError
	if errors.As(err, &ae) {
		for _, d := range ae.Details {
			t, _ := d["@type"].(string)
			if !strings.HasSuffix(t, "google.rpc.RetryInfo") {
				continue
			}
			if s, ok := d["retryDelay"].(string); ok {
				if v, perr := time.ParseDuration(s); perr == nil && v >= 0 {
					return v
				}
			}
		}
	}
	if hint != nil {
		if v, ok := hint.get(); ok {
			return v
		}
	}
	return base << min(attempt, 10)
}

// retryHint carries the Retry-After header of the last response of one
// call from the transport to the retry loop.
type retryHint struct {
	mu  sync.Mutex
	set bool
	d   time.Duration
}

func (h *retryHint) get() (time.Duration, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.d, h.set
}

type hintKey struct{}

type hintTransport struct{ next http.RoundTripper }

func (t *hintTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp == nil {
		return resp, err
	}
	h, _ := req.Context().Value(hintKey{}).(*retryHint)
	if ra := resp.Header.Get("Retry-After"); h != nil && ra != "" {
		if d, ok := parseRetryAfter(ra, time.Now()); ok {
			h.mu.Lock()
			h.d, h.set = d, true
			h.mu.Unlock()
		}
	}
	return resp, nil
}

// parseRetryAfter reads seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}
