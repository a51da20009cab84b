// Package gemini is the brain backed by Google's Gemini models through
// google.golang.org/genai: the lead plans with structured JSON output, and
// each specialist is an agent that reads the repository and writes files
// through function calls, validates its ChangeSet on finish and repairs it
// from the findings, within per-task budgets of turns and tokens.
//
// Issue text and repository content reach the model only inside fenced
// blocks labelled as untrusted data; whatever the model writes still has to
// pass the mode's path globs and the validation gate.
package gemini

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"google.golang.org/genai"
)

// Defaults for Config fields left at zero.
const (
	DefaultModel           = "gemini-2.5-flash"
	DefaultMaxTurns        = 24
	DefaultMaxInputTokens  = 1_000_000
	DefaultMaxOutputTokens = 64_000
	DefaultMaxRounds       = 3
	DefaultCallTimeout     = 2 * time.Minute
	DefaultMaxRetries      = 4
	DefaultMaxReadBytes    = 64 << 10
)

// Config configures the brain. Zero fields take the defaults above.
type Config struct {
	// APIKey is the Gemini API key; empty lets the SDK read its own
	// environment (GEMINI_API_KEY, GOOGLE_API_KEY, or Vertex AI through
	// GOOGLE_GENAI_USE_VERTEXAI, GOOGLE_CLOUD_PROJECT, GOOGLE_CLOUD_LOCATION).
	APIKey string
	// BaseURL points the client at another endpoint (tests use a fake
	// server speaking the v1beta generateContent wire format).
	BaseURL string
	// Model, when set, overrides every mode's model.
	Model string
	// MaxTurns caps model calls per task (and per plan).
	MaxTurns int
	// MaxInputTokens and MaxOutputTokens cap the tokens per task, as the
	// server reports them in UsageMetadata.
	MaxInputTokens, MaxOutputTokens int64
	// MaxRounds caps how many times the agent's finish may be refused by
	// the gate before the task fails.
	MaxRounds int
	// CallTimeout bounds one generateContent call.
	CallTimeout time.Duration
	// MaxRetries bounds retries of one call on 429, 5xx and timeouts.
	MaxRetries int
	// RetryBase is the first backoff delay when the server names none
	// (default 1s); RetryMax caps every delay (default 60s).
	RetryBase, RetryMax time.Duration
	// MaxReadBytes caps what read_file returns of one file.
	MaxReadBytes int
	// HTTPClient is the HTTP client to use; nil means a default one.
	HTTPClient *http.Client
	// OnTokens, when set, is told the tokens of every call as the server
	// reports them (serve counts them in its metrics).
	OnTokens func(model string, input, output int64)
}

func (c *Config) defaults() {
	set := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	set(&c.MaxTurns, DefaultMaxTurns)
	set(&c.MaxRounds, DefaultMaxRounds)
	set(&c.MaxRetries, DefaultMaxRetries)
	set(&c.MaxReadBytes, DefaultMaxReadBytes)
	if c.MaxInputTokens <= 0 {
		c.MaxInputTokens = DefaultMaxInputTokens
	}
	if c.MaxOutputTokens <= 0 {
		c.MaxOutputTokens = DefaultMaxOutputTokens
	}
	if c.CallTimeout <= 0 {
		c.CallTimeout = DefaultCallTimeout
	}
	if c.RetryBase <= 0 {
		c.RetryBase = time.Second
	}
	if c.RetryMax <= 0 {
		c.RetryMax = time.Minute
	}
}

// Brain is the Gemini brain; it implements engine.Brain.
type Brain struct {
	cfg    Config
	client *genai.Client
}

// New creates the client. It fails when no credentials are configured.
func New(ctx context.Context, cfg Config) (*Brain, error) {
	cfg.defaults()
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	// Wrap the transport to see the Retry-After header, which the SDK's
	// APIError does not carry.
	inner := hc.Transport
	if inner == nil {
		inner = http.DefaultTransport
	}
	wrapped := *hc
	wrapped.Transport = &hintTransport{next: inner}
	cc := &genai.ClientConfig{APIKey: cfg.APIKey, HTTPClient: &wrapped}
	if cfg.BaseURL != "" {
		cc.HTTPOptions.BaseURL = cfg.BaseURL
		cc.Backend = genai.BackendGeminiAPI
	}
	client, err := genai.NewClient(ctx, cc)
	if err != nil {
		return nil, fmt.Errorf("gemini client: %w (set GEMINI_API_KEY, or GOOGLE_GENAI_USE_VERTEXAI=true with GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION)", err)
	}
	if client == nil {
		return nil, errors.New("gemini client: the SDK returned no client")
	}
	return &Brain{cfg: cfg, client: client}, nil
}

// Name returns "gemini".
func (b *Brain) Name() string { return "gemini" }

// model picks the model for a mode: the override, the mode's, the default.
func (b *Brain) model(modeModel string) string {
	switch {
	case b.cfg.Model != "":
		return b.cfg.Model
	case modeModel != "":
		return modeModel
	}
	return DefaultModel
}
