// Package webhook is the HTTP intake of GitHub webhooks: it checks the
// X-Hub-Signature-256 signature in constant time, caps the body, answers
// ping, and hands each delivery it may act on to a durable store before it
// answers 202 — in milliseconds, since GitHub marks slow answers as
// failed. A delivery ID seen before is answered 200 and stored nothing,
// and so is an event seen before under another delivery ID (a replay: the
// signature does not cover the delivery ID; see EventIdentity).
//
// Intake is bounded before the signature can be checked: headers over
// their length limits are answered 400, a Content-Length over MaxBody 413
// before anything is read, a body is read through a limit (never more
// than MaxBody+1 bytes) while its HMAC is computed, and the bodies of all
// requests in progress share a byte budget (MaxInFlight); a request that
// would overflow it is answered 503 with Retry-After.
package webhook

import (
	"bytes"
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
	"sync"
	"sync/atomic"
	"time"
)

// MaxBody is GitHub's cap on a webhook payload (25 MB).
const MaxBody = 25 << 20

// DefaultMaxInFlight is the default budget of body bytes read at once
// across all requests: a few maximum-size payloads, or thousands of
// ordinary ones (GitHub's are mostly under 100 KB).
const DefaultMaxInFlight = 48 << 20

// Header length limits. GitHub's delivery ids are UUIDs (36 bytes), its
// event names under 40 bytes, and its signature "sha256=" and 64 hex
// digits (71 bytes).
const (
	MaxDeliveryID = 128
	MaxEventName  = 64
	MaxSignature  = 128
)

// RetryAfter is the Retry-After (seconds) sent with a 503 when the
// in-flight budget is full.
const RetryAfter = "1"

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
	// Identity names the event itself, whatever delivery carries it (see
	// EventIdentity): the store keeps one delivery per identity, so a
	// signed body posted again under a new delivery id is a duplicate.
	Identity string `json:"identity,omitempty"`
	// EventAt is when the event happened by the payload's own clock (the
	// comment's, issue's, review's or pull request's updated_at or
	// submitted_at); zero when the payload has none.
	EventAt time.Time `json:"event_at,omitzero"`
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
	// MaxBody is the largest body taken (default MaxBody) and MaxInFlight
	// the budget of body bytes held at once by all requests (default
	// DefaultMaxInFlight). Set them before serving, not while.
	MaxBody, MaxInFlight int64
	// MaxEventAge, when set, is the replay window: a delivery whose event
	// time (Delivery.EventAt) is older is acknowledged and ignored, since
	// the store may no longer hold the identity that would make it a
	// duplicate. Keep it above GitHub's 3 days of redelivery.
	MaxEventAge time.Duration
	inflight    budget
	// Counters, for /metrics-style reporting and tests.
	Stored, Duplicates, Ignored, Refused atomic.Int64
}

// budget counts the body bytes requests in progress hold; take never
// waits.
type budget struct {
	mu   sync.Mutex
	used int64
}

func (b *budget) take(n, limit int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > limit {
		return false
	}
	b.used += n
	return true
}

func (b *budget) give(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
}

func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// errBusy is a body read that would overflow the in-flight budget.
var errBusy = errors.New("too many webhook bytes in flight")

// budgetReader takes budget for each chunk it reads, for bodies of
// unknown length; held is what the request must give back.
type budgetReader struct {
	r     io.Reader
	b     *budget
	limit int64
	held  int64
}

func (br *budgetReader) Read(p []byte) (int, error) {
	n, err := br.r.Read(p)
	if n > 0 {
		if !br.b.take(int64(n), br.limit) {
			return 0, errBusy
		}
		br.held += int64(n)
	}
	return n, err
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
	return &Handler{secret: []byte(secret), store: store, log: log, MaxBody: MaxBody, MaxInFlight: DefaultMaxInFlight}, nil
}

// routed are the events and actions the App acts on or keeps for later
// work. Other actions of these events are acknowledged and ignored.
var routed = map[string]map[string]bool{
	"issues":                      {"labeled": true},
	"issue_comment":               {"created": true},
	"pull_request":                {"closed": true, "reopened": true, "opened": true, "synchronize": true},
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
	Issue       *object `json:"issue"`
	PullRequest *object `json:"pull_request"`
	Comment     *object `json:"comment"`
	Review      *object `json:"review"`
	Label       *struct {
		Name string `json:"name"`
	} `json:"label"`
	Changes json.RawMessage `json:"changes"`
	// After is the head commit a pull_request synchronize brings.
	After  string `json:"after"`
	Sender *struct {
		Login string `json:"login"`
		Type  string `json:"type"`
	} `json:"sender"`
}

// object is what intake reads of an issue, pull request, comment or
// review in a payload.
type object struct {
	ID          int64  `json:"id"`
	Number      int    `json:"number"`
	UpdatedAt   string `json:"updated_at"`
	SubmittedAt string `json:"submitted_at"`
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
	odd := false // a field read only for the identity has an unexpected type
	if !scanPayload(body, &p) {
		// Not the plain case the fast path reads (scan.go): encoding/json
		// decides, errors and all.
		p = payload{}
		if err := json.Unmarshal(body, &p); err != nil {
			if !identityOnly(err) {
				return nil, fmt.Errorf("the %s payload is not a JSON object: %w", event, err)
			}
			odd = true
		}
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
	if odd {
		// Identify by the whole body rather than by fields misread.
		d.Identity = bodyIdentity(event, body)
	} else {
		d.Identity, d.EventAt = identity(event, &p, body)
	}
	return d, nil
}

// identityOnly reports whether a decoding error is a type mismatch in a
// field intake reads only to name the event (comment, review, label,
// changes, or an id or time of an issue or pull request): such a payload
// is still taken, identified by its body's hash.
func identityOnly(err error) bool {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return false
	}
	switch f := te.Field; {
	case strings.HasPrefix(f, "comment"), strings.HasPrefix(f, "review"), strings.HasPrefix(f, "label"), strings.HasPrefix(f, "changes"):
		return true
	case strings.HasPrefix(f, "issue.") || strings.HasPrefix(f, "pull_request."):
		_, leaf, _ := strings.Cut(f, ".")
		return leaf == "id" || leaf == "updated_at" || leaf == "submitted_at"
	}
	return false
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.Header.Get("X-GitHub-Delivery")
	event := r.Header.Get("X-GitHub-Event")
	sig := r.Header.Get("X-Hub-Signature-256")
	// The attributes of every line about this delivery, passed to each
	// call rather than through Logger.With, which would build a logger per
	// request, most of them never used.
	attrs := [...]any{"delivery", clip(id, MaxDeliveryID), "event", clip(event, MaxEventName)}
	with := func(more ...any) []any { return append(attrs[:len(attrs):len(attrs)], more...) }
	refuse := func(status int, msg string) {
		h.Refused.Add(1)
		h.log.Warn("webhook refused", with("status", status, "reason", msg)...)
		http.Error(w, msg, status)
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		refuse(http.StatusMethodNotAllowed, "webhooks are POSTed")
		return
	}
	switch {
	case len(id) > MaxDeliveryID:
		refuse(http.StatusBadRequest, fmt.Sprintf("X-GitHub-Delivery is over %d bytes", MaxDeliveryID))
		return
	case len(event) > MaxEventName:
		refuse(http.StatusBadRequest, fmt.Sprintf("X-GitHub-Event is over %d bytes", MaxEventName))
		return
	case len(sig) > MaxSignature:
		refuse(http.StatusBadRequest, fmt.Sprintf("X-Hub-Signature-256 is over %d bytes", MaxSignature))
		return
	}
	body, sum, held, status, msg := h.readBody(r)
	defer h.inflight.give(held)
	if status != 0 {
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", RetryAfter)
		}
		refuse(status, msg)
		return
	}
	if !validSig(sig, sum) {
		// The body never left this function: its buffer serves the next
		// large body, so a flood of unsigned ones makes no garbage.
		recycle(body)
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
		h.log.Info("ping", with()...)
		writeText(w, http.StatusOK, "pong")
		return
	}
	if !Routed(event, d.Action) {
		h.Ignored.Add(1)
		h.log.Info("webhook ignored", with("action", d.Action)...)
		writeText(w, http.StatusAccepted, "ignored")
		return
	}
	d.ReceivedAt = start.UTC()
	if d.Installation == 0 {
		// Signed, but nothing the App can act on: acknowledge and log.
		h.Ignored.Add(1)
		h.log.Info("webhook without an installation ignored", with("repo", d.Repo)...)
		writeText(w, http.StatusAccepted, "ignored: no installation")
		return
	}
	if h.MaxEventAge > 0 && !d.EventAt.IsZero() && start.Sub(d.EventAt) > h.MaxEventAge {
		h.Ignored.Add(1)
		h.log.Warn("webhook ignored: the event is older than the replay window", with("event_at", d.EventAt, "window", h.MaxEventAge, "identity", d.Identity)...)
		writeText(w, http.StatusAccepted, "ignored: event older than the replay window")
		return
	}
	isNew, err := h.store.Save(r.Context(), d)
	if err != nil {
		// Not stored: a 5xx makes GitHub show the delivery as failed, so
		// it can be redelivered.
		h.log.Error("webhook not stored", with("err", err)...)
		http.Error(w, "could not store the delivery", http.StatusServiceUnavailable)
		return
	}
	if !isNew {
		h.Duplicates.Add(1)
		h.log.Info("webhook duplicate", with("repo", d.Repo, "issue", d.Number, "action", d.Action, "took", time.Since(start))...)
		writeText(w, http.StatusOK, "duplicate delivery")
		return
	}
	h.Stored.Add(1)
	h.log.Info("webhook stored", with("repo", d.Repo, "issue", d.Number, "action", d.Action, "took", time.Since(start))...)
	writeText(w, http.StatusAccepted, "stored")
}

// readBody reads the body within the limits, computing its HMAC as it
// reads. A known Content-Length is refused (413) or taken from the
// in-flight budget (503 when full) before a byte is read; a body of
// unknown length takes budget as it arrives. It never reads more than
// MaxBody+1 bytes. held is the budget taken, which the caller gives back
// when the request is done with the body; status 0 means the body was
// read.
func (h *Handler) readBody(r *http.Request) (body, sum []byte, held int64, status int, msg string) {
	const busy = "busy: too many webhook bytes in flight; retry later"
	tooBig := fmt.Sprintf("payload over %d bytes", h.MaxBody)
	if r.ContentLength > h.MaxBody {
		return nil, nil, 0, http.StatusRequestEntityTooLarge, tooBig
	}
	mac := hmac.New(sha256.New, h.secret)
	limited := io.TeeReader(io.LimitReader(r.Body, h.MaxBody+1), mac)
	var buf bytes.Buffer
	var err error
	if r.ContentLength >= 0 {
		if !h.inflight.take(r.ContentLength, h.MaxInFlight) {
			return nil, nil, 0, http.StatusServiceUnavailable, busy
		}
		held = r.ContentLength
		// bytes.Buffer wants MinRead free bytes to see the end: without
		// them a body of exactly Content-Length would double the buffer.
		if r.ContentLength >= largeBody {
			buf = *bytes.NewBuffer(largeBuffer(int(r.ContentLength) + bytes.MinRead))
		} else {
			buf.Grow(int(r.ContentLength) + bytes.MinRead)
		}
		_, err = buf.ReadFrom(limited)
	} else {
		br := &budgetReader{r: limited, b: &h.inflight, limit: h.MaxInFlight}
		_, err = buf.ReadFrom(br)
		held = br.held
	}
	switch {
	case errors.Is(err, errBusy):
		return nil, nil, held, http.StatusServiceUnavailable, busy
	case err != nil:
		return nil, nil, held, http.StatusBadRequest, "could not read the body"
	case int64(buf.Len()) > h.MaxBody:
		return nil, nil, held, http.StatusRequestEntityTooLarge, tooBig
	}
	return buf.Bytes(), mac.Sum(nil), held, 0, ""
}

// largeBody is the size from which a body's buffer comes from, and goes
// back to, a pool: bodies that large are rare from GitHub and are what a
// flood of unsigned requests sends.
const largeBody = 1 << 20

var largeBuffers sync.Pool // *[]byte, each with a capacity of at least largeBody

// largeBuffer returns an empty slice with at least n bytes of capacity,
// from the pool when one there is big enough.
func largeBuffer(n int) []byte {
	if p, ok := largeBuffers.Get().(*[]byte); ok {
		if cap(*p) >= n {
			return (*p)[:0]
		}
		largeBuffers.Put(p)
	}
	return make([]byte, 0, n)
}

// recycle gives a large body's buffer back to the pool. Only for a body
// nothing else holds.
func recycle(body []byte) {
	if cap(body) >= largeBody {
		b := body[:0]
		largeBuffers.Put(&b)
	}
}

// clip shortens a header value for the log.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// validSig checks "sha256=<hex>" against the body's HMAC, computed as
// the body was read, in constant time.
func validSig(sig string, sum []byte) bool {
	hexSig, ok := strings.CutPrefix(sig, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	return hmac.Equal(got, sum)
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
