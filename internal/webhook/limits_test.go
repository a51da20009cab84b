package webhook

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func signedRequest(body io.Reader, length int64, id, sig string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/webhook", body)
	req.ContentLength = length
	req.Header.Set("X-GitHub-Event", "issues")
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-Hub-Signature-256", sig)
	return req
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestOversizeContentLengthIsRefusedUnread: a declared length over the
// cap is answered 413 before a byte of the body is read.
func TestOversizeContentLengthIsRefusedUnread(t *testing.T) {
	store := &memStore{}
	h, _ := New(secret, store, nil)
	h.MaxBody = 1 << 10
	body := &countingReader{r: bytes.NewReader(bytes.Repeat([]byte("x"), 4<<10))}
	rec := serve(h, signedRequest(body, 4<<10, "big", "sha256=00"))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversize Content-Length: %d, want 413", rec.Code)
	}
	if body.n.Load() != 0 {
		t.Fatalf("read %d bytes of a body refused by its length", body.n.Load())
	}
	if h.inflight.inUse() != 0 {
		t.Fatalf("budget left taken: %d", h.inflight.inUse())
	}
}

// TestLyingBodyIsCutAtTheLimit: a body of unknown length (chunked) over
// the cap is answered 413 having read at most the cap and one byte, and
// a body longer than its declared length is read only to that length.
func TestLyingBodyIsCutAtTheLimit(t *testing.T) {
	store := &memStore{}
	h, _ := New(secret, store, nil)
	h.MaxBody = 1 << 10
	big := bytes.Repeat([]byte("x"), 64<<10)
	body := &countingReader{r: bytes.NewReader(big)}
	rec := serve(h, signedRequest(body, -1, "chunked", Sign(secret, big)))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked body over the cap: %d, want 413", rec.Code)
	}
	if n := body.n.Load(); n > h.MaxBody+1 {
		t.Fatalf("read %d bytes, want at most %d", n, h.MaxBody+1)
	}
	if h.inflight.inUse() != 0 {
		t.Fatalf("budget left taken: %d", h.inflight.inUse())
	}
	// A valid delivery of unknown length under the cap is taken.
	h.MaxBody = MaxBody
	ok := fixture(t, "issues-labeled.json")
	if rec := serve(h, signedRequest(bytes.NewReader(ok), -1, "chunked-ok", Sign(secret, ok))); rec.Code != http.StatusAccepted {
		t.Fatalf("valid chunked delivery: %d %s", rec.Code, rec.Body)
	}
	if len(store.seen) != 1 {
		t.Fatalf("stored %d", len(store.seen))
	}
}

// TestHeaderLimits: over-long delivery id, event name or signature are
// answered 400 with a message naming the header, before the body is read.
func TestHeaderLimits(t *testing.T) {
	store := &memStore{}
	h, _ := New(secret, store, nil)
	body := fixture(t, "issues-labeled.json")
	for _, c := range []struct{ header, value string }{
		{"X-GitHub-Delivery", strings.Repeat("a", MaxDeliveryID+1)},
		{"X-GitHub-Delivery", strings.Repeat("a", 500<<10)},
		{"X-GitHub-Event", strings.Repeat("e", MaxEventName+1)},
		{"X-Hub-Signature-256", "sha256=" + strings.Repeat("0", MaxSignature)},
	} {
		counted := &countingReader{r: bytes.NewReader(body)}
		req := signedRequest(counted, int64(len(body)), "ok-id", Sign(secret, body))
		req.Header.Set(c.header, c.value)
		rec := serve(h, req)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), c.header) {
			t.Errorf("%s of %d bytes: %d %q, want 400 naming the header", c.header, len(c.value), rec.Code, rec.Body)
		}
		if counted.n.Load() != 0 {
			t.Errorf("%s: body read before the headers were checked", c.header)
		}
	}
	if len(store.seen) != 0 {
		t.Fatalf("stored %d", len(store.seen))
	}
	// At the limit is fine.
	id := strings.Repeat("a", MaxDeliveryID)
	if rec := serve(h, signedRequest(bytes.NewReader(body), int64(len(body)), id, Sign(secret, body))); rec.Code != http.StatusAccepted {
		t.Fatalf("delivery id of %d bytes: %d", len(id), rec.Code)
	}
}

// blockingBody hands out its bytes only after release is closed.
type blockingBody struct {
	r       io.Reader
	release chan struct{}
}

func (b *blockingBody) Read(p []byte) (int, error) {
	<-b.release
	return b.r.Read(p)
}

// TestInFlightBudget: while one request holds most of the budget, another
// that would overflow it is answered 503 with Retry-After, before its
// body is read; once the first is done, the second goes through.
func TestInFlightBudget(t *testing.T) {
	store := &memStore{}
	h, _ := New(secret, store, nil)
	body := fixture(t, "issues-labeled.json")
	n := int64(len(body))
	h.MaxInFlight = n + n/2
	first := &blockingBody{r: bytes.NewReader(body), release: make(chan struct{})}
	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- serve(h, signedRequest(first, n, "first", Sign(secret, body))) }()
	deadline := time.Now().Add(10 * time.Second)
	for h.inflight.inUse() != n {
		if time.Now().After(deadline) {
			t.Fatal("the first request never took its budget")
		}
		time.Sleep(time.Millisecond)
	}
	second := &countingReader{r: bytes.NewReader(body)}
	rec := serve(h, signedRequest(second, n, "second", Sign(secret, body)))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("over the budget: %d, Retry-After %q; want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	if second.n.Load() != 0 {
		t.Fatalf("read %d bytes of a request refused for the budget", second.n.Load())
	}
	// Unknown length: refused as its bytes arrive.
	chunked := serve(h, signedRequest(bytes.NewReader(body), -1, "third", Sign(secret, body)))
	if chunked.Code != http.StatusServiceUnavailable || chunked.Header().Get("Retry-After") == "" {
		t.Fatalf("chunked over the budget: %d", chunked.Code)
	}
	close(first.release)
	if rec := <-done; rec.Code != http.StatusAccepted {
		t.Fatalf("first: %d %s", rec.Code, rec.Body)
	}
	if h.inflight.inUse() != 0 {
		t.Fatalf("budget left taken: %d", h.inflight.inUse())
	}
	if rec := serve(h, signedRequest(bytes.NewReader(body), n, "second", Sign(secret, body))); rec.Code != http.StatusAccepted {
		t.Fatalf("second, once the budget is free: %d", rec.Code)
	}
	if len(store.seen) != 2 {
		t.Fatalf("stored %d, want first and second", len(store.seen))
	}
}

// TestOverTheWire: the limits hold through a real HTTP server, where the
// client sends a chunked body with no Content-Length.
func TestOverTheWire(t *testing.T) {
	store := &memStore{}
	h, _ := New(secret, store, nil)
	h.MaxBody = 4 << 10
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(body io.Reader, id string, sig string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-GitHub-Event", "issues")
		req.Header.Set("X-GitHub-Delivery", id)
		req.Header.Set("X-Hub-Signature-256", sig)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	big := bytes.Repeat([]byte("x"), 1<<20)
	// io.MultiReader hides the length: the client sends it chunked.
	if res := post(io.MultiReader(bytes.NewReader(big)), "chunked", Sign(secret, big)); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked 1 MB: %d", res.StatusCode)
	}
	if res := post(bytes.NewReader(big), "sized", Sign(secret, big)); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("1 MB with Content-Length: %d", res.StatusCode)
	}
	ok := fixture(t, "issues-labeled.json")
	if res := post(io.MultiReader(bytes.NewReader(ok)), "valid", Sign(secret, ok)); res.StatusCode != http.StatusAccepted {
		t.Fatalf("valid delivery: %d", res.StatusCode)
	}
}

// TestLargeBufferReuseKeepsBodiesApart: the buffer of a large unsigned
// body is reused for the next large body; the stored payload is exactly
// the signed body that followed, not bytes of the refused one.
func TestLargeBufferReuseKeepsBodiesApart(t *testing.T) {
	store := &memStore{}
	h, err := New("s3cret", store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	pad := func(c byte) string { return strings.Repeat(string(c), 2<<20) }
	bad := []byte(`{"action":"labeled","pad":"` + pad('x') + `"}`)
	for i := 0; i < 3; i++ {
		if rec := serve(h, signedRequest(bytes.NewReader(bad), int64(len(bad)), fmt.Sprint("bad-", i), "sha256="+strings.Repeat("0", 64))); rec.Code != http.StatusUnauthorized {
			t.Fatalf("unsigned large body: %d", rec.Code)
		}
	}
	good := []byte(`{"action":"labeled","installation":{"id":1},"repository":{"full_name":"acme/api"},"issue":{"number":3},"label":{"name":"devops"},"pad":"` + pad('y') + `"}`)
	if rec := serve(h, signedRequest(bytes.NewReader(good), int64(len(good)), "good", Sign("s3cret", good))); rec.Code != http.StatusAccepted {
		t.Fatalf("signed large body: %d %s", rec.Code, rec.Body)
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	d := store.seen["good"]
	if d == nil || !bytes.Equal(d.Payload, good) {
		t.Fatal("the stored payload is not the signed body")
	}
	// The stored body must not be handed out again.
	next := largeBuffer(len(good))
	if cap(next) > 0 && len(d.Payload) > 0 && &next[:1][0] == &d.Payload[0] {
		t.Fatal("a stored body's buffer went back to the pool")
	}
}
