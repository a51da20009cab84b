package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestServerCheckNamesWhatIsMissing(t *testing.T) {
	s, err := ServerFromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Check()
	for _, want := range []string{"GITHUB_WEBHOOK_SECRET", "GITHUB_APP_ID", "GITHUB_PRIVATE_KEY"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
	if _, err := ServerFromEnv(env(map[string]string{"GITHUB_APP_ID": "abc"})); err == nil {
		t.Error("a non-numeric app id must be refused")
	}
}

func TestServerFromEnvAndKeyFile(t *testing.T) {
	key := filepath.Join(t.TempDir(), "key.pem")
	pemText := "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n"
	if err := os.WriteFile(key, []byte(pemText), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := ServerFromEnv(env(map[string]string{"GITHUB_APP_ID": "12", "GITHUB_WEBHOOK_SECRET": "s3cret-value",
		"GITHUB_PRIVATE_KEY_PATH": key, "GEMINI_API_KEY": "k-123"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	if string(s.PrivateKey) != pemText || s.AppID != 12 || !s.GeminiKeySet || s.BotLogin() != "devops-lead[bot]" {
		t.Fatalf("server = %+v", s)
	}
	if str := s.String(); strings.Contains(str, "s3cret") || strings.Contains(str, "k-123") || strings.Contains(str, "abc") {
		t.Fatalf("String leaks a secret: %s", str)
	}
	inline, _ := ServerFromEnv(env(map[string]string{"GITHUB_PRIVATE_KEY": `-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----`}))
	if !strings.Contains(string(inline.PrivateKey), "KEY-----\nabc\n") {
		t.Fatalf("escaped newlines not restored: %q", inline.PrivateKey)
	}
	bad := &Server{AppID: 1, WebhookSecret: "x", PrivateKey: []byte("nope"), DBPath: "q.db"}
	if err := bad.Check(); err == nil || !strings.Contains(err.Error(), "not a PEM") {
		t.Fatalf("bad key: %v", err)
	}
}
