package validate

import (
	"context"
	"path"
	"regexp"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"
)

// Compose files: the compose-go loader (schema, interpolation, consistency),
// in memory, plus our rules read from the YAML nodes for their positions.

var (
	ruleComposeParse = register(Rule{
		ID: "compose-parse", Kind: KindCompose, Severity: Error,
		Summary: "a Compose file must load: YAML syntax, the Compose schema, references between services",
		Help:    "fix the key or value the message names; see https://docs.docker.com/reference/compose-file/",
	})
	ruleComposeImageTag = register(Rule{
		ID: "compose-image-tag", Kind: KindCompose, Severity: Error,
		Summary:  "a service image is pinned to a tag that is not latest (or a digest)",
		Hadolint: "DL3007",
		Help:     "write image: name:1.2.3 with a version taken from the repository, or use build: for images built here",
	})
	ruleComposeHealthcheck = register(Rule{
		ID: "compose-healthcheck", Kind: KindCompose, Severity: Error,
		Summary: "a service others wait for with condition service_healthy has a healthcheck",
		Help:    "add healthcheck: {test: [...], interval, timeout, retries} to the service that is waited for",
	})
	ruleComposeHealthcheckDep = register(Rule{
		ID: "compose-healthcheck-dependency", Kind: KindCompose, Severity: Warning,
		Summary: "a service others depend on has a healthcheck, so they can wait with condition service_healthy",
		Help:    "add a healthcheck to the dependency and depend on it with condition: service_healthy",
	})
	ruleComposePrivileged = register(Rule{
		ID: "compose-privileged", Kind: KindCompose, Severity: Error,
		Summary: "no service runs privileged",
		Help:    "remove privileged: true; grant the one capability needed with cap_add instead",
	})
	ruleComposeSecret = register(Rule{
		ID: "compose-plaintext-secret", Kind: KindCompose, Severity: Error,
		Summary: "no password, secret, token or key is written as a literal environment value",
		Help:    "use ${VAR} (or ${VAR:?set VAR}) from the environment, or a Compose secret read through *_FILE=/run/secrets/name",
	})
	ruleComposeVersion = register(Rule{
		ID: "compose-obsolete-version", Kind: KindCompose, Severity: Warning,
		Summary: "the top-level version key is obsolete and ignored",
		Help:    "delete the version: line",
	})
	ruleComposeHostNS = register(Rule{
		ID: "compose-host-namespace", Kind: KindCompose, Severity: Warning,
		Summary: "no service shares the host network, PID or IPC namespace",
		Help:    "remove network_mode/pid/ipc: host; publish the ports needed with ports: instead",
	})
	ruleComposeDockerSock = register(Rule{
		ID: "compose-docker-socket", Kind: KindCompose, Severity: Error,
		Summary: "no service mounts the Docker socket (it is root on the host)",
		Help:    "remove the docker.sock volume; if a tool needs the Docker API, give it a socket proxy with a narrow allow-list",
	})
)

func init() {
	registerChecker(KindCompose, checkCompose)
}

// checkCompose loads a Compose file and runs the Compose rules on it.
func checkCompose(p string, content []byte) []Finding {
	return checkComposeEnv(p, content, nil)
}

// checkComposeEnv is checkCompose with the variables of the .env file
// docker compose loads from the Compose file's directory: interpolation
// uses them (a duration such as interval: ${INTERVAL} must hold a valid one),
// and the variables it does not set still read as placeholders.
func checkComposeEnv(p string, content []byte, env map[string]string) []Finding {
	if len(content) > composeMaxBytes {
		return []Finding{ruleComposeParse.at(p, 0, 0, "the file is %d bytes, over the %d-byte limit of the Compose check: split it with include:", len(content), composeMaxBytes)}
	}
	docs, err := yamlDocs(content)
	if err != nil {
		return []Finding{ruleComposeParse.at(p, yamlErrLine(err), 0, "the YAML does not parse: %s", yamlErrText(err))}
	}
	if len(docs) != 1 {
		return []Finding{ruleComposeParse.at(p, 0, 0, "a Compose file holds exactly one YAML document, this one has %d", len(docs))}
	}
	root := ynRoot(docs[0])
	if root == nil || root.Kind != yaml.MappingNode {
		return []Finding{ruleComposeParse.at(p, 1, 1, "a Compose file is a mapping with a services: key")}
	}
	var out []Finding
	if f, ok := composeLoad(p, docs[0], root, env); !ok {
		out = append(out, f)
	}
	if k, _ := ynGet(root, "version"); k != nil {
		out = append(out, ruleComposeVersion.at(p, k.Line, k.Column, "the version key is obsolete: Compose ignores it"))
	}
	_, services := ynGet(root, "services")
	healthy := map[string]bool{}
	for _, kv := range ynPairs(services) {
		healthy[kv[0].Value] = composeHasHealthcheck(kv[1])
	}
	for _, kv := range ynPairs(services) {
		// a service extending another of this file inherits its healthcheck
		if !healthy[kv[0].Value] && ynPath(kv[1], "extends", "file") == nil {
			_, ext := ynGet(kv[1], "extends")
			base, ok := ynScalar(ext)
			if !ok {
				base, ok = ynScalar(ynPath(ext, "service"))
			}
			if ok && healthy[base] {
				if _, own := ynGet(kv[1], "healthcheck"); own == nil {
					healthy[kv[0].Value] = true
				}
			}
		}
	}
	for _, kv := range ynPairs(services) {
		out = append(out, checkComposeService(p, kv[0].Value, kv[1], healthy)...)
	}
	return out
}

// composeMaxBytes bounds the Compose files the loader is given: its cost
// grows faster than the file (about 2 s for 512 KiB and 10 s for 1 MiB on
// a busy core); real Compose files are a few KiB.
const composeMaxBytes = 256 << 10

// composeLoad runs the compose-go loader in memory: no file, env file or
// network access, a fixed project name and working directory, and every
// ${VAR} read as a placeholder so that missing variables are not errors.
func composeLoad(p string, doc, root *yaml.Node, env map[string]string) (f Finding, ok bool) {
	var cfg map[string]any
	if err := doc.Decode(&cfg); err != nil {
		return ruleComposeParse.at(p, yamlErrLine(err), 0, "the Compose file does not decode: %s", yamlErrText(err)), false
	}
	if cfg == nil {
		return ruleComposeParse.at(p, 1, 1, "the Compose file is empty: add a services: key"), false
	}
	delete(cfg, "version") // reported by compose-obsolete-version; the loader would log it
	extendsFile := composeStripFileRefs(cfg)
	_, hasInclude := cfg["include"]
	details := types.ConfigDetails{
		WorkingDir:  "/compose",
		ConfigFiles: []types.ConfigFile{{Filename: p, Content: []byte("{}"), Config: cfg}},
		Environment: types.Mapping{},
	}
	load := func(unset string, required bool) error {
		_, err := loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
			o.SetProjectName("validate", true)
			o.SkipInclude = true
			o.SkipExtends = false // extends from other files were stripped above
			o.SkipResolveEnvironment = true
			o.ResolvePaths = false
			o.SkipConsistencyCheck = hasInclude || extendsFile // parts of the model live elsewhere
			if o.Interpolate != nil {
				o.Interpolate.LookupValue = func(name string) (string, bool) {
					if v, ok := env[name]; ok {
						return v, true
					}
					return unset, true
				}
				sub := o.Interpolate.Substitute
				if sub == nil {
					sub = template.Substitute
				}
				o.Interpolate.Substitute = func(v string, m template.Mapping) (string, error) {
					return sub(composeDefaults(v, env, required), m)
				}
			}
		})
		return err
	}
	// The variables the file's .env does not set are unknown: the file is
	// loaded with them all "1" (so that ports: ${PORT}:80 loads) and,
	// when that fails, empty ("${HTTP_BIND}:${HTTP_PORT}:80" binds all
	// addresses, ${HOME}/.ssh is a path) except the ${NAME:?msg} ones the
	// file requires; a default (${HOST:-127.0.0.1}) applies in both. It is
	// reported only when neither loads.
	err := load("1", false)
	if err == nil || load("", true) == nil {
		return Finding{}, true
	}
	line, col := composeErrPos(root, err.Error())
	msg := strings.TrimPrefix(err.Error(), "validating "+p+": ")
	return ruleComposeParse.at(p, line, col, "the Compose file does not load: %s", msg), false
}

// composeDefaultRe finds ${NAME:-default}, ${NAME-default}, ${NAME:?msg}
// and ${NAME?msg} with plain text after the operator.
var composeDefaultRe = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?])([^${}]*)\}`)

// composeDefaults replaces each ${NAME:-default} whose NAME env does not
// set with its default and, when required, each ${NAME:?msg} with "1".
func composeDefaults(v string, env map[string]string, required bool) string {
	if !strings.Contains(v, "${") {
		return v
	}
	return composeDefaultRe.ReplaceAllStringFunc(v, func(m string) string {
		sm := composeDefaultRe.FindStringSubmatch(m)
		if _, set := env[sm[1]]; set {
			return m
		}
		switch {
		case strings.HasSuffix(sm[2], "-"):
			return sm[3]
		case required:
			return "1"
		}
		return m
	})
}

// composeStripFileRefs drops the keys that make the loader read other
// files (env_file, label_file, extends from a file): the gate sees one file.
// It reports whether a service extended one from another file.
func composeStripFileRefs(cfg map[string]any) (extendsFile bool) {
	svcs, _ := cfg["services"].(map[string]any)
	for _, s := range svcs {
		m, ok := s.(map[string]any)
		if !ok {
			continue
		}
		delete(m, "env_file")
		delete(m, "label_file")
		if ext, ok := m["extends"].(map[string]any); ok {
			if _, fromFile := ext["file"]; fromFile {
				delete(m, "extends")
				extendsFile = true
			}
		}
	}
	return extendsFile
}

// composeErrPos finds the service (and the property) a loader error
// names, for its line.
func composeErrPos(root *yaml.Node, msg string) (int, int) {
	_, services := ynGet(root, "services")
	best := ""
	var at, svc *yaml.Node
	for _, kv := range ynPairs(services) {
		name := kv[0].Value
		for _, pat := range []string{"services." + name, "service \"" + name + "\"", "service " + name} {
			if strings.Contains(msg, pat) && len(name) > len(best) {
				best, at, svc = name, kv[0], kv[1]
			}
		}
	}
	if m := composePropRe.FindStringSubmatch(msg); m != nil {
		scope := root
		if svc != nil {
			scope = svc
		}
		if k := ynFindKey(scope, m[1]); k != nil {
			at = k
		}
	}
	return ynLine(at)
}

var composePropRe = regexp.MustCompile(`propert(?:y|ies) '([^']+)' not allowed`)

// composeHasHealthcheck reports whether a service defines an enabled
// healthcheck.
func composeHasHealthcheck(svc *yaml.Node) bool {
	_, hc := ynGet(svc, "healthcheck")
	if hc == nil || hc.Kind != yaml.MappingNode {
		return false
	}
	if _, d := ynGet(hc, "disable"); ynTrue(d) {
		return false
	}
	_, test := ynGet(hc, "test")
	if test == nil {
		return false
	}
	if test.Kind == yaml.SequenceNode && len(test.Content) > 0 {
		if s, _ := ynScalar(test.Content[0]); s == "NONE" {
			return false
		}
	}
	return true
}

// composeDotEnvMax bounds the .env file read for interpolation.
const composeDotEnvMax = 64 << 10

// composeDotEnv returns the variables of the .env file next to a Compose
// file in the workspace (or among the checked files), as docker compose
// reads it: NAME=value lines, optional "export ", quotes stripped,
// comments and blank lines skipped. nil when there is none.
func composeDotEnv(p string, opts Options) map[string]string {
	if opts.Workspace == nil {
		return nil
	}
	wp, ok := joinInside(opts.Base, path.Join(path.Dir(p), ".env"))
	if !ok {
		return nil
	}
	data, ok := newRepoView(opts.Workspace, opts.overlay).readFile(wp)
	if !ok || len(data) > composeDotEnvMax {
		return nil
	}
	return parseDotEnv(data)
}

// parseDotEnv reads NAME=value lines; values may be quoted and an
// unquoted value ends at " #".
func parseDotEnv(data []byte) map[string]string {
	env := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		name, val, ok := strings.Cut(line, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			continue
		}
		val = strings.TrimSpace(val)
		switch {
		case len(val) >= 2 && (val[0] == '"' || val[0] == '\'') && strings.LastIndexByte(val, val[0]) > 0:
			val = val[1:strings.LastIndexByte(val, val[0])]
		default:
			if i := strings.Index(val, " #"); i >= 0 {
				val = strings.TrimSpace(val[:i])
			}
		}
		env[name] = val
	}
	return env
}
