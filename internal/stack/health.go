package stack

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// healthPaths are the health endpoints looked for, best first; /-/healthy
// and /-/ready are the Prometheus family's.
var healthPaths = []string{"/healthz", "/health", "/-/healthy", "/livez", "/readyz", "/-/ready", "/ping", "/api/health"}

// healthPatterns match a health path registered in code: a quoted literal,
// optionally with a method ("GET /healthz" for Go 1.22 muxes), a NestJS
// controller or route without the slash (@Controller('health')), or a
// Django path("healthz/", ...).
var healthPatterns = func() []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(healthPaths))
	for i, p := range healthPaths {
		q := regexp.QuoteMeta(p)
		bare := regexp.QuoteMeta(strings.TrimPrefix(p, "/"))
		out[i] = regexp.MustCompile(`["'` + "`" + `](?:[A-Z]+ )?` + q + `/?["'` + "`" + `]|@(?:Controller|Get)\(\s*['"]` + bare +
			`['"]|\b(?:re_)?path\(\s*r?['"]\^?` + bare + `/?\$?['"]`)
	}
	return out
}()

// healthFinder remembers the health paths seen in the files read.
type healthFinder struct {
	found []string // the file each path was first seen in
}

// scan looks for every health path in text, which came from file.
func (h *healthFinder) scan(text, file string) {
	if h.found == nil {
		h.found = make([]string, len(healthPaths))
	}
	for i, re := range healthPatterns {
		if h.found[i] == "" && re.MatchString(text) {
			h.found[i] = file
		}
	}
}

// best returns the preferred health path seen and its file, or "".
func (h *healthFinder) best() (string, string) {
	for i, file := range h.found {
		if file != "" {
			return healthPaths[i], file
		}
	}
	return "", ""
}

// springResources are the Spring Boot configuration files read.
var springResources = []string{"application.properties", "application.yml", "application.yaml"}

var (
	reSpringPlaceholder = regexp.MustCompile(`\$\{([A-Z][A-Z0-9_]*)(:[^}]*)?\}`)
	rePropLine          = regexp.MustCompile(`^\s*([A-Za-z0-9_.\-\[\]]+)\s*[=:]\s*(.*?)\s*$`)
	reEmbeddedDB        = regexp.MustCompile(`com\.h2database|org\.hsqldb|org\.apache\.derby`)
)

// springEnvKeys are Spring properties people set from the environment by
// relaxed binding (spring.datasource.url ← SPRING_DATASOURCE_URL).
var springEnvKeys = []string{"spring.datasource.url", "spring.datasource.username", "spring.datasource.password",
	"spring.data.mongodb.uri", "spring.data.redis.host", "spring.data.redis.url", "spring.redis.host",
	"spring.rabbitmq.host", "spring.kafka.bootstrap-servers"}

// springEnvName is the environment variable that sets a Spring property.
func springEnvName(key string) string {
	key = strings.ReplaceAll(key, "-", "")
	return strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// springFacts reads the Spring Boot configuration: ${X:default}
// placeholders and datasource-like properties give the environment, the
// context path and actuator give the health path.
func (d *detector) springFacts(s *Service, env *envSet) {
	const res = "src/main/resources/"
	props := map[string]string{}
	for _, f := range springResources {
		p := join(s.Dir, res+f)
		if !d.idx.has(p) {
			continue
		}
		data, ok := d.optRead(p, sourceHeadBytes)
		if !ok {
			continue
		}
		text := string(data)
		for _, m := range reSpringPlaceholder.FindAllStringSubmatch(text, -1) {
			env.add(m[1], strings.TrimPrefix(m[2], ":"), m[2] == "", res+f)
		}
		var kv map[string]string
		if strings.HasSuffix(f, ".properties") {
			kv = parseProperties(text)
		} else {
			kv = flattenYAML(data)
		}
		for _, k := range springEnvKeys {
			if v, ok := kv[k]; ok && !strings.Contains(v, "${") {
				if isSecretName(springEnvName(k)) {
					v = ""
				}
				env.add(springEnvName(k), v, false, res+f)
			}
		}
		for k, v := range kv {
			if _, seen := props[k]; !seen {
				props[k] = v
			}
		}
	}
	manifest := ""
	if data, ok := d.r.read(manifestPath(s)); ok {
		manifest = string(data)
	}
	if hasAny(s.Deps, "postgres", "mysql") && props["spring.datasource.url"] == "" && !reEmbeddedDB.MatchString(manifest) {
		// Spring Boot will not start a JDBC app without a URL.
		env.add("SPRING_DATASOURCE_URL", "", true, s.Manifest)
		env.add("SPRING_DATASOURCE_USERNAME", "", false, s.Manifest)
		env.add("SPRING_DATASOURCE_PASSWORD", "", false, s.Manifest)
	}
	if strings.Contains(manifest, "spring-boot-starter-actuator") {
		s.HealthPath, s.HealthSource = actuatorHealth(props), s.Manifest
	}
}

// actuatorHealth is the actuator health path under the context path (or
// the management base path when actuator has its own port).
func actuatorHealth(props map[string]string) string {
	resolve := func(v string) string {
		if m := reSpringPlaceholder.FindStringSubmatch(v); m != nil && m[0] == v {
			return strings.TrimPrefix(m[2], ":")
		}
		return v
	}
	base := resolve(props["management.endpoints.web.base-path"])
	if base == "" {
		base = "/actuator"
	}
	prefix := ""
	if props["management.server.port"] != "" {
		prefix = resolve(props["management.server.base-path"])
	} else {
		for _, k := range []string{"server.servlet.context-path", "server.context-path", "spring.webflux.base-path"} {
			if v := resolve(props[k]); v != "" {
				prefix = v
				break
			}
		}
	}
	p := "/" + strings.Trim(strings.TrimRight(prefix, "/")+"/"+strings.Trim(base, "/"), "/") + "/health"
	return strings.ReplaceAll(p, "//", "/")
}

// parseProperties reads key=value (or key: value) lines of a .properties
// file; comments and continuation lines are skipped.
func parseProperties(text string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' || t[0] == '!' {
			continue
		}
		if m := rePropLine.FindStringSubmatch(t); m != nil {
			if _, seen := out[m[1]]; !seen {
				out[m[1]] = m[2]
			}
		}
	}
	return out
}

// flattenYAML turns the first document of a YAML file into dotted keys
// with scalar values; a file that is not YAML gives nothing.
func flattenYAML(data []byte) map[string]string {
	out := map[string]string{}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return out
	}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch t := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(strings.TrimPrefix(prefix+"."+k, "."), t[k])
			}
		case nil:
		case []any:
		default:
			out[prefix] = fmt.Sprint(t)
		}
	}
	walk("", doc)
	return out
}

// hasAny reports whether list holds one of vals.
func hasAny(list []string, vals ...string) bool {
	for _, x := range list {
		for _, v := range vals {
			if x == v {
				return true
			}
		}
	}
	return false
}
