package validate

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
)

// secretPattern is one kind of credential the gate recognises in any file.
type secretPattern struct {
	rule *Rule
	re   *regexp.Regexp
	what string
	// group is the submatch holding the secret (0: the whole match).
	group int
	// hints are literals one of which any match contains (lowercase); a
	// file without any skips the pattern.
	hints []string
}

// The secret rules; they apply to every file.
var (
	ruleSecretAWSKeyID = register(Rule{
		ID: "secret-aws-access-key-id", Kind: KindAny, Severity: Error, Checkov: "CKV_SECRET_2",
		Summary: "an AWS access key id (AKIA…/ASIA…) must not be committed",
		Help:    "remove it, rotate the key, and use OIDC (aws-actions/configure-aws-credentials with role-to-assume) or a secret store",
	})
	ruleSecretAWSSecret = register(Rule{
		ID: "secret-aws-secret-key", Kind: KindAny, Severity: Error, Checkov: "CKV_SECRET_2",
		Summary: "an AWS secret access key must not be committed",
		Help:    "remove it, rotate the key, and read it from a secret store at run time",
	})
	ruleSecretGitHub = register(Rule{
		ID: "secret-github-token", Kind: KindAny, Severity: Error, Checkov: "CKV_SECRET_43",
		Summary: "a GitHub token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_) must not be committed",
		Help:    "remove it, revoke the token, and use ${{ secrets.GITHUB_TOKEN }} or a repository secret",
	})
	ruleSecretPrivateKey = register(Rule{
		ID: "secret-private-key", Kind: KindAny, Severity: Error, Checkov: "CKV_SECRET_13",
		Summary: "a private key block must not be committed",
		Help:    "remove it, replace the key pair, and mount the key from a secret store",
	})
	ruleSecretSlack = register(Rule{
		ID: "secret-slack-token", Kind: KindAny, Severity: Error, Checkov: "CKV_SECRET_14",
		Summary: "a Slack token or webhook URL must not be committed",
		Help:    "remove it, revoke it in Slack, and pass it as a secret",
	})
	ruleSecretGoogle = register(Rule{
		ID: "secret-google-api-key", Kind: KindAny, Severity: Error, Checkov: "CKV_SECRET_9",
		Summary: "a Google API key (AIza…) must not be committed",
		Help:    "remove it, restrict or delete the key in the Google Cloud console, and pass it as a secret",
	})
	ruleSecretStripe = register(Rule{
		ID: "secret-stripe-key", Kind: KindAny, Severity: Error, Checkov: "CKV_SECRET_17",
		Summary: "a live Stripe secret or restricted key must not be committed",
		Help:    "remove it, roll the key in the Stripe dashboard, and pass it as a secret",
	})
	ruleSecretAssignment = register(Rule{
		ID: "secret-assignment", Kind: KindAny, Severity: Error, Checkov: "CKV_SECRET_6",
		Summary: "a password, secret, token or API key must not be assigned a literal value",
		Help:    "reference a secret instead: ${{ secrets.NAME }}, ${NAME} from the environment, var.name in Terraform, or a secret store",
	})
)

var secretPatterns = []secretPattern{
	{&ruleSecretAWSKeyID, regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`), "an AWS access key id", 0, []string{"akia", "asia"}},
	{&ruleSecretAWSSecret, regexp.MustCompile(`(?i)aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})(?:["'\s]|$)`), "an AWS secret access key", 1, []string{"secret"}},
	{&ruleSecretGitHub, regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b`), "a GitHub token", 0, []string{"gh", "github_pat_"}},
	{&ruleSecretPrivateKey, regexp.MustCompile(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`), "a private key block", 0, []string{"private key"}},
	{&ruleSecretSlack, regexp.MustCompile(`\bxox[abposr]-[0-9A-Za-z-]{10,}|https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+`), "a Slack token", 0, []string{"xox", "hooks.slack.com"}},
	{&ruleSecretGoogle, regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}`), "a Google API key", 0, []string{"aiza"}},
	{&ruleSecretStripe, regexp.MustCompile(`\b[sr]k_live_[0-9A-Za-z]{20,}`), "a live Stripe key", 0, []string{"k_live_"}},
}

// assignRe finds NAME = "literal", NAME: 'literal' and NAME=literal where
// NAME ends in a secret word.
var assignRe = regexp.MustCompile(`(?i)([A-Za-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret))["']?\s*(:=|=>|[:=])(\s*)(?:"([^"\n]*)"|'([^'\n]*)'|([^\s"'#,;]+))`)

// secretCheckLimit bounds the bytes the secret scan reads of one file.
const secretCheckLimit = 8 << 20

func init() { registerChecker(KindAny, checkSecrets) }

// checkSecrets scans every text file for credentials and reports each at
// its line and column with only a redacted prefix, never the secret.
func checkSecrets(path string, content []byte) (out []Finding) {
	// The gate runs KindAny checkers without safeRun: never let a bug here
	// take the engine down.
	defer func() {
		if r := recover(); r != nil {
			out = []Finding{ruleInternal.at(path, 0, 0, "the secret scan failed on this file: %v", r)}
		}
	}()
	if len(content) > secretCheckLimit || bytes.IndexByte(content, 0) >= 0 {
		return nil // binary or oversized: not ours to scan line by line
	}
	lower := strings.ToLower(string(content))
	var patterns []secretPattern
	for _, p := range secretPatterns {
		for _, h := range p.hints {
			if strings.Contains(lower, h) {
				patterns = append(patterns, p)
				break
			}
		}
	}
	lowerLines := strings.Split(lower, "\n")
	lines := strings.Split(string(content), "\n")
	ctx := newSecretFileContext(path, lines)
	// Compose files have their own plaintext-secret rule
	// (compose-plaintext-secret); the generic assignment rule would only
	// repeat it there.
	generic := KindOf(path, content) != KindCompose
	for i, line := range lines {
		if len(line) < 8 {
			continue
		}
		found := false
		for _, p := range patterns {
			for _, m := range p.re.FindAllStringSubmatchIndex(line, -1) {
				s, e := m[2*p.group], m[2*p.group+1]
				if s < 0 || isExampleSecret(line[s:e]) || ctx.lockfile && isHashLine(lowerLines[i]) {
					continue
				}
				if p.rule == &ruleSecretPrivateKey && !keyMaterialFollows(lines, i, e) {
					continue // prose naming the header ("should start with -----BEGIN ...")
				}
				found = true
				out = append(out, p.rule.at(path, i+1, s+1, "%s (%s) is committed in the file; remove it and rotate it", p.what, redact(line[s:e])))
			}
		}
		if !found && generic && i < len(lowerLines) && mayAssignSecret(lowerLines[i]) {
			out = append(out, assignmentFindings(path, lines, i, ctx)...)
		}
	}
	return out
}

// secretWords are the lowercase stems assignRe needs in a line.
var secretWords = []string{"pass", "secret", "token", "key"}

// mayAssignSecret is a cheap filter before assignRe: the lowercase line
// holds a secret word and an assignment.
func mayAssignSecret(lower string) bool {
	if !strings.ContainsAny(lower, ":=") {
		return false
	}
	for _, w := range secretWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// isHashLine reports a lockfile line holding a checksum, whose base64
// text can look like a key id by chance.
func isHashLine(lower string) bool {
	return strings.Contains(lower, "integrity") || strings.Contains(lower, "sha512-") || strings.Contains(lower, "sha1-") ||
		strings.Contains(lower, "h1:") || strings.Contains(lower, "checksum") || strings.Contains(lower, "hash")
}

// assignmentFindings reports literal values assigned to secret-named keys
// on line i, in the context of the file around it.
func assignmentFindings(path string, lines []string, i int, ctx secretFileContext) []Finding {
	if ctx.lockfile {
		return nil
	}
	line, lineNo := lines[i], i+1
	var out []Finding
	for _, m := range assignRe.FindAllStringSubmatchIndex(line, -1) {
		key := line[m[2]:m[3]]
		if m[2] > 0 && strings.ContainsRune("${", rune(line[m[2]-1])) {
			continue // ${PASSWORD:?msg} or $TOKEN: a reference, not a key
		}
		g, quoted := 4, true
		switch {
		case m[8] >= 0:
			g = 4
		case m[10] >= 0:
			g = 5
		default:
			g, quoted = 6, false
		}
		if !quoted && line[m[4]:m[5]] == ":" && m[6] == m[7] {
			continue // key:value without a space is not a YAML mapping (URLs, ${X:?y})
		}
		s, e := m[2*g], m[2*g+1]
		if s < 0 {
			continue
		}
		val := line[s:e]
		if isPlaceholder(val, key, quoted) || ctx.assignmentIsReference(lines, i, m[2], key, val) {
			continue
		}
		out = append(out, ruleSecretAssignment.at(path, lineNo, s+1,
			"%s is set to a literal value (%s); reference a secret or an environment variable instead", key, redact(val)))
	}
	return out
}

// placeholderWords mark values that are examples, not secrets.
var placeholderWords = []string{"changeme", "change-me", "change_me", "example", "placeholder", "dummy", "redacted",
	"xxxx", "****", "your-", "your_", "<", "todo", "fixme", "replace", "sample", "fake", "test", "not-a-real", "not_a_real", "notreal"}

// isPlaceholder reports whether an assigned value is a reference, an empty
// or example value, or (unquoted) an identifier that reads as code.
func isPlaceholder(v, key string, quoted bool) bool {
	t := strings.TrimSpace(v)
	lower := strings.ToLower(t)
	switch {
	case len(t) < 4:
		return true
	case strings.Contains(t, "${") || strings.HasPrefix(t, "$") || strings.Contains(t, "{{") || strings.Contains(t, "%("):
		return true
	case strings.HasPrefix(lower, "var.") || strings.HasPrefix(lower, "local.") || strings.HasPrefix(lower, "secrets.") ||
		strings.HasPrefix(lower, "data.") || strings.HasPrefix(lower, "env.") || strings.HasPrefix(lower, "process.env") ||
		strings.HasPrefix(lower, "os.") || strings.HasPrefix(lower, "module."):
		return true
	case lower == "true" || lower == "false" || lower == "null" || lower == "none" || lower == "nil" ||
		lower == "required" || lower == "optional" || lower == "string" || lower == "|" || lower == ">" ||
		lower == "value" || lower == "values" || lower == "default" || lower == "auto" || lower == "generate" || lower == "generated":
		return true
	case strings.HasPrefix(lower, "your"):
		return true
	case strings.EqualFold(t, key) || strings.Contains(strings.ToLower(key), lower):
		return true
	case isExampleSecret(t):
		return true
	}
	for _, w := range placeholderWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	if !quoted {
		// Unquoted: code like `token = getToken()` or `password: str`, or a
		// key name such as `secretRef:` has no literal to leak.
		if strings.ContainsAny(t, "()[]{}") || isIdentifier(t) {
			return true
		}
	}
	return false
}

// isExampleSecret reports the vendor example values that docs use.
func isExampleSecret(s string) bool {
	u := strings.ToUpper(s)
	return strings.Contains(u, "EXAMPLE") || strings.Contains(u, "XXXXXXXX")
}

// isIdentifier reports a lowercase or camelCase identifier with no digits,
// which in code is a variable, not a literal.
func isIdentifier(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// redact shows at most the first four characters (fewer for short values)
// and the length, so a finding identifies the value without leaking it.
func redact(s string) string {
	r := []rune(s)
	n := min(4, len(r)/4)
	return string(r[:n]) + "…(" + strconv.Itoa(len(r)) + " chars)"
}
