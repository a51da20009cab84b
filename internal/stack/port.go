package stack

import (
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// portPatterns find a stated listening port in source or config text.
// Each has one group: the port.
var portPatterns = map[Language][]*regexp.Regexp{
	Go: {
		regexp.MustCompile(`(?:ListenAndServe(?:TLS)?|Listen|Run|Start|RunTLS)\(\s*(?:"tcp"\s*,\s*)?"[\w.\-]*:(\d{2,5})"`),
		regexp.MustCompile(`Addr:\s*"[\w.\-]*:(\d{2,5})"`),
		regexp.MustCompile(`(?i)(?:port|addr)\w*\s*(?::=|=)\s*"(?:[\w.\-]*:)?(\d{2,5})"`),
		regexp.MustCompile(`(?i)Getenv\("PORT"\)[\s\S]{0,120}?"(\d{2,5})"`),
	},
	Node: {
		regexp.MustCompile(`\.listen\(\s*(\d{2,5})`),
		regexp.MustCompile(`PORT\s*(?:\|\||\?\?)\s*['"]?(\d{2,5})`),
		regexp.MustCompile(`\bport\s*:\s*(\d{2,5})`),
		regexp.MustCompile(`(?i)\bconst\s+port\s*=\s*(\d{2,5})`),
	},
	Python: {
		regexp.MustCompile(`\bport\s*=\s*(\d{2,5})`),
		regexp.MustCompile(`(?i)"PORT"\s*,\s*"?(\d{2,5})`),
		regexp.MustCompile(`--port[= ](\d{2,5})`),
		regexp.MustCompile(`(?:--bind|-b)[= ]["']?[\w.\-]*:(\d{2,5})`),
		regexp.MustCompile(`runserver\s+(?:[\w.\-]+:)?(\d{2,5})`),
	},
	Rust: {
		regexp.MustCompile(`bind\(\s*"[\w.\-]*:(\d{2,5})"`),
		regexp.MustCompile(`bind\(\s*\(\s*"[\w.\-]*"\s*,\s*(\d{2,5})\s*\)`),
		regexp.MustCompile(`SocketAddr::from\(\(\s*\[[\d,\s]+\]\s*,\s*(\d{2,5})\s*\)\)`),
		regexp.MustCompile(`"(?:0\.0\.0\.0|127\.0\.0\.1|localhost|\[::\]):(\d{2,5})"`),
	},
}

var (
	reScriptPort = []*regexp.Regexp{
		regexp.MustCompile(`(?:^|\s)(?:-p|--port)[= ](\d{2,5})\b`),
		regexp.MustCompile(`\bPORT=(\d{2,5})\b`),
		regexp.MustCompile(`(?:--bind|-b)[= ]["']?[\w.\-]*:(\d{2,5})`),
		regexp.MustCompile(`runserver\s+(?:[\w.\-]+:)?(\d{2,5})`),
	}
	reEnvPort    = regexp.MustCompile(`(?m)^\s*(?:export\s+)?(?:APP_|HTTP_|SERVER_)?PORT\s*=\s*["']?(\d{2,5})`)
	reExpose     = regexp.MustCompile(`(?mi)^\s*EXPOSE\s+(\d{2,5})`)
	reSpringPort = regexp.MustCompile(`(?m)^\s*server\.port\s*[=:]\s*(?:\$\{[A-Z_]+:)?(\d{2,5})`)
	// reConfigPort finds a top-level port, or one in a server/http/app
	// block, of a YAML config file; a database's port is not the service's.
	reConfigPort = []*regexp.Regexp{
		regexp.MustCompile(`(?m)^port:[ \t]*["']?(\d{2,5})`),
		regexp.MustCompile(`(?m)^(?:server|http|app|api|web):[ \t]*\n(?:[ \t]+.*\n)*?[ \t]+port:[ \t]*["']?(\d{2,5})`),
	}
	reSpringYAML = regexp.MustCompile(`(?m)^server:\s*\n(?:[ \t]+.*\n)*?[ \t]+port:\s*(?:\$\{[A-Z_]+:)?(\d{2,5})`)
)

// firstPort returns the first valid port any pattern finds in text.
func firstPort(text string, patterns []*regexp.Regexp) int {
	for _, re := range patterns {
		for _, m := range re.FindAllStringSubmatch(text, 4) {
			if p := validPort(m[1]); p > 0 {
				return p
			}
		}
	}
	return 0
}

// validPort parses a TCP port; 0 for anything outside 1..65535.
func validPort(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0
	}
	return n
}

// setPort fills the service's port from text if it has none yet.
func setPort(s *Service, text string, patterns []*regexp.Regexp, source string) {
	if s.Port != 0 || text == "" {
		return
	}
	if p := firstPort(text, patterns); p > 0 {
		s.Port, s.PortSource = p, source
	}
}

// hjsonConfigFiles are Hjson configuration defaults (Lemmy's
// config/defaults.hjson); the server's port is a key of the outer object,
// one level in ("  port: 8536"), not a nested one (prometheus: { port }).
var hjsonConfigFiles = []string{"config/defaults.hjson", "config/config.hjson", "defaults.hjson", "config.hjson"}

// reHjsonPort matches "port: 8536" one level into the outer object.
var reHjsonPort = regexp.MustCompile(`(?m)^(?:  |\t)port:[ \t]*(\d{2,5})\b`)

// configFiles may state a port (port: 8000).
var configFiles = []string{"config.yaml", "config.yml", "config/config.yaml", "config/config.yml",
	"config/default.yaml", "config/default.yml"}

// commonPorts looks at the files every stack may state a port in: the
// .env example (PORT=), a YAML config file (port:) and an existing
// Dockerfile (EXPOSE).
func (d *detector) commonPorts(s *Service) {
	for _, name := range []string{".env.example", ".env.sample", ".env.template", ".env.dist"} {
		if s.Port != 0 {
			return
		}
		p := join(s.Dir, name)
		if !d.idx.has(p) {
			continue
		}
		if data, ok := d.r.read(p); ok {
			setPort(s, string(data), []*regexp.Regexp{reEnvPort}, name)
		}
	}
	for _, name := range configFiles {
		if s.Port != 0 {
			return
		}
		p := join(s.Dir, name)
		if !d.idx.has(p) {
			continue
		}
		if data, ok := d.r.read(p); ok {
			setPort(s, string(data), reConfigPort, name)
		}
	}
	// A workspace member's configuration may sit at the workspace root
	// (Lemmy's crates/server reads config/defaults.hjson there).
	var dirs []string
	for dir := s.Dir; ; dir = path.Dir(dir) {
		dirs = append(dirs, dir)
		// Only a unit with a program looks above its own directory:
		// the workspace's libraries do not listen.
		if dir == "." || dir == "/" || dir == "" || len(dirs) > 4 || (len(s.Mains) == 0 && s.Start == "") {
			break
		}
	}
	for _, dir := range dirs {
		for _, name := range hjsonConfigFiles {
			if s.Port != 0 {
				return
			}
			p := join(dir, name)
			if !d.idx.has(p) {
				continue
			}
			if data, ok := d.r.read(p); ok {
				setPort(s, string(data), []*regexp.Regexp{reHjsonPort}, p)
			}
		}
	}
	if s.Port != 0 {
		return
	}
	p := join(s.Dir, "Dockerfile")
	if d.idx.has(p) {
		if data, ok := d.r.read(p); ok {
			setPort(s, string(data), []*regexp.Regexp{reExpose}, "Dockerfile")
		}
	}
}

// sourcePort scans a source file for a port in the language's idioms.
func (d *detector) sourcePort(s *Service, file string) {
	if s.Port != 0 {
		return
	}
	p := join(s.Dir, file)
	if !d.idx.has(p) && !d.hasGoFile(p) {
		return
	}
	data, ok := d.r.read(p)
	if !ok {
		return
	}
	setPort(s, string(data), portPatterns[s.Language], file)
}

// strictPortPatterns find a listening port in any source file of a
// service, not only its entry: only forms that tie the number to
// listening (listen(3000), PORT || 3000, Addr: ":8080"), so a database
// port in a config module is not taken for the service's.
var strictPortPatterns = map[Language][]*regexp.Regexp{
	Go: {
		portPatterns[Go][0], portPatterns[Go][1], portPatterns[Go][3],
		regexp.MustCompile(`cmp\.Or\(\s*os\.Getenv\("PORT"\)\s*,\s*"(?:[\w.\-]*:)?(\d{2,5})"`),
	},
	Node: {
		regexp.MustCompile(`\.listen\(\s*(\d{2,5})\b`),
		regexp.MustCompile(`\bPORT\s*\)?\s*(?:\|\||\?\?)\s*['"]?(\d{2,5})\b`),
	},
	Python: {
		regexp.MustCompile(`['"]PORT['"]\s*,\s*['"]?(\d{2,5})\b`),
		regexp.MustCompile(`(?:uvicorn\.run|\.run|run_app|serve)\([^)]*?\bport\s*=\s*(\d{2,5})\b`),
	},
	Rust: portPatterns[Rust][:3],
}

// composeFile is the part of a Compose file read for ports.
type composeFile struct {
	Services map[string]struct {
		Build  any   `yaml:"build"`
		Ports  []any `yaml:"ports"`
		Expose []any `yaml:"expose"`
	} `yaml:"services"`
}

// composePort takes the container port of a Compose service that builds
// the service's directory.
func (d *detector) composePort(s *Service) {
	d.eachCompose(func(cf string, data []byte) bool {
		var c composeFile
		if yaml.Unmarshal(data, &c) != nil {
			return false
		}
		for _, n := range sortedKeys(c.Services) {
			svc := c.Services[n]
			if !composeBuilds(path.Dir(cf), svc.Build, s.Dir, s.Name) {
				continue
			}
			for _, list := range [][]any{svc.Ports, svc.Expose} {
				for _, p := range list {
					if port := containerPort(p); port > 0 {
						s.Port, s.PortSource = port, rel(s.Dir, cf)
						if path.Dir(cf) == s.Dir {
							s.PortSource = baseName(cf)
						}
						return true
					}
				}
			}
		}
		return false
	})
}

// eachCompose calls fn with each Compose file that can be read, the base
// files first, then overrides, then the others, until fn returns true.
func (d *detector) eachCompose(fn func(cf string, data []byte) bool) {
	files := sorted(d.idx.compose)
	sort.SliceStable(files, func(i, j int) bool { return composeRank(files[i]) < composeRank(files[j]) })
	for _, cf := range files {
		if data, ok := d.optRead(cf, sourceHeadBytes); ok && fn(cf, data) {
			return
		}
	}
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// composeRank orders Compose files: the base file first, then
// overrides, then the others (CI, test or variant files).
func composeRank(p string) int {
	switch strings.ToLower(baseName(p)) {
	case "compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml":
		return 0
	}
	if strings.Contains(strings.ToLower(baseName(p)), "override") {
		return 1
	}
	return 2
}

// serviceDockerfile reports whether a Dockerfile name builds the service
// itself (Dockerfile, Containerfile, Dockerfile.prod, <name>.Dockerfile),
// not a helper image kept beside it (maildev.Dockerfile,
// Dockerfile.playwright).
func serviceDockerfile(file, name string) bool {
	lower := strings.ToLower(baseName(file))
	name = strings.ToLower(name)
	switch lower {
	case "", "dockerfile", "containerfile", "dockerfile.prod", "dockerfile.production":
		return true
	}
	return name != "" && (lower == name+".dockerfile" || lower == "dockerfile."+name)
}

// composeBuilds reports whether a Compose build (a context string or a
// {context, dockerfile} map) builds dir with the service's own
// Dockerfile.
func composeBuilds(composeDir string, build any, dir, name string) bool {
	ctx, dockerfile := "", ""
	switch b := build.(type) {
	case string:
		ctx = b
	case map[string]any:
		ctx, _ = b["context"].(string)
		dockerfile, _ = b["dockerfile"].(string)
	default:
		return false
	}
	if ctx == "" {
		ctx = "."
	}
	if strings.Contains(ctx, "$") || strings.Contains(ctx, "://") || strings.HasPrefix(ctx, "/") {
		return false
	}
	if !serviceDockerfile(dockerfile, name) {
		return false
	}
	c := path.Join(composeDir, ctx)
	if c == dir {
		return dockerfile == "" || path.Dir(path.Join(c, dockerfile)) == dir
	}
	return dockerfile != "" && !strings.HasPrefix(dockerfile, "/") && path.Dir(path.Join(c, dockerfile)) == dir
}

var reComposeDefault = regexp.MustCompile(`\$\{\w+:?-(\d{2,5})\}`)

// containerPort reads the container side of a Compose port ("8080:3000",
// "127.0.0.1:8080:3000/tcp", 3000, {target: 3000}); 0 when unclear.
func containerPort(v any) int {
	switch t := v.(type) {
	case int:
		return validPort(strconv.Itoa(t))
	case map[string]any:
		return containerPort(t["target"])
	case string:
		t = reComposeDefault.ReplaceAllString(t, "$1")
		if i := strings.LastIndexByte(t, ':'); i >= 0 {
			t = t[i+1:]
		}
		t, _, _ = strings.Cut(t, "/")
		return validPort(strings.TrimSpace(t))
	}
	return 0
}
