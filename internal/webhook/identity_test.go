package webhook

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func mustIdentity(t *testing.T, event, body string) string {
	t.Helper()
	id, err := EventIdentity(event, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestEventIdentity(t *testing.T) {
	cases := []struct {
		name, event, body, want string
	}{
		{"comment", "issue_comment", `{"action":"created","comment":{"id":5001,"updated_at":"2026-11-20T10:01:00Z"},"issue":{"id":1,"number":1}}`,
			"issue_comment/created/comment:5001"},
		{"label", "issues", `{"action":"labeled","issue":{"id":1001,"number":1,"updated_at":"2026-11-20T10:00:05Z"},"label":{"name":"devops"}}`,
			"issues/labeled/issue:1001/label:devops/at:2026-11-20T10:00:05Z"},
		{"opened", "issues", `{"action":"opened","issue":{"id":1001,"number":1,"updated_at":"2026-11-20T10:00:00Z"}}`,
			"issues/opened/issue:1001/at:2026-11-20T10:00:00Z"},
		{"review", "pull_request_review", `{"action":"submitted","review":{"id":77,"submitted_at":"2026-11-20T10:00:00Z"},"pull_request":{"id":9,"number":3}}`,
			"pull_request_review/submitted/review:77"},
		{"review comment", "pull_request_review_comment", `{"action":"created","comment":{"id":88},"pull_request":{"id":9,"number":3}}`,
			"pull_request_review_comment/created/comment:88"},
		{"pr closed", "pull_request", `{"action":"closed","pull_request":{"id":9,"number":3,"updated_at":"2026-11-20T11:00:00Z"}}`,
			"pull_request/closed/pr:9/at:2026-11-20T11:00:00Z"},
	}
	for _, c := range cases {
		if got := mustIdentity(t, c.event, c.body); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestEventIdentityTellsEventsApart(t *testing.T) {
	distinct := [][2]string{
		{"issue_comment", `{"action":"created","comment":{"id":1}}`},
		{"issue_comment", `{"action":"created","comment":{"id":2}}`},
		{"issue_comment", `{"action":"deleted","comment":{"id":2}}`},
		{"issue_comment", `{"action":"edited","comment":{"id":2,"updated_at":"2026-11-20T10:00:00Z"},"changes":{"body":{"from":"a"}}}`},
		{"issue_comment", `{"action":"edited","comment":{"id":2,"updated_at":"2026-11-20T10:00:09Z"},"changes":{"body":{"from":"b"}}}`},
		{"issues", `{"action":"labeled","issue":{"id":7,"updated_at":"2026-11-20T10:00:00Z"},"label":{"name":"devops"}}`},
		{"issues", `{"action":"labeled","issue":{"id":7,"updated_at":"2026-11-20T10:00:00Z"},"label":{"name":"ci"}}`},
		{"issues", `{"action":"unlabeled","issue":{"id":7,"updated_at":"2026-11-20T10:00:00Z"},"label":{"name":"ci"}}`},
		// The same label put back later is a new event.
		{"issues", `{"action":"labeled","issue":{"id":7,"updated_at":"2026-11-20T10:05:00Z"},"label":{"name":"devops"}}`},
		{"issues", `{"action":"labeled","issue":{"id":8,"updated_at":"2026-11-20T10:05:00Z"},"label":{"name":"devops"}}`},
		{"pull_request_review", `{"action":"submitted","review":{"id":3}}`},
		{"pull_request_review", `{"action":"dismissed","review":{"id":3}}`},
		{"pull_request_review_comment", `{"action":"created","comment":{"id":1}}`},
		{"installation", `{"action":"created","installation":{"id":1}}`},
		{"installation", `{"action":"deleted","installation":{"id":1}}`},
	}
	seen := map[string]int{}
	for i, c := range distinct {
		id := mustIdentity(t, c[0], c[1])
		if j, ok := seen[id]; ok {
			t.Errorf("events %d and %d share the identity %q", j, i, id)
		}
		seen[id] = i
	}
}

func TestEventIdentityFallsBackToTheBody(t *testing.T) {
	// No issue id or time: the whole body is the identity, so only a
	// byte-identical body (a replay) matches.
	a := mustIdentity(t, "issues", `{"action":"labeled","issue":{"number":1}}`)
	b := mustIdentity(t, "issues", `{"action":"labeled","issue":{"number":2}}`)
	if a == b || !strings.HasPrefix(a, "issues/sha256:") {
		t.Fatalf("fallback identities %q %q", a, b)
	}
	if again := mustIdentity(t, "issues", `{"action":"labeled","issue":{"number":1}}`); again != a {
		t.Fatalf("the same body got %q then %q", a, again)
	}
	long := mustIdentity(t, "issues", `{"action":"labeled","issue":{"id":1,"updated_at":"2026-11-20T10:00:00Z"},"label":{"name":"`+strings.Repeat("x", 500)+`"}}`)
	if len(long) > MaxIdentity {
		t.Fatalf("identity of %d bytes", len(long))
	}
}

func TestFromPayloadReadsTheEventTime(t *testing.T) {
	d, err := FromPayload("d", "issues", fixture(t, "issues-labeled.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 20, 10, 0, 5, 0, time.UTC); !d.EventAt.Equal(want) {
		t.Fatalf("event at %v, want %v", d.EventAt, want)
	}
	if d.Identity != "issues/labeled/issue:1001/label:devops/at:2026-11-20T10:00:05Z" {
		t.Fatalf("identity %q", d.Identity)
	}
}

func TestOldEventsAreIgnoredOutsideTheReplayWindow(t *testing.T) {
	store := &memStore{}
	h, _ := New(secret, store, nil)
	h.MaxEventAge = 7 * 24 * time.Hour
	at := func(ts time.Time) []byte {
		return []byte(`{"action":"created","installation":{"id":42},"repository":{"full_name":"acme/api"},` +
			`"issue":{"id":1,"number":1},"comment":{"id":` + strconv.FormatInt(ts.Unix(), 10) + `,"updated_at":"` + ts.Format(time.RFC3339) + `"}}`)
	}
	old := at(time.Now().Add(-8 * 24 * time.Hour))
	if rec := post(h, "issue_comment", "old", old, Sign(secret, old)); rec.Code != 202 || !strings.Contains(rec.Body.String(), "older than the replay window") {
		t.Fatalf("old event: %d %s", rec.Code, rec.Body)
	}
	recent := at(time.Now().Add(-6 * 24 * time.Hour))
	if rec := post(h, "issue_comment", "recent", recent, Sign(secret, recent)); rec.Code != 202 || !strings.Contains(rec.Body.String(), "stored") {
		t.Fatalf("recent event: %d %s", rec.Code, rec.Body)
	}
	if len(store.seen) != 1 || store.seen["recent"] == nil {
		t.Fatalf("stored %v", store.seen)
	}
	// A dismissal carries no time of its own: never judged by age.
	dismissed := []byte(`{"action":"dismissed","installation":{"id":42},"repository":{"full_name":"acme/api"},` +
		`"pull_request":{"id":9,"number":3},"review":{"id":77,"submitted_at":"2020-01-01T00:00:00Z"}}`)
	if rec := post(h, "pull_request_review", "dismissed", dismissed, Sign(secret, dismissed)); rec.Code != 202 || !strings.Contains(rec.Body.String(), "stored") {
		t.Fatalf("dismissal of an old review: %d %s", rec.Code, rec.Body)
	}
}

// TestOddIdentityFieldsFallBackToTheBody: a payload whose comment id is
// not a number is still taken, identified by its body; a wrong type in a
// field intake routes by is still refused.
func TestOddIdentityFieldsFallBackToTheBody(t *testing.T) {
	d, err := FromPayload("d", "issue_comment", []byte(`{"action":"created","issue":{"number":3},"comment":{"id":"x1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if d.Number != 3 || !strings.HasPrefix(d.Identity, "issue_comment/sha256:") {
		t.Fatalf("delivery %+v", d)
	}
	if _, err := FromPayload("d", "issues", []byte(`{"action":"labeled","issue":{"number":"3"}}`)); err == nil {
		t.Fatal("an issue number that is not a number was taken")
	}
}

// TestPushesWithinOneSecondAreTwoEvents: two synchronize events of one
// pull request with the same updated_at second but different head
// commits are two events; the same push replayed is one.
func TestPushesWithinOneSecondAreTwoEvents(t *testing.T) {
	push := func(after string) string {
		id, err := EventIdentity("pull_request", []byte(`{"action":"synchronize","after":"`+after+`","pull_request":{"id":77,"number":5,"updated_at":"2026-12-06T06:00:00Z"}}`))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	a, b := push("1111111111111111111111111111111111111111"), push("2222222222222222222222222222222222222222")
	if a == b {
		t.Fatalf("two pushes share the identity %q", a)
	}
	if again := push("1111111111111111111111111111111111111111"); again != a {
		t.Fatalf("a replayed push has a new identity: %q, was %q", again, a)
	}
}
