package stack

import (
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// TestNeeds are the prerequisites a unit's tests are given where they run
// today: the backing services and the variables an existing workflow job
// (one that runs the unit's tests) or a Compose service (one that builds
// the unit and depends on a database) sets beside them. A new CI job for
// the unit gives its tests the same.
type TestNeeds struct {
	// Services are the backing services, by kind (postgres, mysql, redis,
	// mongo, rabbitmq, memcached), with the image tag and the non-secret
	// settings (database and user names) the source gives them.
	Services []TestService `json:"services"`
	// Env are the unit's own variables that point at those services or
	// set plain settings, with hosts rewritten to localhost (where a CI
	// job's service containers listen) and passwords left out. Variables
	// whose names hold credentials are listed in Withheld instead.
	Env []EnvVar `json:"env,omitempty"`
	// Withheld names the credential variables the source sets: never
	// copied; the services run without passwords instead.
	Withheld []string `json:"withheld,omitempty"`
	// Source is the workflow or Compose file the needs come from,
	// relative to the repository root.
	Source string `json:"source"`
}

// TestService is one backing service the tests run beside.
type TestService struct {
	Kind string `json:"kind"`
	// Tag is the image tag the source uses ("16-alpine"); empty when it
	// names none or uses another image than the kind's official one.
	Tag string `json:"tag,omitempty"`
	// Env are the container's non-secret settings (POSTGRES_DB,
	// POSTGRES_USER, MYSQL_DATABASE).
	Env []EnvVar `json:"env,omitempty"`
}

// testServiceKinds maps an image's repository name to a kind, and says
// whether the kind's official image is that repository (so its tag can
// be kept).
var testServiceKinds = map[string]struct {
	kind     string
	official bool
}{
	"postgres": {"postgres", true}, "postgis": {"postgres", false}, "timescaledb": {"postgres", false},
	"mysql": {"mysql", true}, "mariadb": {"mysql", false}, "percona": {"mysql", false},
	"redis": {"redis", true}, "valkey": {"redis", false}, "keydb": {"redis", false},
	"mongo": {"mongo", true}, "mongodb": {"mongo", false},
	"rabbitmq": {"rabbitmq", true}, "memcached": {"memcached", true},
}

// testServiceOf reads an image reference ("postgres:16-alpine",
// "docker.io/library/redis:7", "postgis/postgis:16-3.4") as a kind and the
// tag to keep.
func testServiceOf(image string) (kind, tag string, ok bool) {
	image = strings.TrimSpace(image)
	if image == "" || strings.Contains(image, "$") {
		return "", "", false
	}
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	repo, t := image, ""
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		repo, t = image[:i], image[i+1:]
	}
	k, ok := testServiceKinds[strings.ToLower(path.Base(repo))]
	if !ok {
		return "", "", false
	}
	if !k.official {
		t = ""
	}
	return k.kind, t, true
}

// testServiceEnvKeys are the container settings copied: names, never
// passwords.
var testServiceEnvKeys = map[string]bool{
	"POSTGRES_DB": true, "POSTGRES_USER": true, "MYSQL_DATABASE": true, "MYSQL_USER": true,
	"MONGO_INITDB_DATABASE": true, "RABBITMQ_DEFAULT_VHOST": true,
}

// testNeeds finds what the unit's tests are given: an existing workflow
// job that runs them first (it is how they pass today), else the Compose
// service that builds the unit.
func (d *detector) testNeeds(s *Service) {
	if n := d.workflowTestNeeds(s); n != nil {
		s.TestNeeds = n
		return
	}
	if n := d.composeTestNeeds(s); n != nil {
		s.TestNeeds = n
	}
}

// composeService is the part of a Compose service read for test needs.
type composeService struct {
	Build       any    `yaml:"build"`
	Image       string `yaml:"image"`
	DependsOn   any    `yaml:"depends_on"`
	Environment any    `yaml:"environment"`
	Profiles    []any  `yaml:"profiles"`
}

// composeTestNeeds reads the Compose service that builds the unit: the
// backing services it depends on and the variables it is given.
func (d *detector) composeTestNeeds(s *Service) *TestNeeds {
	var out *TestNeeds
	d.eachCompose(func(cf string, data []byte) bool {
		var c struct {
			Services map[string]composeService `yaml:"services"`
		}
		if yaml.Unmarshal(data, &c) != nil {
			return false
		}
		vars := d.composeDotEnv(cf)
		for _, n := range sortedKeys(c.Services) {
			app := c.Services[n]
			if !composeBuilds(path.Dir(cf), app.Build, s.Dir, s.Name) {
				continue
			}
			hosts := map[string]bool{}
			var svcs []TestService
			for _, dep := range composeDependsOn(app.DependsOn) {
				b, ok := c.Services[dep]
				if !ok {
					continue
				}
				kind, tag, ok := testServiceOf(b.Image)
				if !ok {
					continue
				}
				hosts[dep] = true
				svcs = append(svcs, TestService{Kind: kind, Tag: tag, Env: settingsOf(envPairsWith(b.Environment, vars), testServiceEnvKeys)})
			}
			if len(svcs) == 0 {
				continue
			}
			out = &TestNeeds{Services: dedupeTestServices(svcs), Source: cf}
			out.Env, out.Withheld = appTestEnv(envPairsWith(app.Environment, vars), hosts)
			return true
		}
		return false
	})
	return out
}

// workflowJob is the part of a workflow job read for test needs.
type workflowJob struct {
	Services map[string]struct {
		Image string `yaml:"image"`
		Env   any    `yaml:"env"`
	} `yaml:"services"`
	Env      any `yaml:"env"`
	Defaults struct {
		Run struct {
			WorkingDirectory string `yaml:"working-directory"`
		} `yaml:"run"`
	} `yaml:"defaults"`
	Steps []struct {
		Run              string `yaml:"run"`
		Env              any    `yaml:"env"`
		WorkingDirectory string `yaml:"working-directory"`
	} `yaml:"steps"`
}

// workflowTestNeeds reads the workflow jobs with service containers: the
// first whose steps run the unit's tests (its test command, in its
// directory) gives the needs.
func (d *detector) workflowTestNeeds(s *Service) *TestNeeds {
	if s.Test == "" {
		return nil
	}
	for i, wf := range sorted(d.idx.workflows) {
		if i == maxCIWorkflows {
			break
		}
		data, ok := d.optRead(wf, sourceHeadBytes)
		if !ok {
			continue
		}
		var w struct {
			Jobs map[string]workflowJob `yaml:"jobs"`
		}
		if yaml.Unmarshal(data, &w) != nil {
			continue
		}
		for _, id := range sortedKeys(w.Jobs) {
			job := w.Jobs[id]
			if len(job.Services) == 0 {
				continue
			}
			for _, st := range job.Steps {
				dir := st.WorkingDirectory
				if dir == "" {
					dir = job.Defaults.Run.WorkingDirectory
				}
				if !runsTests(st.Run, dir, s) {
					continue
				}
				n := &TestNeeds{Source: wf}
				hosts := map[string]bool{"localhost": true, "127.0.0.1": true}
				for _, name := range sortedKeys(job.Services) {
					c := job.Services[name]
					kind, tag, ok := testServiceOf(c.Image)
					if !ok {
						continue
					}
					hosts[name] = true
					n.Services = append(n.Services, TestService{Kind: kind, Tag: tag, Env: settingsOf(envPairs(c.Env), testServiceEnvKeys)})
				}
				if len(n.Services) == 0 {
					continue
				}
				n.Services = dedupeTestServices(n.Services)
				pairs := append(envPairs(job.Env), envPairs(st.Env)...)
				n.Env, n.Withheld = appTestEnv(pairs, hosts)
				return n
			}
		}
	}
	return nil
}

// runsTests reports whether a step's script runs the unit's test command
// in the unit's directory.
func runsTests(run, dir string, s *Service) bool {
	if run == "" || !strings.Contains(run, s.Test) {
		return false
	}
	dir = path.Clean(strings.TrimPrefix(dir, "./"))
	if dir == "" {
		dir = "."
	}
	want := s.Dir
	if want == "" {
		want = "."
	}
	if dir == want {
		return true
	}
	// A script that changes into the directory itself.
	return want != "." && regexp.MustCompile(`\bcd\s+(\./)?`+regexp.QuoteMeta(want)+`\b`).MatchString(run)
}

// composeDependsOn reads depends_on as a list or a map, in order.
func composeDependsOn(v any) []string {
	var out []string
	switch t := v.(type) {
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	case map[string]any:
		out = sortedKeys(t)
	}
	return out
}

// envPair is one variable a Compose file or workflow sets: its value
// resolved (value) and as written (raw).
type envPair struct {
	name, value, raw string
	vars             map[string]string // the .env values raw may interpolate
}

// envPairs reads an environment given as a map or a KEY=VALUE list.
// Values that are not plain text (workflow expressions, unresolved
// interpolation without a default) are kept empty.
func envPairs(v any) []envPair { return envPairsWith(v, nil) }

// envPairsWith is envPairs with the values Compose interpolates from the
// .env file beside it.
func envPairsWith(v any, vars map[string]string) []envPair {
	var out []envPair
	add := func(k string, val any) {
		s := ""
		switch t := val.(type) {
		case string:
			s = t
		case int, int64, float64, bool:
			s = yamlScalarString(t)
		}
		out = append(out, envPair{k, interpolate(s, vars), s, vars})
	}
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			add(k, t[k])
		}
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				k, val, _ := strings.Cut(s, "=")
				add(k, val)
			}
		}
	}
	return out
}

// yamlScalarString prints a number or boolean as YAML wrote it.
func yamlScalarString(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// reInterp matches Compose interpolation: ${NAME}, ${NAME:-default},
// ${NAME-default}, ${NAME:?message} and ${NAME?message}.
var reInterp = regexp.MustCompile(`\$\{(\w+)(?:(:?[-?])([^}]*))?\}`)

// interpolate resolves Compose interpolation with the variables of the
// .env file beside the Compose file (vars, nil for none), then defaults
// ("${DB_HOST:-db}" → "db"); a value that still depends on something
// unknown (a variable without default, a workflow expression) becomes "".
func interpolate(s string, vars map[string]string) string {
	if strings.Contains(s, "${{") {
		return ""
	}
	unknown := false
	s = reInterp.ReplaceAllStringFunc(s, func(m string) string {
		g := reInterp.FindStringSubmatch(m)
		v, set := vars[g[1]]
		if set && (v != "" || !strings.HasPrefix(g[2], ":")) {
			return v
		}
		if strings.HasSuffix(g[2], "-") {
			return g[3]
		}
		unknown = true
		return ""
	})
	if unknown || strings.Contains(s, "$") {
		return ""
	}
	return s
}

// composeDotEnv reads the .env file beside a Compose file, which docker
// compose interpolates the file with; nil when there is none. Only the
// names the tests' services and settings use are ever copied from it, and
// credentials are withheld by name as for any value.
func (d *detector) composeDotEnv(cf string) map[string]string {
	p := join(path.Dir(cf), ".env")
	if st, err := fs.Stat(d.fsys, p); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	data, ok := d.optRead(p, sourceHeadBytes)
	if !ok {
		return nil
	}
	vars := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "export "))
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.HasPrefix(k, "#") || strings.ContainsAny(k, " \t") {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		} else if i := strings.Index(v, " #"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		vars[k] = v
	}
	return vars
}

// settingsOf keeps the pairs whose names are in keep and have a value.
func settingsOf(pairs []envPair, keep map[string]bool) []EnvVar {
	var out []EnvVar
	for _, p := range pairs {
		if keep[p.name] && p.value != "" {
			out = append(out, EnvVar{Name: p.name, Default: p.value})
		}
	}
	return out
}

// appTestEnv turns the unit's variables into what a CI job sets: a value
// naming a backing service's host points at localhost, a URL loses its
// password, credentials are withheld, and variables with no plain value
// are dropped.
func appTestEnv(pairs []envPair, hosts map[string]bool) (env []EnvVar, withheld []string) {
	seen := map[string]bool{}
	for _, p := range pairs {
		if p.name == "" || seen[p.name] {
			continue
		}
		seen[p.name] = true
		v := p.value
		if u := serviceURL(p.raw, p.vars, hosts); u != nil {
			env = append(env, EnvVar{Name: p.name, Default: u.String()})
			continue
		}
		if hosts[v] && hostVar(p.name) {
			env = append(env, EnvVar{Name: p.name, Default: "localhost"})
			continue
		}
		if isSecretName(p.name) {
			withheld = append(withheld, p.name)
			continue
		}
		if v != "" && !strings.ContainsAny(v, "\n\r") {
			env = append(env, EnvVar{Name: p.name, Default: v})
		}
	}
	return env, withheld
}

// hostVar reports whether a variable's name says it holds a host name
// (DB_HOST, POSTGRES_SERVER, REDIS_ADDR), so a value equal to a backing
// service's name is its host, not a user or database called the same.
func hostVar(name string) bool {
	up := strings.ToUpper(name)
	for _, p := range []string{"HOST", "SERVER", "ADDR", "ENDPOINT"} {
		if strings.Contains(up, p) {
			return true
		}
	}
	return false
}

// reUserinfoInterp is a URL's password given by interpolation
// ("postgresql://postgres:${POSTGRES_PASSWORD:?unset}@db:5432/app").
var reUserinfoInterp = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*://[^:/@$]*):\$\{[^}]*\}@`)

// serviceURL reads a value as a URL whose host is a backing service's
// and returns it pointing at localhost, without its password (the CI
// services run without one). A password given by interpolation is
// dropped before the rest is resolved; anything else unknown gives nil.
func serviceURL(raw string, vars map[string]string, hosts map[string]bool) *url.URL {
	raw = reUserinfoInterp.ReplaceAllString(raw, "$1@")
	v := interpolate(raw, vars)
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || u.Host == "" || !hosts[u.Hostname()] {
		return nil
	}
	u.User = userOnly(u.User)
	host := "localhost"
	if port := u.Port(); port != "" {
		host += ":" + port
	}
	u.Host = host
	return u
}

// userOnly keeps a URL's user name and drops its password.
func userOnly(u *url.Userinfo) *url.Userinfo {
	if u == nil {
		return nil
	}
	return url.User(u.Username())
}

// dedupeTestServices keeps one service per kind, the first.
func dedupeTestServices(in []TestService) []TestService {
	seen := map[string]bool{}
	var out []TestService
	for _, s := range in {
		if !seen[s.Kind] {
			seen[s.Kind] = true
			out = append(out, s)
		}
	}
	return out
}
