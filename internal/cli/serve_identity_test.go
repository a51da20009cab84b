package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/config"
	"github.com/devops-lead/devops-lead/internal/github"
	"github.com/devops-lead/devops-lead/internal/githubtest"
)

// syncBuffer is a log sink safe for the goroutines that log.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func pemKey(t *testing.T) (*rsa.PrivateKey, []byte) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

// identityCase is an App whose slug on the in-memory GitHub is
// "acme-devops-lead", the slug a self-hosted App gets.
func identityCase(t *testing.T) (*githubtest.Server, []byte) {
	k, key := pemKey(t)
	gh := githubtest.New(t, 77, &k.PublicKey)
	gh.AppSlug, gh.AppName = "acme-devops-lead", "Acme DevOps Lead"
	return gh, key
}

func TestResolveIdentityUsesGitHubsSlug(t *testing.T) {
	gh, key := identityCase(t)
	app := &github.App{ID: 77, Key: key, APIURL: gh.URL}
	for _, override := range []string{"", "acme-devops-lead", "devops-lead"} {
		var logs syncBuffer
		cfg := &config.Server{AppID: 77, AppSlug: override}
		if err := resolveIdentity(context.Background(), cfg, app.Identity, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
			t.Fatalf("override %q: %v", override, err)
		}
		if cfg.AppSlug != "acme-devops-lead" || cfg.BotLogin() != "acme-devops-lead[bot]" {
			t.Errorf("override %q: slug %q, bot %q; want GitHub's", override, cfg.AppSlug, cfg.BotLogin())
		}
		warned := strings.Contains(logs.String(), "level=WARN")
		if override == "devops-lead" {
			if !warned || !strings.Contains(logs.String(), "GITHUB_APP_SLUG=devops-lead") || !strings.Contains(logs.String(), "github_slug=acme-devops-lead") {
				t.Errorf("a wrong override must be warned about, naming both slugs:\n%s", logs.String())
			}
		} else if warned {
			t.Errorf("override %q: unexpected warning:\n%s", override, logs.String())
		}
	}
	if n := gh.Calls("GET /app"); n != 3 {
		t.Errorf("GET /app called %d times, want 3", n)
	}
}

func TestResolveIdentityKeyOfAnotherApp(t *testing.T) {
	gh, _ := identityCase(t)
	_, otherKey := pemKey(t)
	app := &github.App{ID: 77, Key: otherKey, APIURL: gh.URL}
	cfg := &config.Server{AppID: 77, AppSlug: "acme-devops-lead"}
	err := resolveIdentity(context.Background(), cfg, app.Identity, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "the private key does not belong to App 77") {
		t.Fatalf("err = %v", err)
	}
}

func TestResolveIdentityGitHubUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	_, key := pemKey(t)
	app := &github.App{ID: 77, Key: key, APIURL: closed}

	var logs syncBuffer
	cfg := &config.Server{AppID: 77, AppSlug: "acme-devops-lead"}
	if err := resolveIdentity(context.Background(), cfg, app.Identity, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatalf("with GITHUB_APP_SLUG set, serve starts: %v", err)
	}
	if cfg.AppSlug != "acme-devops-lead" || !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "GET /app") {
		t.Errorf("slug %q, logs:\n%s", cfg.AppSlug, logs.String())
	}

	cfg = &config.Server{AppID: 77}
	err = resolveIdentity(context.Background(), cfg, app.Identity, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "GITHUB_APP_SLUG is not set") {
		t.Fatalf("without a slug, serve must refuse: %v", err)
	}
}

// TestServeRefusesAKeyOfAnotherApp runs Serve itself: the key does not
// match the App id, so it returns the clear error instead of starting.
func TestServeRefusesAKeyOfAnotherApp(t *testing.T) {
	gh, _ := identityCase(t)
	_, otherKey := pemKey(t)
	cfg := &config.Server{AppID: 77, PrivateKey: otherKey, WebhookSecret: hookSecret, APIURL: gh.URL,
		DBPath: filepath.Join(t.TempDir(), "queue.db"), Workers: 1, ShutdownGrace: time.Second}
	err := serveUntilRefused(t, cfg)
	if err == nil || !strings.Contains(err.Error(), "the private key does not belong to App 77") {
		t.Fatalf("Serve = %v", err)
	}
}

// TestServeLearnsItsSlug: started without GITHUB_APP_SLUG, serve comments
// as the bot GitHub names.
func TestServeLearnsItsSlug(t *testing.T) {
	gh, key := identityCase(t)
	cfg := &config.Server{AppID: 77, PrivateKey: key, WebhookSecret: hookSecret, APIURL: gh.URL,
		DBPath: filepath.Join(t.TempDir(), "queue.db"), Workers: 1, ShutdownGrace: time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs syncBuffer
	go func() { done <- Serve(ctx, cfg, ln, slog.New(slog.NewJSONHandler(&logs, nil))) }()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs.String(), "devops-lead serve started") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if !strings.Contains(logs.String(), `"bot":"acme-devops-lead[bot]"`) || !strings.Contains(logs.String(), "app 77 (acme-devops-lead)") {
		t.Errorf("serve did not take GitHub's slug:\n%s", logs.String())
	}
}

// TestImageDataDirectory: the image's final stage gives serve a data
// directory owned by the non-root user, declares it a volume, and points
// DEVOPS_LEAD_DB into it, so `CMD ["serve"]` needs no --db.
func TestImageDataDirectory(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	stages := strings.Split(string(data), "\nFROM ")
	final := stages[len(stages)-1]
	env := regexp.MustCompile(`(?m)^ENV DEVOPS_LEAD_DB=(\S+)$`).FindStringSubmatch(final)
	if env == nil {
		t.Fatal("the final stage sets no ENV DEVOPS_LEAD_DB=<file>")
	}
	dir := path.Dir(env[1])
	if !regexp.MustCompile(`(?m)^VOLUME \["` + regexp.QuoteMeta(dir) + `"\]$`).MatchString(final) {
		t.Errorf("%s is not declared a VOLUME", dir)
	}
	if !regexp.MustCompile(`(?m)^COPY --from=build --chown=65532:65532 \S+ ` + regexp.QuoteMeta(dir) + `$`).MatchString(final) {
		t.Errorf("%s is not made owned by the non-root user (65532)", dir)
	}
	if !regexp.MustCompile(`(?m)^USER nonroot`).MatchString(final) || !strings.Contains(final, `CMD ["serve"]`) {
		t.Error("the final stage no longer runs serve as nonroot")
	}
	cfg, err := config.ServerFromEnv(func(k string) string {
		if k == "DEVOPS_LEAD_DB" {
			return env[1]
		}
		return ""
	})
	if err != nil || cfg.DBPath != env[1] {
		t.Fatalf("DEVOPS_LEAD_DB does not set the default --db: %v %+v", err, cfg)
	}
}

// TestServeCommandSecretsFromFiles runs `devops-lead serve` with every
// secret from a file: a key of another App makes it refuse to start with
// the clear message, and a secret set twice is refused naming both.
func TestServeCommandSecretsFromFiles(t *testing.T) {
	gh, _ := identityCase(t)
	_, otherKey := pemKey(t)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	vars := map[string]string{
		"GITHUB_APP_ID":              "77",
		"GITHUB_API_URL":             gh.URL,
		"GITHUB_PRIVATE_KEY_FILE":    write("app.pem", otherKey),
		"GITHUB_WEBHOOK_SECRET_FILE": write("hook", []byte(hookSecret+"\n")),
		"DEVOPS_LEAD_DB":             filepath.Join(dir, "queue.db"),
	}
	code, _, stderr := runCLIEnv(t, vars, "serve", "--listen", "127.0.0.1:0")
	if code != exitFail || !strings.Contains(stderr, "the private key does not belong to App 77") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if gh.Calls("GET /app") != 1 {
		t.Errorf("GET /app called %d times", gh.Calls("GET /app"))
	}
	vars["GITHUB_WEBHOOK_SECRET"] = hookSecret
	code, _, stderr = runCLIEnv(t, vars, "serve", "--listen", "127.0.0.1:0")
	if code != exitFail || !strings.Contains(stderr, "GITHUB_WEBHOOK_SECRET and GITHUB_WEBHOOK_SECRET_FILE") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}
