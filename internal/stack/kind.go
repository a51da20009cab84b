package stack

import (
	"fmt"
	"regexp"
	"strings"
)

// fact is one thing detection saw that says what a unit is, with the
// reason people read ("imports github.com/spf13/cobra in cmd/gh/main.go").
type fact struct {
	kind Kind
	why  string
}

// unitFacts is what a language analyser learnt about one unit beyond the
// Service fields: the facts in the order the analyser trusts them, and
// the unit's direct dependency names.
type unitFacts struct {
	facts []fact
	// weak facts count only when the code shows nothing and no port is
	// stated (a main class, a gRPC dependency).
	weak []fact
	deps map[string]bool
	// rule names the kind rule that classified the unit ("language
	// default" when nothing the code or config says decided it).
	rule string
	// defaultPort is the port the unit's server listens on when nothing
	// states one (Spring Boot's 8080), and defaultWhy the PortSource
	// that says so; finishModel uses it after the compose files.
	defaultPort int
	defaultWhy  string
}

// add records a fact; the first fact of a kind wins over later ones.
func (u *unitFacts) add(k Kind, format string, args ...any) {
	u.facts = append(u.facts, fact{kind: k, why: fmt.Sprintf(format, args...)})
}

// addWeak records a weak fact.
func (u *unitFacts) addWeak(k Kind, format string, args ...any) {
	u.weak = append(u.weak, fact{kind: k, why: fmt.Sprintf(format, args...)})
}

// first returns the first fact of kind k (any kind when k is ""), or
// false.
func (u *unitFacts) first(k Kind) (fact, bool) {
	for _, f := range u.facts {
		if k == "" || f.kind == k {
			return f, true
		}
	}
	return fact{}, false
}

// unit returns the facts record of dir, creating it.
func (d *detector) unit(dir string) *unitFacts {
	if d.units == nil {
		d.units = map[string]*unitFacts{}
	}
	u := d.units[dir]
	if u == nil {
		u = &unitFacts{deps: map[string]bool{}}
		d.units[dir] = u
	}
	return u
}

// Folder names whose units are test fixtures or examples: they are
// never the product, whatever their code says.
var (
	fixtureFolders = map[string]bool{
		"test": true, "tests": true, "__tests__": true, "fixtures": true, "fixture": true,
		"e2e": true, "testdata": true, "test-fixtures": true, "integration-tests": true, "fuzz": true,
	}
	exampleFolders = map[string]bool{
		"examples": true, "example": true, "samples": true, "sample": true,
		"_examples": true, "docs": true, "doc": true, "demo": true, "demos": true,
	}
	// siteFolders hold a docs or marketing site when they have their own
	// package.json.
	siteFolders = map[string]bool{"docs": true, "website": true, "site": true, "www-docs": true, "documentation": true}
)

// underFocus returns dir relative to the focus directory: a unit the user
// pointed at (run --repo examples/go-api) is not an example because of
// the folders above it, only because of folders inside the focus.
func (d *detector) underFocus(dir string) string {
	if d.focus == "." || !within(dir, d.focus) {
		return dir
	}
	if dir == d.focus {
		return "."
	}
	return strings.TrimPrefix(dir, d.focus+"/")
}

// folderOf returns the first segment of dir that is in set, or "".
func folderOf(dir string, set map[string]bool) string {
	if dir == "." {
		return ""
	}
	for _, seg := range strings.Split(dir, "/") {
		if set[strings.ToLower(seg)] {
			return seg
		}
	}
	return ""
}

// kindRule decides a kind from what is known of a unit; it returns ""
// when it does not apply.
type kindRule struct {
	name  string
	match func(d *detector, s *Service, u *unitFacts) (Kind, string)
}

// ruleDefault is the name of the last kind rule: the language's default
// when nothing the code or config says decides the kind.
const ruleDefault = "language default"

// kindRules run in order; the first that matches gives Kind and
// KindReason. The folder rules come first: a server under tests/ is a
// fixture, not the product.
var kindRules = []kindRule{
	{"test folder", func(d *detector, s *Service, _ *unitFacts) (Kind, string) {
		if f := folderOf(d.underFocus(s.Dir), fixtureFolders); f != "" {
			return KindFixture, "under " + f + "/: test code is not deployed"
		}
		return "", ""
	}},
	{"GitHub Action", func(d *detector, s *Service, _ *unitFacts) (Kind, string) {
		if why := d.actionFile(s); why != "" {
			return KindAction, why
		}
		return "", ""
	}},
	{"site", func(_ *detector, _ *Service, u *unitFacts) (Kind, string) {
		if f, ok := u.first(KindSite); ok {
			return KindSite, f.why
		}
		return "", ""
	}},
	{"example folder", func(d *detector, s *Service, _ *unitFacts) (Kind, string) {
		if f := folderOf(d.underFocus(s.Dir), exampleFolders); f != "" {
			return KindExample, "under " + f + "/: examples and docs are not deployed"
		}
		return "", ""
	}},
	{"what the code shows", func(_ *detector, _ *Service, u *unitFacts) (Kind, string) {
		if f, ok := u.first(""); ok {
			return f.kind, f.why
		}
		return "", ""
	}},
	{"a port", func(_ *detector, s *Service, _ *unitFacts) (Kind, string) {
		// A port in a dev script of a package with nothing to run (a
		// preview server of a tool) does not make a service.
		if s.Port != 0 && (s.Start != "" || s.Entry != "" || len(s.Mains) > 0) {
			return KindService, fmt.Sprintf("port %d stated in %s", s.Port, s.PortSource)
		}
		return "", ""
	}},
	{"weak facts", func(_ *detector, _ *Service, u *unitFacts) (Kind, string) {
		if len(u.weak) > 0 {
			return u.weak[0].kind, u.weak[0].why
		}
		return "", ""
	}},
	{ruleDefault, func(_ *detector, s *Service, _ *unitFacts) (Kind, string) {
		switch {
		case s.Language == Go && len(s.Mains) > 0:
			return KindCLI, "a main package with no server call, web framework or port"
		case s.Language == Node && s.Start != "":
			return KindService, "a start script (no web framework or port seen)"
		case s.Language == Java:
			return KindLibrary, "no spring-boot and no main class"
		case s.Language == Rust:
			return KindCLI, "a binary with no web framework or port"
		case s.Entry != "" || s.Start != "":
			return KindCLI, "a program with no web framework or port"
		case s.Language == Python:
			return KindLibrary, "a Python package with nothing to run (no app object, script, __main__.py or main.py)"
		}
		return KindLibrary, "nothing to run found"
	}},
}

// classify sets Kind and KindReason from the rules.
func (d *detector) classify(s *Service) {
	u := d.unit(s.Dir)
	for _, r := range kindRules {
		if k, why := r.match(d, s, u); k != "" {
			s.Kind, s.KindReason = k, why
			u.rule = r.name
			return
		}
	}
}

// actionFile says why a Node unit is a GitHub Action: an action.yml in
// its directory, or one at the repository root whose runs.main points
// into it (or the unit is the root). Only JavaScript and TypeScript
// actions are Node units; others are not units at all.
func (d *detector) actionFile(s *Service) string {
	if s.Language != Node {
		return ""
	}
	for _, name := range []string{"action.yml", "action.yaml"} {
		if d.idx.has(join(s.Dir, name)) {
			return name + " in the directory: a GitHub Action, run by the Actions runner, not a server"
		}
	}
	for _, name := range []string{"action.yml", "action.yaml"} {
		if !d.idx.has(name) {
			continue
		}
		data, ok := d.r.read(name)
		if !ok {
			continue
		}
		main := actionMain(string(data))
		if main != "" && within(cleanRel(main), s.Dir) {
			return name + " at the root runs " + main + ": a GitHub Action, run by the Actions runner, not a server"
		}
	}
	return ""
}

// actionMain returns runs.main of an action.yml (a shallow read: the
// first "main:" key indented under "runs:").
func actionMain(text string) string {
	inRuns := false
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "\t") {
			inRuns = strings.HasPrefix(trimmed, "runs:")
			continue
		}
		if v, ok := strings.CutPrefix(trimmed, "main:"); inRuns && ok {
			return strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	return ""
}

// cleanRel cleans a relative path from a manifest ("./dist/index.js").
func cleanRel(p string) string {
	p = strings.TrimPrefix(strings.TrimSpace(p), "./")
	if p == "" {
		return "."
	}
	return p
}

// Server calls in source: a program that makes one serves a port.
var (
	reNodeListen = regexp.MustCompile(`\.listen\(|\bcreateServer\(|\bBun\.serve\(|\bserve\(\s*\{`)
	rePyServe    = regexp.MustCompile(`\buvicorn\.run\(|\.run\([^)\n]*\bport\s*=|\bHTTPServer\(|\.serve_forever\(|\bweb\.run_app\(|\bwaitress\.serve\(|\bserve\(\s*app\b`)
)

// serverCall records a service fact when the unit's file calls a server.
func (d *detector) serverCall(s *Service, file string, re *regexp.Regexp) {
	data, ok := d.r.head(join(s.Dir, file), pySourceBytes)
	if !ok {
		return
	}
	if m := re.Find(data); m != nil {
		call, _, _ := strings.Cut(string(m), "(")
		d.unit(s.Dir).add(KindService, "%s call in %s", strings.TrimLeft(call, "."), file)
	}
}
