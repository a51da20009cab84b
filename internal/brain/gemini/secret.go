package gemini

import (
	"path"
	"regexp"
	"strings"
)

// secretLooking reports whether a file's name says it may hold secrets;
// such files are never read into a prompt or searched.
func secretLooking(p string) bool {
	base := strings.ToLower(path.Base(p))
	switch {
	case strings.HasPrefix(base, ".env"), strings.HasPrefix(base, "id_rsa"), strings.HasPrefix(base, "id_dsa"),
		strings.HasPrefix(base, "id_ecdsa"), strings.HasPrefix(base, "id_ed25519"):
		return true
	}
	for _, ext := range []string{".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".tfstate", ".tfstate.backup", ".tfvars", ".kdbx", ".gpg", ".asc"} {
		if strings.HasSuffix(base, ext) {
			return true
		}
	}
	switch base {
	case ".npmrc", ".pypirc", ".netrc", ".git-credentials", ".htpasswd", ".dockercfg", "credentials", "credentials.json",
		"secrets.yaml", "secrets.yml", "secrets.json", "service-account.json", "kubeconfig":
		return true
	}
	return strings.Contains(p, ".docker/config.json") || strings.HasPrefix(p, ".git/") || strings.Contains(p, "/.git/")
}

// secretValue matches secret values that may sit in an ordinary file:
// private key blocks and well-known token shapes.
var secretValue = regexp.MustCompile(`(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----` +
	`|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}\b|\bxox[baprs]-[A-Za-z0-9-]{10,}\b|\bAIza[0-9A-Za-z_-]{35}\b`)

// redact replaces secret-looking values with a marker before file content
// reaches a prompt.
func redact(s string) string {
	return secretValue.ReplaceAllString(s, "[REDACTED by devops-lead]")
}
