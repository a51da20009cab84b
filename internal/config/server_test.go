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
		"GITHUB_PRIVATE_KEY_PATH": key, "GEMINI_API_KEY": "k-123", "GITHUB_APP_SLUG": "devops-lead"}))
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

func TestServerSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pemText := "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n"
	vars := map[string]string{
		"GITHUB_APP_ID":              "12",
		"GITHUB_PRIVATE_KEY_FILE":    write("key", pemText),
		"GITHUB_WEBHOOK_SECRET_FILE": write("hook", "hook-s3cret\n"),
		"GEMINI_API_KEY_FILE":        write("gemini", "  g-key\r\n"),
		"DATABASE_URL_FILE":          write("db", "postgres://u:p@db/q\n"),
		"DEVOPS_LEAD_DB":             "/var/lib/devops-lead/queue.db",
	}
	s, err := ServerFromEnv(env(vars))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	if string(s.PrivateKey) != pemText || s.WebhookSecret != "hook-s3cret" || s.GeminiKey != "g-key" || !s.GeminiKeySet ||
		s.DatabaseURL != "postgres://u:p@db/q" || s.DBPath != "/var/lib/devops-lead/queue.db" {
		t.Fatalf("server = %+v", s)
	}
	if str := s.String(); strings.Contains(str, "hook-s3cret") || strings.Contains(str, "g-key") || strings.Contains(str, "u:p") {
		t.Fatalf("String leaks a secret: %s", str)
	}

	// Both a variable and its _FILE: an error naming both.
	for _, name := range []string{"GITHUB_PRIVATE_KEY", "GITHUB_WEBHOOK_SECRET", "GEMINI_API_KEY", "DATABASE_URL"} {
		both := map[string]string{}
		for k, v := range vars {
			both[k] = v
		}
		both[name] = "inline"
		_, err := ServerFromEnv(env(both))
		if err == nil || !strings.Contains(err.Error(), name+" and "+name+"_FILE") {
			t.Errorf("%s and %s_FILE both set: err = %v", name, name, err)
		}
	}
	pathToo := map[string]string{"GITHUB_PRIVATE_KEY_FILE": vars["GITHUB_PRIVATE_KEY_FILE"], "GITHUB_PRIVATE_KEY_PATH": vars["GITHUB_PRIVATE_KEY_FILE"]}
	if _, err := ServerFromEnv(env(pathToo)); err == nil || !strings.Contains(err.Error(), "GITHUB_PRIVATE_KEY_FILE and GITHUB_PRIVATE_KEY_PATH") {
		t.Errorf("_FILE and _PATH both set: err = %v", err)
	}
	// A missing or empty file names the variable.
	for name, file := range map[string]string{"GITHUB_WEBHOOK_SECRET_FILE": filepath.Join(dir, "absent"), "GEMINI_API_KEY_FILE": write("empty", " \n")} {
		_, err := ServerFromEnv(env(map[string]string{name: file}))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: err = %v", name, file, err)
		}
	}
}

func TestServerDefaults(t *testing.T) {
	s, err := ServerFromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.DBPath != DefaultDBPath || s.AppSlug != "" || s.GeminiKeySet {
		t.Fatalf("defaults = %+v", s)
	}
	if !strings.Contains(s.String(), "slug from GitHub") {
		t.Fatalf("String = %s", s.String())
	}
}
