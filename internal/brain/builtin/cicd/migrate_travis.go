package cicd

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"gopkg.in/yaml.v3"
)

// ciTravisLangs maps Travis CI's language: to the version key it reads,
// the setup language and the matrix key.
var ciTravisLangs = map[string]struct{ key, lang string }{
	"go": {"go", "go"}, "node_js": {"node_js", "node"}, "python": {"python", "python"},
	"java": {"jdk", "java"}, "rust": {"rust", "rust"},
}

// ciTravisPhases are the script phases a migration keeps, in order, with
// the step's condition.
var ciTravisPhases = []struct{ key, name, cond string }{
	{"before_install", "Before install", ""},
	{"install", "Install", ""},
	{"before_script", "Before script", ""},
	{"script", "Script", ""},
	{"after_success", "After success", "success()"},
	{"after_failure", "After failure", "failure()"},
	{"after_script", "After script", "always()"},
}

// ciTravisIgnored are the keys with no translation, and why.
var ciTravisIgnored = map[string]string{
	"deploy":        "deploy (its providers publish with credentials Travis CI held; write a deploy workflow for them)",
	"before_deploy": "before_deploy", "after_deploy": "after_deploy",
	"notifications": "notifications (GitHub notifies on failed workflow runs)",
	"branches":      "branches filters (the workflow runs on pushes to the default branch and on pull requests)",
	"stages":        "stages", "matrix": "the job matrix include/exclude entries", "jobs": "the job matrix include/exclude entries",
	"osx_image": "osx_image (the job runs on ubuntu-latest)", "before_cache": "before_cache",
	"if": "the build condition (if:)", "import": "imported configurations (import:)",
}

var ciJDKRE = regexp.MustCompile(`[0-9]+(\.[0-9]+)?`)

var ciAptPackageRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.+:-]{0,99}$`)

// travis translates a .travis.yml into one job (with a matrix over the
// language versions).
func (m *ciMigration) travis(root *yaml.Node) error {
	job := cxJob{ID: "build", Timeout: 30}
	lang := strings.ToLower(strings.Join(ciScalars(kit.MapValue(root, "language")), ""))
	if lang == "" {
		lang = "ruby" // Travis CI's default language
	}
	job.Name = kit.YAMLScalar(lang)
	steps := []cxStep{m.checkout}
	if l, ok := ciTravisLangs[lang]; ok {
		versions := ciScalars(kit.MapValue(root, l.key))
		var kept []string
		for _, v := range versions {
			switch {
			case lang == "go" && (v == "tip" || v == "master"):
				m.skip("go %s (a development build)", v)
			case lang == "java":
				if d := ciJDKRE.FindString(v); d != "" {
					if after, ok := strings.CutPrefix(d, "1."); ok {
						d = after // 1.8 is Java 8
					}
					kept = append(kept, d)
				}
			default:
				kept = append(kept, v)
			}
		}
		ver := ""
		switch len(kept) {
		case 0:
			ver = map[string]string{"go": "stable", "node": "lts/*", "python": "3.x", "java": "21", "rust": "stable"}[l.lang]
			m.notes = append(m.notes, fmt.Sprintf("%s names no %s version; the job uses %s", m.from, l.key, ver))
		case 1:
			ver = kept[0]
		default:
			job.Strategy = []ciKV{{Key: l.lang, Value: cxFlowList(kept)}}
			ver = "${{ matrix." + l.lang + " }}"
			job.Name = kit.YAMLScalar(lang + " ${{ matrix." + l.lang + " }}")
		}
		setup, _, err := ciLangSetup(l.lang, ver)
		if err != nil {
			return err
		}
		steps = append(steps, setup...)
	} else {
		m.skip("the %s toolchain setup (no pinned setup action for it here; the runner's preinstalled %s is used)", lang, lang)
	}
	// Services and their clients' environment.
	addons := kit.MapValue(root, "addons")
	for _, name := range ciScalars(kit.MapValue(root, "services")) {
		kind, ok := ciTravisServices[name]
		if !ok {
			if name == "docker" {
				m.notes = append(m.notes, "services: docker needs nothing: Docker is on the GitHub runner")
			} else {
				m.skip("the %s service", name)
			}
			continue
		}
		tag := ""
		if kind == "postgres" {
			if v := kit.MapValue(addons, "postgresql"); v != nil && v.Kind == yaml.ScalarNode {
				tag = v.Value
			}
		}
		svc, env, _ := ciDBService(kind, tag, nil)
		if tag == "" {
			m.notes = append(m.notes, fmt.Sprintf("%s names no %s version; the service runs %s", m.from, name, strings.Trim(svc.Image, `"`)))
		}
		job.Services = append(job.Services, svc)
		job.Env = append(job.Env, env...)
	}
	if apt := kit.MapValue(kit.MapValue(addons, "apt"), "packages"); apt != nil {
		var pkgs []string
		for _, p := range ciScalars(apt) {
			if ciAptPackageRE.MatchString(p) {
				pkgs = append(pkgs, p)
			} else {
				m.skip("the apt package %q", p)
			}
		}
		if len(pkgs) > 0 {
			steps = append(steps, cxRun("Install apt packages", "sudo apt-get update\nsudo apt-get install -y "+strings.Join(pkgs, " ")))
		}
	}
	for _, k := range ciMapKeys(addons) {
		if k != "apt" && k != "postgresql" {
			m.skip("addons.%s", k)
		}
	}
	m.travisEnv(root, &job)
	// The phases.
	for _, ph := range ciTravisPhases {
		n := kit.MapValue(root, ph.key)
		cmds := ciScalars(n)
		if n == nil {
			cmds = ciTravisDefault(lang, ph.key)
		}
		if len(cmds) == 1 && (cmds[0] == "skip" || cmds[0] == "true") {
			continue
		}
		kept := m.commands(ph.key, cmds)
		if st, ok := ciPhaseStep(ph.name, kept, ph.cond); ok {
			steps = append(steps, st)
		}
		if ph.key == "script" && len(kept) > 1 {
			m.notes = append(m.notes, "the script commands run in one step that stops at the first failure (Travis CI ran them all and failed the build at the end)")
		}
	}
	for _, k := range ciMapKeys(root) {
		if why, ok := ciTravisIgnored[k]; ok {
			m.skip("%s", why)
		}
	}
	if oses := ciScalars(kit.MapValue(root, "os")); len(oses) > 0 && (len(oses) > 1 || oses[0] != "linux") {
		m.skip("os: %s (the job runs on ubuntu-latest)", strings.Join(oses, ", "))
	}
	if kit.MapValue(root, "cache") != nil {
		m.notes = append(m.notes, "the cache: settings are dropped; the setup actions cache dependencies where they can")
	}
	job.Steps = steps
	m.mapVars(&job, ciTravisVarRE)
	job.Env = ciDedupeKV(job.Env)
	m.jobs = append(m.jobs, job)
	return nil
}

// ciTravisDefault is what Travis CI runs for a phase the file leaves out.
func ciTravisDefault(lang, phase string) []string {
	switch {
	case lang == "node_js" && phase == "install":
		return []string{"if [ -f package-lock.json ]; then npm ci; else npm install; fi"}
	case lang == "node_js" && phase == "script":
		return []string{"npm test"}
	case lang == "go" && phase == "script":
		return []string{"go test -v ./..."}
	case lang == "rust" && phase == "script":
		return []string{"cargo build --verbose", "cargo test --verbose"}
	}
	return nil
}

// travisEnv reads env: (a list, a string, or global/jobs lists): the
// global entries become the job's env; a list of several entries is a
// matrix Travis CI runs one job each for, which is not translated.
func (m *ciMigration) travisEnv(root *yaml.Node, job *cxJob) {
	env := kit.MapValue(root, "env")
	if env == nil {
		return
	}
	var global []*yaml.Node
	switch env.Kind {
	case yaml.MappingNode:
		if g := kit.MapValue(env, "global"); g != nil {
			global = ciItems(g)
		}
		for _, k := range []string{"jobs", "matrix"} {
			if mx := kit.MapValue(env, k); mx != nil {
				m.skip("the env %s (one job per entry: %d entries)", k, len(ciItems(mx)))
			}
		}
	default:
		items := ciItems(env)
		if len(items) == 1 {
			global = items
		} else if len(items) > 1 {
			m.skip("the env matrix (one job per entry: %d entries)", len(items))
		}
	}
	for _, it := range global {
		if it.Kind == yaml.MappingNode {
			if kit.MapValue(it, "secure") != nil {
				m.notes = append(m.notes, "an encrypted (secure:) env entry of "+m.from+" cannot be read: create it as a repository secret and add NAME: ${{ secrets.NAME }} to the job's env")
			}
			continue
		}
		for _, pair := range ciEnvPairs(it.Value) {
			if kv, ok := m.envEntry(pair[0], pair[1]); ok {
				job.Env = append(job.Env, kv)
			}
		}
	}
}

// ciItems returns a sequence's items, or the node itself.
func ciItems(n *yaml.Node) []*yaml.Node {
	if n.Kind == yaml.SequenceNode {
		return n.Content
	}
	return []*yaml.Node{n}
}

// ciEnvPairs splits "A=1 B='two words'" into name, value pairs.
func ciEnvPairs(s string) [][2]string {
	var out [][2]string
	var cur strings.Builder
	var quote rune
	var words []string
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote = r
		case quote == 0 && (r == ' ' || r == '\t'):
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	for _, w := range words {
		if k, v, ok := strings.Cut(w, "="); ok {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}
