package config

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const testPEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK+/x=\nAbC+/9\n-----END RSA PRIVATE KEY-----\n"

// TestEnvFileRoundTrip: what FormatEnvFile writes, ParseEnvFile and a
// POSIX shell (set -a; . FILE) both read back, and ServerFromEnv turns
// into the same private key.
func TestEnvFileRoundTrip(t *testing.T) {
	vars := []EnvVar{{"GITHUB_APP_ID", "77"}, {"GITHUB_WEBHOOK_SECRET", "s3cr$t `x` \"y\" \\z"}, {"GITHUB_PRIVATE_KEY", testPEM}}
	data, err := FormatEnvFile([]string{"a comment", ""}, vars)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(data), "\n") != 5 {
		t.Fatalf("want 2 comment lines and 3 variable lines:\n%s", data)
	}
	got, err := ParseEnvFile(data)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ServerFromEnv(func(k string) string { return got[k] })
	if err != nil {
		t.Fatal(err)
	}
	if string(cfg.PrivateKey) != testPEM || cfg.WebhookSecret != vars[1].Value || cfg.AppID != 77 {
		t.Fatalf("read back %q %q %d", cfg.PrivateKey, cfg.WebhookSecret, cfg.AppID)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	path := filepath.Join(t.TempDir(), "app.env")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sh, "-c", `set -a; . "$1"; set +a; printf '%s|%s' "$GITHUB_WEBHOOK_SECRET" "$GITHUB_PRIVATE_KEY"`, "sh", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	secret, key, _ := strings.Cut(string(out), "|")
	if secret != vars[1].Value || strings.ReplaceAll(key, `\n`, "\n") != testPEM {
		t.Fatalf("the shell read %q and %q", secret, key)
	}
}

func TestEnvFileRefusals(t *testing.T) {
	if _, err := FormatEnvFile(nil, []EnvVar{{"K", "it's"}}); err == nil || !strings.Contains(err.Error(), "K") || strings.Contains(err.Error(), "it's") {
		t.Errorf("a quote: %v", err)
	}
	if _, err := FormatEnvFile(nil, []EnvVar{{"1K", "v"}}); err == nil {
		t.Error("a bad name was written")
	}
	for _, c := range []struct{ in, want string }{
		{"A=1\nnot a line\n", "line 2: want KEY=VALUE"},
		{"A='open\n", "line 1: A: the quoted value does not end"},
		{"A=1\nexport A=2\n", "line 2: A is set twice"},
	} {
		if _, err := ParseEnvFile([]byte(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.in, err, c.want)
		}
	}
	got, err := ParseEnvFile([]byte("# c\n\nexport A = 'x y'\nB=\"q\"\nC=plain\n"))
	if err != nil || got["A"] != "x y" || got["B"] != "q" || got["C"] != "plain" {
		t.Errorf("%v %v", got, err)
	}
	if _, err := ReadEnvFile(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("a missing file was read")
	}
	env := WithEnvFile(func(k string) string { return map[string]string{"A": "env"}[k] }, map[string]string{"A": "file", "B": "file"})
	if env("A") != "env" || env("B") != "file" {
		t.Error("the environment must win over the file")
	}
}
