package gemini

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// step answers one generateContent request; it may inspect the request.
type step func(t *testing.T, req map[string]any) (status int, header http.Header, body any)

// fake is a scripted server speaking v1beta/models/{model}:generateContent.
// Each request takes the next step; a request past the script or a step
// left unused fails the test.
type fake struct {
	t      *testing.T
	mu     sync.Mutex
	steps  []step
	reqs   []map[string]any
	models []string
	srv    *httptest.Server
}

func newFake(t *testing.T, steps ...step) *fake {
	f := &fake{t: t, steps: steps}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.srv.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.steps) > 0 && !t.Failed() {
			t.Errorf("fake server: %d scripted step(s) never requested", len(f.steps))
		}
	})
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	const prefix = "/v1beta/models/"
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, prefix) || !strings.HasSuffix(r.URL.Path, ":generateContent") {
		f.t.Errorf("fake server: unexpected %s %s", r.Method, r.URL.Path)
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	model := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, prefix), ":generateContent")
	if r.Header.Get("x-goog-api-key") != "test-key" {
		f.t.Errorf("fake server: api key header %q", r.Header.Get("x-goog-api-key"))
	}
	data, _ := io.ReadAll(r.Body)
	var req map[string]any
	if err := json.Unmarshal(data, &req); err != nil {
		f.t.Errorf("fake server: request is not JSON: %v", err)
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.models = append(f.models, model)
	if len(f.steps) == 0 {
		f.mu.Unlock()
		f.t.Errorf("fake server: request %d is past the script", len(f.reqs))
		http.Error(w, `{"error":{"code":500,"message":"script exhausted"}}`, http.StatusInternalServerError)
		return
	}
	s := f.steps[0]
	f.steps = f.steps[1:]
	f.mu.Unlock()
	status, h, body := s(f.t, req)
	for k, v := range h {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (f *fake) requests() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.reqs...)
}

func (f *fake) brain(t *testing.T, mod func(*Config)) *Brain {
	t.Helper()
	cfg := Config{APIKey: "test-key", BaseURL: f.srv.URL, RetryBase: 10 * time.Millisecond, CallTimeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	b, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// usage is a UsageMetadata object.
func usage(in, out int) map[string]any {
	return map[string]any{"promptTokenCount": in, "candidatesTokenCount": out, "totalTokenCount": in + out}
}

// textAnswer answers with one text part.
func textAnswer(text string) step {
	return func(*testing.T, map[string]any) (int, http.Header, any) {
		return 200, nil, map[string]any{
			"candidates":    []any{map[string]any{"content": map[string]any{"role": "model", "parts": []any{map[string]any{"text": text}}}, "finishReason": "STOP"}},
			"usageMetadata": usage(100, 20),
		}
	}
}

// call is one function call the scripted model makes.
type call struct {
	name string
	args map[string]any
}

// calls answers with function calls; check, when set, inspects the request
// (for example the tool results of the previous turn).
func calls(check func(t *testing.T, req map[string]any), cs ...call) step {
	return func(t *testing.T, req map[string]any) (int, http.Header, any) {
		if check != nil {
			check(t, req)
		}
		var parts []any
		for _, c := range cs {
			parts = append(parts, map[string]any{"functionCall": map[string]any{"name": c.name, "args": c.args}})
		}
		return 200, nil, map[string]any{
			"candidates":    []any{map[string]any{"content": map[string]any{"role": "model", "parts": parts}, "finishReason": "STOP"}},
			"usageMetadata": usage(1000, 200),
		}
	}
}

// apiError answers with a Google API error.
func apiError(code int, header http.Header, details ...map[string]any) step {
	return func(*testing.T, map[string]any) (int, http.Header, any) {
		e := map[string]any{"code": code, "message": "scripted error", "status": "RESOURCE_EXHAUSTED"}
		if len(details) > 0 {
			e["details"] = details
		}
		return code, header, map[string]any{"error": e}
	}
}

// lastToolResults returns the functionResponse parts of the request's last
// content, by tool name (the last one of a name wins).
func lastToolResults(req map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	contents, _ := req["contents"].([]any)
	if len(contents) == 0 {
		return out
	}
	last, _ := contents[len(contents)-1].(map[string]any)
	parts, _ := last["parts"].([]any)
	for _, p := range parts {
		pm, _ := p.(map[string]any)
		if fr, ok := pm["functionResponse"].(map[string]any); ok {
			name, _ := fr["name"].(string)
			resp, _ := fr["response"].(map[string]any)
			out[name] = resp
		}
	}
	return out
}

// jsonText renders a request part of the tree as text for substring checks.
func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
