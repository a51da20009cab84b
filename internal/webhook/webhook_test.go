package webhook

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
)

const secret = "It's a Secret to Everybody"

type memStore struct {
	mu   sync.Mutex
	seen map[string]*Delivery
	err  error
}

func (m *memStore) Save(_ context.Context, d *Delivery) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return false, m.err
	}
	if m.seen == nil {
		m.seen = map[string]*Delivery{}
	}
	if _, ok := m.seen[d.ID]; ok {
		return false, nil
	}
	m.seen[d.ID] = d
	return true, nil
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func post(h http.Handler, event, id string, body []byte, sig string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
	if event != "" {
		req.Header.Set("X-GitHub-Event", event)
	}
	if id != "" {
		req.Header.Set("X-GitHub-Delivery", id)
	}
	if sig != "" {
		req.Header.Set("X-Hub-Signature-256", sig)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestStoresOnceAndAcknowledges(t *testing.T) {
	store := &memStore{}
	h, err := New(secret, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	body := fixture(t, "issues-labeled.json")
	rec := post(h, "issues", "d-1", body, Sign(secret, body))
	if rec.Code != http.StatusAccepted {
		t.Fatalf("first delivery: %d %s", rec.Code, rec.Body)
	}
	d := store.seen["d-1"]
	if d == nil || d.Event != "issues" || d.Action != "labeled" || d.Installation != 42 || d.Repo != "acme/api" ||
		d.Number != 1 || d.Sender != "alice" || d.SenderIsBot || d.Key() != "acme/api#1" || !bytes.Equal(d.Payload, body) {
		t.Fatalf("stored %+v", d)
	}
	for i := 0; i < 2; i++ {
		if rec := post(h, "issues", "d-1", body, Sign(secret, body)); rec.Code != http.StatusOK {
			t.Fatalf("redelivery: %d", rec.Code)
		}
	}
	if len(store.seen) != 1 || h.Stored.Load() != 1 || h.Duplicates.Load() != 2 {
		t.Fatalf("stored %d, counters %d/%d", len(store.seen), h.Stored.Load(), h.Duplicates.Load())
	}
	comment := fixture(t, "issue-comment-created.json")
	if rec := post(h, "issue_comment", "d-2", comment, Sign(secret, comment)); rec.Code != http.StatusAccepted {
		t.Fatalf("comment: %d", rec.Code)
	}
}

func TestRefusesWhatItCannotTrust(t *testing.T) {
	store := &memStore{}
	h, _ := New(secret, store, nil)
	body := fixture(t, "issues-labeled.json")
	sha1Only := "sha1=0123456789abcdef0123456789abcdef01234567"
	cases := []struct {
		name, event, id, sig string
		body                 []byte
		want                 int
	}{
		{"no signature", "issues", "a", "", body, 401},
		{"forged", "issues", "b", Sign("wrong secret", body), body, 401},
		{"sha1 only", "issues", "c", sha1Only, body, 401},
		{"not hex", "issues", "d", "sha256=zz", body, 401},
		{"body changed", "issues", "e", Sign(secret, body), append([]byte(nil), append(body, ' ')...), 401},
		{"not json", "issues", "f", Sign(secret, []byte("{oops")), []byte("{oops"), 400},
		{"no delivery id", "issues", "", Sign(secret, body), body, 400},
	}
	for _, c := range cases {
		if rec := post(h, c.event, c.id, c.body, c.sig); rec.Code != c.want {
			t.Errorf("%s: %d, want %d", c.name, rec.Code, c.want)
		}
	}
	big := bytes.Repeat([]byte(" "), MaxBody+1)
	if rec := post(h, "issues", "g", big, Sign(secret, big)); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized: %d", rec.Code)
	}
	req := httptest.NewRequest(http.MethodGet, "/webhook", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", rec.Code)
	}
	if len(store.seen) != 0 {
		t.Fatalf("refused deliveries were stored: %v", store.seen)
	}
	if _, err := New("", store, nil); err == nil {
		t.Fatal("an empty secret must be refused")
	}
}

func TestAcknowledgesWhatItIgnores(t *testing.T) {
	store := &memStore{}
	h, _ := New(secret, store, nil)
	ping := []byte(`{"zen":"Keep it logically awesome.","hook_id":1}`)
	if rec := post(h, "ping", "p", ping, Sign(secret, ping)); rec.Code != 200 || !strings.Contains(rec.Body.String(), "pong") {
		t.Fatalf("ping: %d %s", rec.Code, rec.Body)
	}
	opened := bytes.Replace(fixture(t, "issues-labeled.json"), []byte(`"labeled"`), []byte(`"opened"`), 1)
	noInstall := bytes.Replace(fixture(t, "issues-labeled.json"), []byte(`"installation"`), []byte(`"installation_x"`), 1)
	star := []byte(`{"action":"created","installation":{"id":42}}`)
	for name, c := range map[string]struct {
		event string
		body  []byte
	}{"unknown event": {"star", star}, "ignored action": {"issues", opened}, "no installation": {"issues", noInstall}} {
		if rec := post(h, c.event, name, c.body, Sign(secret, c.body)); rec.Code != http.StatusAccepted {
			t.Errorf("%s: %d, want 202", name, rec.Code)
		}
	}
	if len(store.seen) != 0 || h.Ignored.Load() != 3 {
		t.Fatalf("stored %d, ignored %d", len(store.seen), h.Ignored.Load())
	}
	store.err = errors.New("disk full")
	body := fixture(t, "issues-labeled.json")
	if rec := post(h, "issues", "z", body, Sign(secret, body)); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("store failure: %d, want 503 so GitHub shows it failed", rec.Code)
	}
}

// TestFromPayload: the same extraction serves the webhook handler and the
// Action, which reads the payload from GITHUB_EVENT_PATH.
func TestFromPayload(t *testing.T) {
	body := fixture(t, "issue-comment-created.json")
	d, err := FromPayload("action-7-1", "issue_comment", body)
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != "action-7-1" || d.Event != "issue_comment" || d.Action != "created" || d.Repo != "acme/api" ||
		d.Number != 1 || d.Sender != "alice" || d.SenderIsBot || !bytes.Equal(d.Payload, body) || d.ReceivedAt.IsZero() {
		t.Fatalf("delivery %+v", d)
	}
	bot := []byte(`{"action":"opened","pull_request":{"number":9},"sender":{"login":"github-actions[bot]","type":"Bot"}}`)
	d, err = FromPayload("x", "pull_request", bot)
	if err != nil || d.Number != 9 || !d.SenderIsBot || d.Installation != 0 || d.Repo != "" {
		t.Fatalf("pull request payload: %+v, %v", d, err)
	}
	for _, bad := range []string{"", "{oops", "[1,2]", `"text"`} {
		if _, err := FromPayload("x", "issues", []byte(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestRouted(t *testing.T) {
	for _, c := range []struct {
		event, action string
		want          bool
	}{
		{"issues", "labeled", true},
		{"issue_comment", "created", true},
		{"issues", "opened", false},
		{"pull_request", "opened", true},
		{"pull_request", "synchronize", true},
		{"pull_request", "edited", false},
		{"issue_comment", "edited", false},
		{"push", "", false},
		{"workflow_dispatch", "", false},
	} {
		if got := Routed(c.event, c.action); got != c.want {
			t.Errorf("Routed(%q, %q) = %v, want %v", c.event, c.action, got, c.want)
		}
	}
}

// Every line about a delivery names it and its event; the stored and
// duplicate lines add the repository, issue and action.
func TestLogLinesNameTheDelivery(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "took" {
				return slog.Attr{}
			}
			return a
		},
	}))
	h, err := New(secret, &memStore{}, log)
	if err != nil {
		t.Fatal(err)
	}
	body := fixture(t, "issues-labeled.json")
	post(h, "issues", "d-1", body, Sign(secret, body))
	post(h, "issues", "d-1", body, Sign(secret, body))
	post(h, "issues", "d-2", body, "sha256=00")
	want := []string{
		`level=INFO msg="webhook stored" delivery=d-1 event=issues repo=`,
		`level=INFO msg="webhook duplicate" delivery=d-1 event=issues repo=`,
		`level=WARN msg="webhook refused" delivery=d-2 event=issues status=401 reason="missing or invalid X-Hub-Signature-256"`,
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("log:\n%s", buf.String())
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %s\nwant it to start with: %s", i, lines[i], w)
		}
	}
	if !strings.Contains(lines[0], " issue=") || !strings.Contains(lines[0], " action=labeled") {
		t.Errorf("the stored line lacks the issue or action: %s", lines[0])
	}
}
