package stack

import (
	"regexp"
	"slices"
	"sort"
	"strings"
)

// envSet gathers the environment variables of one service, in the order
// first seen, at most maxEnvVars.
type envSet struct {
	vars  map[string]*EnvVar
	order []string
}

func newEnvSet() *envSet { return &envSet{vars: map[string]*EnvVar{}} }

var reEnvName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// add records a variable. A second sighting makes it required when either
// says so and fills a missing default; the first source is kept.
func (e *envSet) add(name, def string, required bool, source string) {
	if len(name) > 128 || !reEnvName.MatchString(name) || ignoredEnv[name] || strings.HasPrefix(name, "npm_") {
		return
	}
	if v := e.vars[name]; v != nil {
		v.Required = v.Required || required
		if v.Default == "" && !isExampleFile(source) {
			v.Default = def
		}
		return
	}
	if len(e.order) >= maxEnvVars {
		return
	}
	e.vars[name] = &EnvVar{Name: name, Default: def, Required: required, Secret: isSecretName(name), Source: source}
	e.order = append(e.order, name)
}

// list returns the variables sorted by name; a required variable has no
// default (the code refuses to start without it only when none is set).
func (e *envSet) list() []EnvVar {
	if len(e.order) == 0 {
		return nil
	}
	out := make([]EnvVar, 0, len(e.order))
	for _, n := range e.order {
		v := *e.vars[n]
		if v.Default != "" {
			v.Required = false
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// secretParts mark a variable that holds a credential.
var secretParts = []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "PRIVATE_KEY",
	"CREDENTIALS", "DATABASE_URL", "DSN"}

// settingSuffixes end names that tune a credential without holding one
// (ACCESS_TOKEN_EXPIRE_MINUTES, PASSWORD_MIN_LENGTH).
var settingSuffixes = []string{"_MINUTES", "_HOURS", "_DAYS", "_SECONDS", "_SECS", "_MS", "_TTL", "_EXPIRE",
	"_EXPIRES", "_EXPIRY", "_EXPIRATION", "_LENGTH", "_LEN", "_SIZE", "_ENABLED", "_COUNT", "_LIMIT", "_ALGORITHM"}

// isSecretName reports whether the variable holds a credential: its name
// contains PASSWORD, PASSWD, SECRET, TOKEN, API_KEY, PRIVATE_KEY,
// CREDENTIALS, DATABASE_URL or DSN, or ends in _KEY; unless it ends like
// a setting about one (_MINUTES, _TTL, _LENGTH, _ENABLED...).
func isSecretName(name string) bool {
	up := strings.ToUpper(name)
	for _, suf := range settingSuffixes {
		if strings.HasSuffix(up, suf) {
			return false
		}
	}
	for _, p := range secretParts {
		if strings.Contains(up, p) {
			return true
		}
	}
	return strings.HasSuffix(up, "_KEY")
}

// exampleFiles list the variables a service expects, with sample values.
var exampleFiles = []string{".env.example", ".env.sample", ".env.template", ".env.dist"}

// isExampleFile reports whether source is an .env example.
func isExampleFile(source string) bool {
	for _, f := range exampleFiles {
		if source == f {
			return true
		}
	}
	return false
}

// ignoredEnv are variables that tools and shells set, not the service's
// configuration.
var ignoredEnv = map[string]bool{"CI": true, "GITHUB_ACTIONS": true, "PATH": true, "HOME": true, "PWD": true,
	"SHELL": true, "TERM": true, "USER": true, "TMPDIR": true, "GOPATH": true, "GOOS": true, "GOARCH": true}

// commentPrefix is the line comment marker of each language.
var commentPrefix = map[Language][]string{Go: {"//"}, Node: {"//", "/*", "*"}, Rust: {"//"}, Python: {"#"}, Java: {"//", "/*", "*"}}

// stripCommentLines blanks the lines that are only a comment, so
// commented-out code states no variable and no route. Line breaks stay.
func stripCommentLines(text string, lang Language) string {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		t := strings.TrimSpace(line)
		for _, p := range commentPrefix[lang] {
			if strings.HasPrefix(t, p) {
				lines[i] = ""
				break
			}
		}
	}
	return strings.Join(lines, "\n")
}

// fromSource finds the variables a source file reads, by its language.
func (e *envSet) fromSource(text, source string) {
	switch langOf(source) {
	case Go:
		e.fromGo(text, source)
	case Node:
		e.fromJS(text, source)
	case Python:
		e.fromPython(text, source)
	case Rust:
		e.fromRust(text, source)
	case Java:
		e.fromJava(text, source)
	}
}

// reJavaGetenv matches System.getenv("NAME").
var reJavaGetenv = regexp.MustCompile(`System\.getenv\(\s*"([A-Z][A-Z0-9_]*)"\s*\)`)

// fromJava reads System.getenv calls and Spring @Value placeholders
// ("${NAME}" fails the start when unset; "${NAME:default}" does not). A
// getenv the code falls back from is not required.
func (e *envSet) fromJava(text, source string) {
	for _, m := range reJavaGetenv.FindAllStringSubmatch(text, -1) {
		e.add(m[1], "", false, source)
	}
	for _, m := range reSpringPlaceholder.FindAllStringSubmatch(text, -1) {
		e.add(m[1], strings.TrimPrefix(m[2], ":"), m[2] == "", source)
	}
}

// literal matches a quoted string, a number or a boolean; unquote turns
// its groups into the value.
const literal = `(?:'([^'\n]*)'|"([^"\n]*)"|` + "`([^`$\\n]*)`" + `|(-?\d+(?:\.\d+)?)|(true|false|True|False))`

// unquote returns the first non-empty group of a literal match.
func unquote(groups []string) string {
	for _, g := range groups {
		if g != "" {
			return g
		}
	}
	return ""
}

var (
	reGoGetenv     = regexp.MustCompile(`os\.(Getenv|LookupEnv)\(\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\)`)
	reGoEmptyCheck = regexp.MustCompile(`^[^\n]*\n\s*if\s+\w+\s*==\s*""\s*\{\s*\w+\s*=\s*"([^"\n]*)"`)
	reGoCmpOr      = regexp.MustCompile(`cmp\.Or\(\s*os\.Getenv\(\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\)\s*,\s*"([^"\n]*)"`)
	reGoHelper     = regexp.MustCompile(`\b(\w*[Ee]nv\w*)\(\s*"([A-Z][A-Z0-9_]*)"\s*,\s*` + literal)
	reGoMust       = regexp.MustCompile(`\b(?:[Mm]ust|[Rr]equire)\w*[Ee]nv\w*\(\s*"([A-Z][A-Z0-9_]*)"\s*\)`)
	reGoTag        = regexp.MustCompile("`[^`\\n]*\\benv(?:config)?:\"[^`\\n]*`")
	reTagEnv       = regexp.MustCompile(`\benv(?:config)?:"([A-Za-z_][A-Za-z0-9_]*)((?:,\w+)*)"`)
	reTagDefault   = regexp.MustCompile(`\b(?:envDefault|default):"([^"]*)"`)
)

// fromGo reads os.Getenv/os.LookupEnv calls (with an `if x == ""`
// default right after, or cmp.Or), getEnv("X", "d")-style helpers,
// mustEnv("X") and env struct tags (caarlos0/env, envconfig).
func (e *envSet) fromGo(text, source string) {
	for _, m := range reGoCmpOr.FindAllStringSubmatch(text, -1) {
		e.add(m[1], m[2], false, source)
	}
	for _, m := range reGoMust.FindAllStringSubmatch(text, -1) {
		e.add(m[1], "", true, source)
	}
	for _, m := range reGoHelper.FindAllStringSubmatch(text, -1) {
		fn := strings.ToLower(m[1])
		if strings.Contains(fn, "set") || strings.HasPrefix(fn, "must") {
			continue
		}
		e.add(m[2], unquote(m[3:]), false, source)
	}
	for _, loc := range reGoGetenv.FindAllStringSubmatchIndex(text, -1) {
		name := text[loc[4]:loc[5]]
		def := ""
		if text[loc[2]:loc[3]] == "Getenv" {
			if m := reGoEmptyCheck.FindStringSubmatch(window(text, loc[1], 240)); m != nil {
				def = m[1]
			}
		}
		e.add(name, def, false, source)
	}
	for _, tag := range reGoTag.FindAllString(text, -1) {
		m := reTagEnv.FindStringSubmatch(tag)
		if m == nil {
			continue
		}
		def := ""
		if d := reTagDefault.FindStringSubmatch(tag); d != nil {
			def = d[1]
		}
		required := strings.Contains(m[2], ",required") || strings.Contains(tag, `required:"true"`)
		e.add(m[1], def, required, source)
	}
}

// window returns up to n bytes of text from i.
func window(text string, i, n int) string {
	end := min(i+n, len(text))
	return text[i:end]
}

var (
	reRsEnv = regexp.MustCompile(`env::var(?:_os)?\(\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\)`)
	// reRsDefault finds the default of the statement: unwrap_or("x")
	// right away, or after .ok(), .and_then(|p| p.parse().ok()) and the
	// like, where the default may be a number.
	reRsDefault  = regexp.MustCompile(`^[^;]{0,100}?\.(?:unwrap_or|unwrap_or_else)\(\s*(?:\|_?\w*\|\s*)?(?:"([^"\n]*)"|(\d+)\b)`)
	reRsRequired = regexp.MustCompile(`^\s*(?:\.expect\(|\.unwrap\(\)|\?)`)
)

// fromRust reads std::env::var("X") with an unwrap_or default, or
// required through expect/unwrap/?.
func (e *envSet) fromRust(text, source string) {
	for _, loc := range reRsEnv.FindAllStringSubmatchIndex(text, -1) {
		name := text[loc[2]:loc[3]]
		after := window(text, loc[1], 120)
		if next := strings.Index(after, "env::var"); next >= 0 {
			after = after[:next] // the next variable's statement
		}
		if m := reRsDefault.FindStringSubmatch(after); m != nil {
			e.add(name, m[1]+m[2], false, source)
			continue
		}
		e.add(name, "", reRsRequired.MatchString(after), source)
	}
}

var reEnvLine = regexp.MustCompile(`^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$`)

// fromEnvExamples adds the keys of the service's .env example files. A
// sample value is kept as the default only for variables the code does
// not read and that are not secrets.
func (e *envSet) fromEnvExamples(d *detector, s *Service) {
	for _, name := range exampleFiles {
		p := join(s.Dir, name)
		if !d.idx.has(p) {
			continue
		}
		data, ok := d.optRead(p, sourceHeadBytes)
		if !ok {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			m := reEnvLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			val := strings.TrimSpace(m[2])
			if i := strings.Index(val, " #"); i >= 0 {
				val = strings.TrimSpace(val[:i])
			}
			val = strings.Trim(val, `"'`)
			if isSecretName(m[1]) {
				val = ""
			}
			e.add(m[1], val, false, name)
		}
	}
}

// portVars are the variables whose default in code is the listening port.
var portVars = []string{"PORT", "HTTP_PORT", "SERVER_PORT", "APP_PORT"}

// portSuffixes end the names of an application's own listening port when
// the variable carries the application's prefix (NOTIFY_SERVER_PORT).
var portSuffixes = []string{"_HTTP_PORT", "_SERVER_PORT", "_APP_PORT", "_LISTEN_PORT", "_WEB_PORT", "_API_PORT"}

// otherServerWords mark a prefixed port variable that belongs to a server
// the service talks to, not its own (SMTP_SERVER_PORT, DB_SERVER_PORT).
var otherServerWords = []string{"SMTP", "MAIL", "DB", "DATABASE", "SQL", "POSTGRES", "PG", "MYSQL", "MARIADB",
	"REDIS", "MONGO", "AMQP", "RABBIT", "KAFKA", "LDAP", "PROXY", "METRICS", "DEBUG", "ADMIN", "GRPC",
	"UPSTREAM", "REMOTE", "BACKEND", "ELASTIC", "NATS", "MQTT"}

// isOwnPortVar reports whether name is a prefixed variable of the
// service's own port: it ends in one of portSuffixes and names no other
// server in its prefix.
func isOwnPortVar(name string) bool {
	for _, suf := range portSuffixes {
		prefix, ok := strings.CutSuffix(name, suf)
		if !ok || prefix == "" {
			continue
		}
		for _, w := range strings.Split(prefix, "_") {
			if slices.Contains(otherServerWords, w) {
				return false
			}
		}
		return true
	}
	return false
}

// namedPortVar reports whether name is <WORD>_PORT where WORD is a word
// of the service's name or of the last element of its module
// (FORUM_PORT for the crate forum_server), and not another server's.
func namedPortVar(s *Service, name string) bool {
	prefix, ok := strings.CutSuffix(name, "_PORT")
	if !ok || prefix == "" || slices.Contains(otherServerWords, prefix) {
		return false
	}
	split := func(r rune) bool { return r == '_' || r == '-' || r == '.' || r == '@' }
	words := strings.FieldsFunc(strings.ToUpper(s.Name), split)
	words = append(words, strings.FieldsFunc(strings.ToUpper(baseName(s.Module)), split)...)
	return slices.Contains(words, prefix)
}

// envPort takes the port from the code's default of PORT (or HTTP_PORT,
// SERVER_PORT, APP_PORT), else of the first prefixed variable of the
// service's own port (NOTIFY_SERVER_PORT, but not SMTP_SERVER_PORT; or
// FORUM_PORT in the crate forum_server).
func envPort(s *Service, env *envSet) {
	names := append([]string(nil), portVars...)
	for _, n := range env.order {
		if isOwnPortVar(n) || namedPortVar(s, n) {
			names = append(names, n)
		}
	}
	for _, n := range names {
		v := env.vars[n]
		if v == nil || isExampleFile(v.Source) {
			continue
		}
		if p := validPort(v.Default); p > 0 {
			s.Port, s.PortSource = p, v.Source
			return
		}
	}
}
