package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// geminiScript is a fake Gemini API: each generateContent request gets the
// next scripted answer; extra requests and unused answers fail the test.
type geminiScript struct {
	t       *testing.T
	mu      sync.Mutex
	answers []map[string]any
	paths   []string
	bodies  []string
}

func newGeminiScript(t *testing.T, answers ...map[string]any) *httptest.Server {
	g := &geminiScript{t: t, answers: answers}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		g.mu.Lock()
		defer g.mu.Unlock()
		g.paths = append(g.paths, r.URL.Path)
		g.bodies = append(g.bodies, string(body))
		if !strings.HasSuffix(r.URL.Path, ":generateContent") || r.Header.Get("x-goog-api-key") != "fake-key" {
			t.Errorf("unexpected request %s (key %q)", r.URL.Path, r.Header.Get("x-goog-api-key"))
		}
		if len(g.answers) == 0 {
			t.Errorf("request %d to %s is past the script", len(g.paths), r.URL.Path)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		a := g.answers[0]
		g.answers = g.answers[1:]
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(a)
	}))
	t.Cleanup(func() {
		srv.Close()
		if len(g.answers) > 0 {
			t.Errorf("%d scripted answer(s) never requested", len(g.answers))
		}
	})
	return srv
}

func geminiAnswer(parts ...map[string]any) map[string]any {
	ps := make([]any, len(parts))
	for i, p := range parts {
		ps[i] = p
	}
	return map[string]any{
		"candidates":    []any{map[string]any{"content": map[string]any{"role": "model", "parts": ps}, "finishReason": "STOP"}},
		"usageMetadata": map[string]any{"promptTokenCount": 500, "candidatesTokenCount": 50, "totalTokenCount": 550},
	}
}

func geminiCall(name string, args map[string]any) map[string]any {
	return map[string]any{"functionCall": map[string]any{"name": name, "args": args}}
}

const geminiTestDockerfile = `FROM golang:1.24-bookworm AS build
WORKDIR /src
COPY go.mod ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/server /usr/local/bin/server
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/server"]
`

func runCLIEnv(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}
	code := env.main(args)
	return code, out.String(), errb.String()
}

// TestRunGeminiDryRun runs devops-lead run --brain gemini --dry-run end to
// end against the fake API: the lead plans one task, the specialist reads
// go.mod, writes a Dockerfile and finishes; the gate passes it.
func TestRunGeminiDryRun(t *testing.T) {
	plan := `{"summary":"Containerize the server.","tasks":[{"id":"container","mode":"containerization-developer",` +
		`"title":"Containerize server","goal":"A multi-stage Dockerfile","files":["Dockerfile"]}]}`
	srv := newGeminiScript(t,
		geminiAnswer(map[string]any{"text": plan}),
		geminiAnswer(geminiCall("read_file", map[string]any{"path": "go.mod"})),
		geminiAnswer(geminiCall("write_file", map[string]any{"path": "Dockerfile", "content": geminiTestDockerfile}),
			geminiCall("finish", map[string]any{"summary": "done"})),
	)
	dir := copyRepo(t, "go")
	vars := map[string]string{"GEMINI_API_KEY": "fake-key", "DEVOPS_LEAD_GEMINI_BASE_URL": srv.URL}
	code, out, errs := runCLIEnv(t, vars, "run", "--repo", dir, "--dry-run", "--quiet", "--model", "gemini-fake", "containerize the service")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for _, want := range []string{"Plan (gemini brain)", "Containerize server [containerization-developer]: done",
		"+++ b/Dockerfile", "+ENTRYPOINT [\"/usr/local/bin/server\"]", "(dry run: nothing was written)",
		"Planning used 1 turn(s)", "token(s) of gemini-fake"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

func TestRunGeminiBrainChoice(t *testing.T) {
	dir := copyRepo(t, "go")
	code, _, errs := runCLIEnv(t, nil, "run", "--repo", dir, "--dry-run", "--brain", "gemini", "add CI")
	if code != exitUsage || !strings.Contains(errs, "--brain gemini needs GEMINI_API_KEY") {
		t.Errorf("--brain gemini without a key: exit %d, stderr %s", code, errs)
	}
	code, out, errs := runCLIEnv(t, nil, "run", "--repo", dir, "--dry-run", "--quiet", "--brain", "auto", "add CI")
	if code != 0 || !strings.Contains(out, "Plan (builtin brain)") {
		t.Errorf("auto without a key: exit %d, stderr %s", code, errs)
	}
	code, _, errs = runCLIEnv(t, nil, "run", "--repo", dir, "--dry-run", "--brain", "builtin", "--model", "x", "add CI")
	if code != exitUsage || !strings.Contains(errs, "--model applies to the gemini brain only") {
		t.Errorf("--model with builtin: exit %d, stderr %s", code, errs)
	}
	// auto with a key picks gemini: the fake answers the lead with
	// questions, which is exit 3 and proves the request went to Gemini.
	srv := newGeminiScript(t, geminiAnswer(map[string]any{"text": `{"summary":"Too vague.","tasks":[],"questions":["Which service?"]}`}))
	vars := map[string]string{"GEMINI_API_KEY": "fake-key", "DEVOPS_LEAD_GEMINI_BASE_URL": srv.URL}
	code, out, errs = runCLIEnv(t, vars, "run", "--repo", dir, "--dry-run", "--quiet", "do devops")
	if code != exitQuestions || !strings.Contains(out, "Plan (gemini brain)") || !strings.Contains(out, "Which service?") {
		t.Errorf("auto with a key: exit %d\nstdout %s\nstderr %s", code, out, errs)
	}
}

// TestRunGeminiBudget: with --max-turns 1 the specialist spends its one
// turn reading, the task fails saying why, and the run exits 1.
func TestRunGeminiBudget(t *testing.T) {
	plan := `{"summary":"Containerize.","tasks":[{"id":"container","mode":"containerization-developer","title":"Containerize server","goal":"Dockerfile"}]}`
	srv := newGeminiScript(t,
		geminiAnswer(map[string]any{"text": plan}),
		geminiAnswer(geminiCall("read_file", map[string]any{"path": "go.mod"})),
	)
	dir := copyRepo(t, "go")
	vars := map[string]string{"GEMINI_API_KEY": "fake-key", "DEVOPS_LEAD_GEMINI_BASE_URL": srv.URL}
	code, out, errs := runCLIEnv(t, vars, "run", "--repo", dir, "--dry-run", "--quiet", "--max-turns", "1", "containerize the service")
	if code != exitFail {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFail, out, errs)
	}
	if !strings.Contains(out, "Containerize server [containerization-developer]: failed") ||
		!strings.Contains(out, "budget exhausted: 1 model turns used (cap 1)") || strings.Contains(out, "+++ b/Dockerfile") {
		t.Errorf("stdout:\n%s", out)
	}
	code, _, errs = runCLIEnv(t, vars, "run", "--repo", dir, "--dry-run", "--max-turns", "0", "x")
	if code != exitUsage || !strings.Contains(errs, "must be 1 or more") {
		t.Errorf("--max-turns 0: exit %d %s", code, errs)
	}
}
