// Package webhook is the HTTP intake of GitHub webhooks: it checks the
// X-Hub-Signature-256 signature in constant time, caps the body, answers
// ping, and hands each delivery it may act on to a durable store before it
// answers 202 — in milliseconds, since GitHub marks slow answers as
// failed. A delivery ID seen before is answered 200 and stored nothing.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// MaxBody is GitHub's cap on a webhook payload (25 MB).
const MaxBody = 25 << 20

// Delivery is one webhook delivery as the queue keeps it.
type Delivery struct {
	ID           string    `json:"id"` // X-GitHub-Delivery
	Event        string    `json:"event"`
	Action       string    `json:"action,omitempty"`
	Installation int64     `json:"installation,omitempty"`
	Repo         string    `json:"repo,omitempty"`   // owner/name
	Number       int       `json:"number,omitempty"` // issue or pull request
	Sender       string    `json:"sender,omitempty"`
	SenderIsBot  bool      `json:"sender_is_bot,omitempty"`
	Payload      []byte    `json:"-"`
	ReceivedAt   time.Time `json:"received_at"`
}

// Key is the unit of serialisation: one issue or pull request of one
// repository runs one job at a time.
func (d *Delivery) Key() string {
	if d.Repo == "" {
		return "installation/" + fmt.Sprint(d.Installation)
	}
	return fmt.Sprintf("%s#%d", d.Repo, d.Number)
}

// Store keeps deliveries durably. Save reports false, with no error, for
// a delivery ID it already has.
type Store interface {
	Save(ctx context.Context, d *Delivery) (bool, error)
}

// Handler is the webhook endpoint.
type Handler struct {
	secret []byte
	store  Store
	log    *slog.Logger
	// Counters, for /metrics-style reporting and tests.
	Stored, Duplicates, Ignored, Refused atomic.Int64
}

// New returns a handler. An empty secret is refused: there is no unsigned
// mode.
func New(secret string, store Store, log *slog.Logger) (*Handler, error) {
	if secret == "" {
		return nil, errors.New("webhook: GITHUB_WEBHOOK_SECRET is empty; the server will not take unsigned deliveries")
	}
	if store == nil {
		return nil, errors.New("webhook: no store")
	}
	if log == nil {
		log = slog.Default()
	}
	return &Handler{secret: []byte(secret), store: store, log: log}, nil
}

// routed are the events and actions the App acts on or keeps for later
// work. Other actions of these events are acknowledged and ignored.
var routed = map[string]map[string]bool{
	"issues":                      {"labeled": true},
	"issue_comment":               {"created": true},
	"pull_request":                {"closed": true, "reopened": true},
	"pull_request_review":         {"submitted": true, "edited": true, "dismissed": true},
	"pull_request_review_comment": {"created": true, "edited": true},
	"installation":                {"created": true, "deleted": true, "suspend": true, "unsuspend": true, "new_permissions_accepted": true},
	"installation_repositories":   {"added": true, "removed": true},
}

// payload is the part of any event payload intake reads.
type payload struct {
	Action       string `json:"action"`
	Installation *struct {
		ID int64 `json:"id"`
	} `json:"installation"`
	Repository *struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
	Issue *struct {
		Number int `json:"number"`
	} `json:"issue"`
	PullRequest *struct {
		Number int `json:"number"`
	} `json:"pull_request"`
	Sender *struct {
		Login string `json:"login"`
		Type  string `json:"type"`
	} `json:"sender"`
}

// Routed reports whether the App acts on (or keeps for later work) an
// event with this action; every other event is acknowledged and ignored.
func Routed(event, action string) bool {
	return routed[event][action]
}

// FromPayload builds the delivery of an event from its JSON payload, the
// body of a webhook or the file at GITHUB_EVENT_PATH in a workflow run:
// the action, installation, repository, issue or pull request number and
// sender. It fails only when body is not a JSON object; whether the event
// is one to act on is Routed's question.
func FromPayload(id, event string, body []byte) (*Delivery, error) {
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("the %s payload is not a JSON object: %w", event, err)
	}
	d := &Delivery{ID: id, Event: event, Action: p.Action, Payload: body, ReceivedAt: time.Now().UTC()}
	if p.Installation != nil {
		d.Installation = p.Installation.ID
	}
	if p.Repository != nil {
		d.Repo = p.Repository.FullName
	}
	switch {
	case p.Issue != nil:
		d.Number = p.Issue.Number
	case p.PullRequest != nil:
		d.Number = p.PullRequest.Number
	}
	if p.Sender != nil {
		d.Sender, d.SenderIsBot = p.Sender.Login, p.Sender.Type == "Bot" || strings.HasSuffix(p.Sender.Login, "[bot]")
	}
	return d, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.Header.Get("X-GitHub-Delivery")
	event := r.Header.Get("X-GitHub-Event")
	log := h.log.With("delivery", id, "event", event)
	refuse := func(status int, msg string) {
		h.Refused.Add(1)
		log.Warn("webhook refused", "status", status, "reason", msg)
		http.Error(w, msg, status)
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		refuse(http.StatusMethodNotAllowed, "webhooks are POSTed")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			refuse(http.StatusRequestEntityTooLarge, "payload over 25 MB")
			return
		}
		refuse(http.StatusBadRequest, "could not read the body")
		return
	}
	if !h.valid(r.Header.Get("X-Hub-Signature-256"), body) {
		refuse(http.StatusUnauthorized, "missing or invalid X-Hub-Signature-256")
		return
	}
	if id == "" || event == "" {
		refuse(http.StatusBadRequest, "X-GitHub-Delivery and X-GitHub-Event are required")
		return
	}
	d, err := FromPayload(id, event, body)
	if err != nil {
		refuse(http.StatusBadRequest, "the body is not a JSON object")
		return
	}
	if event == "ping" {
		log.Info("ping")
		writeText(w, http.StatusOK, "pong")
		return
	}
	if !Routed(event, d.Action) {
		h.Ignored.Add(1)
		log.Info("webhook ignored", "action", d.Action)
		writeText(w, http.StatusAccepted, "ignored")
		return
	}
	d.ReceivedAt = start.UTC()
	if d.Installation == 0 {
		// Signed, but nothing the App can act on: acknowledge and log.
		h.Ignored.Add(1)
		log.Info("webhook without an installation ignored", "repo", d.Repo)
		writeText(w, http.StatusAccepted, "ignored: no installation")
		return
	}
	isNew, err := h.store.Save(r.Context(), d)
	if err != nil {
		// Not stored: a 5xx makes GitHub show the delivery as failed, so
		// it can be redelivered.
		log.Error("webhook not stored", "err", err)
		http.Error(w, "could not store the delivery", http.StatusServiceUnavailable)
		return
	}
	log = log.With("repo", d.Repo, "issue", d.Number, "action", d.Action)
	if !isNew {
		h.Duplicates.Add(1)
		log.Info("webhook duplicate", "took", time.Since(start))
		writeText(w, http.StatusOK, "duplicate delivery")
		return
	}
	h.Stored.Add(1)
	log.Info("webhook stored", "took", time.Since(start))
	writeText(w, http.StatusAccepted, "stored")
}

// valid checks "sha256=<hex>" against the body's HMAC in constant time.
func (h *Handler) valid(sig string, body []byte) bool {
	hexSig, ok := strings.CutPrefix(sig, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, h.secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Sign returns the X-Hub-Signature-256 value for a body, for tests and
// tools that post deliveries.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}
