package validate

import (
	"encoding/base64"
	"math"
	"path"
	"regexp"
	"strings"
)

// This file holds what the secret-assignment rule knows of the file around
// a match: lockfiles (package names such as registry-auth-token), prose
// (comments, Markdown, description fields), YAML structure (a permissions
// block, references to a Secret by name) and how random a value looks.

// lockfileNames are the dependency lockfiles: generated, full of package
// names and hashes, never a place a person writes a credential.
var lockfileNames = map[string]bool{
	"package-lock.json": true, "npm-shrinkwrap.json": true, "yarn.lock": true, "pnpm-lock.yaml": true,
	"bun.lock": true, "deno.lock": true, "go.sum": true, "cargo.lock": true, "gemfile.lock": true,
	"poetry.lock": true, "pipfile.lock": true, "composer.lock": true, "uv.lock": true, "pdm.lock": true,
	"mix.lock": true, "pubspec.lock": true, "podfile.lock": true, "packages.lock.json": true,
	"flake.lock": true, ".terraform.lock.hcl": true, "gradle.lockfile": true, "chart.lock": true,
	"conda-lock.yml": true, "package.resolved": true,
}

// isLockfile reports whether p names a dependency lockfile.
func isLockfile(p string) bool {
	return lockfileNames[strings.ToLower(path.Base(p))]
}

// isProseFile reports documentation files, where an assignment is an
// example in prose unless the value looks like a real credential.
func isProseFile(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".md", ".markdown", ".rst", ".adoc", ".asciidoc":
		return true
	}
	return false
}

// catalogDirs are the directory names translation catalogs live in.
var catalogDirs = map[string]bool{
	"locales": true, "locale": true, "lang": true, "langs": true, "i18n": true, "l10n": true, "intl": true,
	"translations": true, "translation": true,
}

// localeNameRe matches a file name that is a language tag: en, de-DE,
// pt_BR, zh-Hant-TW.
var localeNameRe = regexp.MustCompile(`^(?:[a-z]{2}|[a-z]{2,3}(?:[-_][A-Z][a-z]{3})?[-_](?:[A-Z]{2}|[a-z]{2}|\d{3})|[a-z]{2,3}[-_][A-Z][a-z]{3})$`)

// isMessageCatalog reports a translation catalog (JSON, YAML, properties,
// gettext): its values are text shown to people ("password": "Heslo",
// "forgot_your_password": "..."), keyed by what the text is about. A path
// counts when a directory is named like locales/, lang/ or i18n/, or when
// the file's own name is a language tag under a directory called messages.
func isMessageCatalog(p string) bool {
	ext := strings.ToLower(path.Ext(p))
	switch ext {
	case ".json", ".yml", ".yaml", ".properties", ".po", ".pot", ".toml", ".ftl", ".arb", ".xlf", ".xliff":
	default:
		return false
	}
	dirs := strings.Split(path.Dir(p), "/")
	for _, d := range dirs {
		if catalogDirs[strings.ToLower(d)] {
			return true
		}
	}
	name := strings.TrimSuffix(path.Base(p), path.Ext(p))
	return localeNameRe.MatchString(name) && strings.EqualFold(dirs[len(dirs)-1], "messages")
}

// isYAMLPath reports whether p is a YAML file by its name.
func isYAMLPath(p string) bool {
	ext := strings.ToLower(path.Ext(p))
	return ext == ".yml" || ext == ".yaml"
}

// leadingKeyRe finds the key a line starts with: "key": , key = , key: .
var leadingKeyRe = regexp.MustCompile(`^\s*"?([A-Za-z_][A-Za-z0-9_.-]*)"?\s*[:=]`)

// yamlLine is what the YAML structure says about one line.
type yamlLine struct {
	// path is the chain of mapping keys that owns the line: for a line
	// "key: value" it ends in key; for a line inside a block scalar or a
	// multi-line quoted value, it ends in the key the value belongs to.
	path []string
	// own is true when the line itself starts with the last key of path.
	own bool
	// comment is true for a line that is only a comment.
	comment bool
}

var yamlKeyRe = regexp.MustCompile(`^((?:-\s+)*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s#'"{}\[\],&*!|>%@` + "`" + `-][^:#]*?|-[^\s:#][^:#]*?)\s*:(?:\s|$)`)

// yamlLines returns the structure of each line of a YAML text, found by
// indentation alone, so that it also works on files that do not parse
// (Helm templates, Go templates). It is an approximation: flow mappings
// and anchors are not followed.
func yamlLines(lines []string) []yamlLine {
	type frame struct {
		indent int
		key    string
	}
	var stack []frame
	out := make([]yamlLine, len(lines))
	blockIndent := -1 // > -1: inside a block scalar whose key is at this indent
	quote := byte(0)  // inside a multi-line quoted value
	keys := func() []string {
		p := make([]string, len(stack))
		for i, f := range stack {
			p[i] = f.key
		}
		return p
	}
	for i, raw := range lines {
		line := strings.TrimRight(raw, "\r")
		trimmed := strings.TrimLeft(line, " \t")
		indent := len(line) - len(trimmed)
		if quote != 0 {
			out[i] = yamlLine{path: keys()}
			if closesQuote(trimmed, quote) {
				quote = 0
			}
			continue
		}
		if blockIndent >= 0 {
			if trimmed == "" || indent > blockIndent {
				out[i] = yamlLine{path: keys()}
				continue
			}
			blockIndent = -1
		}
		if trimmed == "" {
			continue
		}
		if strings.HasPrefix(trimmed, "#") {
			out[i] = yamlLine{path: keys(), comment: true}
			continue
		}
		if trimmed == "---" || strings.HasPrefix(trimmed, "--- ") {
			stack = stack[:0]
			continue
		}
		m := yamlKeyRe.FindStringSubmatch(trimmed)
		if m == nil {
			// A list item scalar or a plain continuation line: it belongs
			// to the innermost key above it with a smaller indent.
			for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
				stack = stack[:len(stack)-1]
			}
			out[i] = yamlLine{path: keys()}
			continue
		}
		keyIndent := indent + len(m[1])
		for len(stack) > 0 && stack[len(stack)-1].indent >= keyIndent {
			stack = stack[:len(stack)-1]
		}
		key := strings.Trim(m[2], `"'`)
		stack = append(stack, frame{keyIndent, key})
		out[i] = yamlLine{path: keys(), own: true}
		rest := strings.TrimSpace(trimmed[len(m[0]):])
		if j := strings.Index(rest, " #"); j >= 0 {
			rest = strings.TrimSpace(rest[:j])
		}
		switch {
		case strings.HasPrefix(rest, "|") || strings.HasPrefix(rest, ">"):
			blockIndent = keyIndent
		case strings.HasPrefix(rest, `"`) && !closesQuote(rest[1:], '"'):
			quote = '"'
		case strings.HasPrefix(rest, `'`) && !closesQuote(rest[1:], '\''):
			quote = '\''
		}
	}
	return out
}

// closesQuote reports whether s (text after an opening quote) holds the
// closing quote.
func closesQuote(s string, q byte) bool {
	for i := 0; i < len(s); i++ {
		switch {
		case q == '"' && s[i] == '\\':
			i++
		case s[i] == q:
			if q == '\'' && i+1 < len(s) && s[i+1] == '\'' {
				i++ // '' is an escaped quote
				continue
			}
			return true
		}
	}
	return false
}

// proseKeys are the keys whose values are text for people: a CRD's
// description, an alert's summary, a step's name.
var proseKeys = map[string]bool{
	"description": true, "summary": true, "message": true, "help": true, "title": true, "body": true,
	"text": true, "comment": true, "comments": true, "note": true, "notes": true, "usage": true,
	"details": true, "doc": true, "docs": true, "documentation": true, "name": true, "about": true,
	"warning": true, "example": true, "examples": true, "info": true, "annotations": true, "label": true,
}

// referenceAncestors are keys under which values name a secret kept
// elsewhere (Kubernetes secretKeyRef, envFrom) or are permissions.
var referenceAncestors = map[string]bool{
	"permissions": true, "secretkeyref": true, "secretref": true, "valuefrom": true, "envfrom": true,
	"existingsecret": true, "secretkeyselector": true,
}

// isReferenceKey reports whether a secret-named key holds a reference to a
// secret (its name, file, path or key) or a setting about it rather than
// the secret itself: secretName, existingSecret, configFromSecret,
// passwordFile, tokenUrl, token_ttl...
func isReferenceKey(key string) bool {
	k := strings.ToLower(key)
	if i := strings.LastIndexAny(k, "."); i >= 0 && i+1 < len(k) {
		k = k[i+1:]
	}
	k = strings.NewReplacer("-", "", "_", "").Replace(k)
	for _, pre := range []string{"tls", "ca", "cert", "certificate", "config", "configmap", "credentials", "creds"} {
		if k == pre+"secret" || k == pre+"secrets" {
			return true // tlsSecret: web-tls names a Secret of certificates
		}
	}
	if k == "initialclustertoken" {
		return true // etcd's --initial-cluster-token names the cluster
	}
	if strings.Contains(k, "existing") || strings.Contains(k, "from") || strings.Contains(k, "secretname") ||
		strings.Contains(k, "secretref") || strings.Contains(k, "keyref") {
		return true
	}
	for _, s := range []string{"name", "names", "ref", "refs", "file", "files", "path", "paths", "dir", "url", "uri",
		"endpoint", "type", "kind", "ttl", "length", "expiry", "expiration", "lifetime", "duration", "timeout",
		"seconds", "header", "prefix", "suffix", "mode", "enabled", "enable", "disabled", "required", "policy",
		"algorithm", "format", "location", "mount", "mountpath", "volume", "envvar", "env", "variable", "field",
		"selector", "provider", "store", "backend", "rotation", "count", "size", "regex", "pattern"} {
		if strings.HasSuffix(k, s) && len(k) > len(s) {
			return true
		}
	}
	return false
}

// permissionValues are the values of a GitHub Actions permission
// (id-token: write) or an access mode, never credentials.
var permissionValues = map[string]bool{
	"read": true, "write": true, "none": true, "read-all": true, "write-all": true, "admin": true,
	"readonly": true, "read-only": true, "readwrite": true, "read-write": true,
}

// secretStems are the words a secret-named key ends in; a value holding
// its own key's stem (password: password1, secret: my-secret) names or
// mocks the secret rather than being one.
var secretStems = []string{"password", "passwd", "secret", "token", "apikey", "api_key", "api-key", "key"}

// valueNamesSecret reports whether the value repeats a secret word, as
// names of secrets and example passwords do.
func valueNamesSecret(v string) bool {
	l := strings.ToLower(v)
	for _, s := range secretStems {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// durationRe matches a duration (720h, 1h30m, 15m): a token's lifetime
// (refresh_token: "720h" under a ttl block), not a token.
var durationRe = regexp.MustCompile(`^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|w))+$`)

// metasyntacticRe matches the stand-in words tests use for values (foo1,
// bar2, baz): never a credential.
var metasyntacticRe = regexp.MustCompile(`^(?:foo|bar|baz|qux|quux)[-_]?\d*$`)

var versionRe = regexp.MustCompile(`^[\^~><=v]*\d+(?:\.\d+)*(?:[-+.][0-9A-Za-z.-]*)?$`)

// entropy returns the Shannon entropy of s in bits per character.
func entropy(s string) float64 {
	if s == "" {
		return 0
	}
	counts := map[rune]int{}
	n := 0
	for _, c := range s {
		counts[c]++
		n++
	}
	var h float64
	for _, c := range counts {
		p := float64(c) / float64(n)
		h -= p * math.Log2(p)
	}
	return h
}

// looksRandom reports a value that reads as a generated credential: long
// enough, with letters and digits (or symbols), and high entropy. It is
// the bar for assignments found in prose, where a word is an example.
func looksRandom(v string) bool {
	if len(v) < 12 {
		return false
	}
	var letters, digits, other bool
	for _, c := range v {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letters = true
		case c >= '0' && c <= '9':
			digits = true
		case c == ' ':
			return false // words, not a token
		default:
			other = true
		}
	}
	return letters && (digits || other) && entropy(v) >= 3.5
}

// isASCIIWithDigit reports a value of ASCII characters with a digit among
// them, as generated tokens are and translated words rarely are.
func isASCIIWithDigit(v string) bool {
	digit := false
	for _, c := range v {
		if c > 0x7f {
			return false
		}
		digit = digit || c >= '0' && c <= '9'
	}
	return digit
}

// secretFileContext is what checkSecrets knows of a file before it looks
// at its lines.
type secretFileContext struct {
	lockfile bool
	prose    bool
	// catalog is a translation catalog: its values are words in any
	// language, so only a token-like value (ASCII, with digits) counts.
	catalog bool
	yaml    []yamlLine
}

func newSecretFileContext(p string, lines []string) secretFileContext {
	c := secretFileContext{lockfile: isLockfile(p), prose: isProseFile(p), catalog: isMessageCatalog(p)}
	if isYAMLPath(p) {
		c.yaml = yamlLines(lines)
	}
	return c
}

// inComment reports whether column s (0-based) of line is inside a
// comment: after a # or // that starts the line or follows a space.
func inComment(line string, s int) bool {
	t := strings.TrimLeft(line, " \t")
	if strings.HasPrefix(t, "#") || strings.HasPrefix(t, "//") || strings.HasPrefix(t, "<!--") || strings.HasPrefix(t, "/*") {
		return true
	}
	i := strings.Index(line, " #")
	return i >= 0 && i < s && !strings.ContainsAny(line[:i], `"'`)
}

// assignmentIsReference applies the file's context to one assignment of
// val to key found at 0-based column keyCol of line lineIdx: it reports
// whether the assignment is not a credential (a permission, a reference
// to a secret by name, prose, a lockfile entry).
func (c secretFileContext) assignmentIsReference(lines []string, lineIdx, keyCol int, key, val string) bool {
	if c.lockfile {
		return true
	}
	v := strings.Trim(val, "`")
	lv := strings.ToLower(v)
	if permissionValues[lv] || versionRe.MatchString(v) || valueNamesSecret(v) || isReferenceKey(key) ||
		looksLikePath(v) || decodedPlaceholder(v) || strings.Contains(v, `\`) || strings.HasPrefix(v, "#/") ||
		durationRe.MatchString(v) || metasyntacticRe.MatchString(lv) {
		return true
	}
	line := lines[lineIdx]
	prose := c.prose || inComment(line, keyCol)
	if c.yaml != nil && lineIdx < len(c.yaml) {
		y := c.yaml[lineIdx]
		for _, k := range y.path {
			if referenceAncestors[strings.ToLower(k)] {
				return true
			}
		}
		if n := len(y.path); n > 0 && !y.comment {
			last := y.path[n-1]
			ownMatch := y.own && strings.EqualFold(strings.Trim(last, `"'`), key)
			if !ownMatch && proseKeys[strings.ToLower(last)] {
				return true // text inside a description or a name
			}
		}
	}
	if c.yaml == nil {
		// JSON, HCL, INI and the like: a line that starts with a prose key
		// ("description": "set the token: ...") holds text, not settings.
		if m := leadingKeyRe.FindStringSubmatchIndex(line); m != nil && m[2] != keyCol && proseKeys[strings.ToLower(line[m[2]:m[3]])] {
			return true
		}
	}
	if prose && !looksRandom(v) {
		return true
	}
	if c.catalog && !(looksRandom(v) && isASCIIWithDigit(v)) {
		return true
	}
	return false
}

// keyMaterialFollows reports whether a private key header that ends at
// byte e of line i is followed by key material: base64 text (or PEM
// headers such as Proc-Type:) on the next non-empty line, or, in a string
// with escaped newlines, right after the header.
func keyMaterialFollows(lines []string, i, e int) bool {
	rest := lines[i][e:]
	if strings.HasPrefix(rest, `\n`) {
		return isBase64Run(strings.TrimPrefix(rest, `\n`))
	}
	for j := i + 1; j < len(lines) && j <= i+3; j++ {
		t := strings.TrimLeft(lines[j], " \t#/*'\"-")
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		return strings.HasPrefix(t, "Proc-Type:") || !strings.Contains(t, " ") && isBase64Run(t) && !repeatsFiller(t)
	}
	return false
}

// repeatsFiller reports a long line of low entropy, such as a word
// repeated to stand in for key material ("privatekeyprivatekey...");
// base64 of a real key is close to 6 bits a character.
func repeatsFiller(t string) bool {
	return len(t) >= 32 && entropy(t) < 4
}

// isBase64Run reports whether s starts with at least 8 base64 characters.
func isBase64Run(s string) bool {
	n := 0
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			break
		}
		n++
	}
	return n >= 8
}

// looksLikePath reports a value that is a file path, not a secret:
// /etc/registry/pk.pem, ./certs/key, ~/.ssh/id_ed25519, key.pem.
func looksLikePath(v string) bool {
	if strings.ContainsAny(v, " \t") {
		return false
	}
	if strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") || strings.HasPrefix(v, "../") || strings.HasPrefix(v, "~/") {
		return true
	}
	for _, ext := range []string{".pem", ".key", ".crt", ".cert", ".p12", ".pfx", ".jks", ".json", ".txt", ".yaml", ".yml", ".env"} {
		if strings.HasSuffix(strings.ToLower(v), ext) {
			return true
		}
	}
	return false
}

// decodedPlaceholder reports a base64 value (a Kubernetes Secret's data)
// whose decoded text is an example: "example-app-secret", "changeme".
func decodedPlaceholder(v string) bool {
	if len(v) < 8 || len(v)%4 != 0 {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return false
	}
	d := strings.ToLower(string(b))
	if isExampleSecret(d) {
		return true
	}
	for _, w := range placeholderWords {
		if strings.Contains(d, w) {
			return true
		}
	}
	return false
}
