package compose

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/validate"
	"gopkg.in/yaml.v3"
)

// An existing Compose file is the repository's own: the services it lacks
// are added as new lines at the end of its services: block (and their
// volumes at the end of its volumes: block), in the file's indentation
// and line endings, and every line it had stays byte for byte. A backing
// service counts as present when a service has its name or runs its kind
// of image; the app counts as present when a service has its name or
// builds its directory. No added service publishes a host port the file
// already publishes.

// backingKinds maps image names (the last path element, without tag) to
// the backing service they provide.
var backingKinds = map[string]string{
	"postgres": "postgres", "postgis": "postgres", "postgresql": "postgres", "timescaledb": "postgres", "timescaledb-ha": "postgres",
	"mysql": "mysql", "mariadb": "mysql",
	"redis": "redis", "redis-stack": "redis", "redis-stack-server": "redis", "valkey": "redis", "keydb": "redis",
	"mongo": "mongodb", "mongodb": "mongodb", "mongodb-community-server": "mongodb",
	"rabbitmq": "rabbitmq",
}

// humanCompose is what an existing Compose file already has.
type humanCompose struct {
	names    map[string]bool // service names
	kinds    map[string]bool // backing kinds its images provide
	builds   map[string]bool // buildKey of each build (context and Dockerfile), and each context alone
	healthy  map[string]bool // services with a healthcheck
	ports    map[int]bool    // host ports published
	services *yaml.Node
	root     *yaml.Node
}

// readHumanCompose reads the services of an existing Compose file.
func readHumanCompose(p string, old []byte) (*humanCompose, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(old, &doc); err != nil {
		return nil, fmt.Errorf("%s is not valid YAML (%w): fix it, then ask again", p, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: the top level is not a mapping: fix the file, then ask again", p)
	}
	h := &humanCompose{names: map[string]bool{}, kinds: map[string]bool{}, builds: map[string]bool{},
		healthy: map[string]bool{}, ports: map[int]bool{}, root: root}
	h.services = kit.MapValue(root, "services")
	if h.services == nil || h.services.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s has no services: mapping: add one (services: with at least one service), then ask again", p)
	}
	for i := 0; i+1 < len(h.services.Content); i += 2 {
		name, svc := h.services.Content[i].Value, h.services.Content[i+1]
		h.names[name] = true
		if img := kit.MapValue(svc, "image"); img != nil {
			repo, _, _ := kit.SplitImage(img.Value)
			if k, ok := backingKinds[repo[strings.LastIndex(repo, "/")+1:]]; ok {
				h.kinds[k] = true
			}
		}
		if b := kit.MapValue(svc, "build"); b != nil {
			ctx, file := b.Value, "Dockerfile"
			if b.Kind == yaml.MappingNode {
				ctx = "."
				if c := kit.MapValue(b, "context"); c != nil {
					ctx = c.Value
				}
				if f := kit.MapValue(b, "dockerfile"); f != nil && f.Value != "" {
					file = f.Value
				}
			}
			h.builds[buildKey(ctx, file)] = true
			h.builds[path.Clean(ctx)] = true
		}
		if hc := kit.MapValue(svc, "healthcheck"); hc != nil && hc.Kind == yaml.MappingNode && kit.MapValue(hc, "test") != nil {
			h.healthy[name] = true
		}
		if ps := kit.MapValue(svc, "ports"); ps != nil && ps.Kind == yaml.SequenceNode {
			for _, e := range ps.Content {
				for _, hp := range publishedPorts(e) {
					h.ports[hp] = true
				}
			}
		}
	}
	return h, nil
}

// defaultRe reads the default of a ${VAR:-default} reference.
var defaultRe = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}`)

// publishedPorts returns the host ports one ports: entry publishes: the
// short syntax [ip:]host:container[/proto] with ranges, or the long
// syntax's published. A container port alone publishes a random port.
func publishedPorts(e *yaml.Node) []int {
	var spec string
	switch e.Kind {
	case yaml.ScalarNode:
		spec = defaultRe.ReplaceAllString(e.Value, "$1")
		spec, _, _ = strings.Cut(spec, "/")
		parts := strings.Split(spec, ":")
		if len(parts) < 2 {
			return nil
		}
		spec = parts[len(parts)-2]
	case yaml.MappingNode:
		p := kit.MapValue(e, "published")
		if p == nil {
			return nil
		}
		spec = defaultRe.ReplaceAllString(p.Value, "$1")
	default:
		return nil
	}
	lo, hi, isRange := strings.Cut(spec, "-")
	a, err := strconv.Atoi(strings.TrimSpace(lo))
	if err != nil {
		return nil
	}
	b := a
	if isRange {
		if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil || b < a || b-a > 1000 {
			return []int{a}
		}
	}
	var out []int
	for p := a; p <= b; p++ {
		out = append(out, p)
	}
	return out
}

// extendCompose adds the services an existing Compose file lacks, as new
// lines, and returns the passwords the added services reference. A file
// that has them all is left alone.
func extendCompose(ws fs.FS, p string, d composeData, secrets []secretVar, notes []string, cs *change.ChangeSet) ([]secretVar, error) {
	old, err := kit.ReadOptional(ws, p)
	if err != nil {
		return nil, err
	}
	h, err := readHumanCompose(p, old)
	if err != nil {
		return nil, err
	}
	missing, more := h.missing(d)
	notes = append(notes, more...)
	if len(missing.Apps) == 0 && len(missing.Backing) == 0 {
		return nil, nil // it has everything: the lead's plan says it is kept
	}
	fresh, err := templates.Render("compose.yaml.tmpl", missing)
	if err != nil {
		return nil, err
	}
	out, err := spliceCompose(h, old, string(fresh))
	if err != nil {
		return nil, fmt.Errorf("%s: the services could not be added without changing the file's other lines (%w); add %s by hand", p, err, strings.Join(missingNames(missing), ", "))
	}
	note := fmt.Sprintf("added %s at the end of the existing file's services (new lines only, every existing line kept as it was); existing app services do not get depends_on or connection settings automatically",
		strings.Join(missingNames(missing), ", "))
	if human := validate.Errors(validate.CheckFile(p, old, validate.Options{})); len(human) > 0 {
		note += "; the file's own lines have gate findings that were left as they are (they are the repository's, not this change's): " + kit.DescribeFindings(human)
	}
	cs.Put(p, out, old, strings.Join(append([]string{note}, notes...), "; "))
	var keep []secretVar
	for _, s := range secrets {
		for _, b := range missing.Backing {
			if b.Name == s.Service {
				keep = append(keep, s)
			}
		}
	}
	return keep, nil
}

// missingNames lists the services of d.
func missingNames(d composeData) []string {
	var names []string
	for _, s := range append(append([]composeService(nil), d.Apps...), d.Backing...) {
		names = append(names, s.Name)
	}
	return names
}

// missing returns the services of d the file lacks, on host ports it does
// not publish yet, and notes on what was moved or not wired.
func (h *humanCompose) missing(d composeData) (composeData, []string) {
	var out composeData
	var notes []string
	added := map[string]bool{}
	used := map[int]bool{}
	for p := range h.ports {
		used[p] = true
	}
	for _, b := range d.Backing {
		if h.names[b.Name] || h.kinds[b.Name] {
			continue
		}
		b.Ports, notes = freePorts(b.Name, b.Ports, used, notes)
		out.Backing = append(out.Backing, b)
		out.Volumes = append(out.Volumes, b.Name+"-data")
		added[b.Name] = true
	}
	for _, a := range d.Apps {
		// The same app: the same name, the same build, or a build from the
		// unit's own directory (however its Dockerfile is named).
		if h.names[a.Name] || h.builds[buildKey(a.Context, a.Dockerfile)] || (a.Own != "" && h.builds[path.Clean(a.Own)]) {
			continue
		}
		// Only services added here are wired: the file's own backing
		// services have their own names and credentials.
		var deps []string
		var env []envVar
		for _, dep := range a.DependsOn {
			if !added[dep] {
				notes = append(notes, fmt.Sprintf("%s is not wired to the file's own %s service: set its connection settings by hand", a.Name, dep))
				continue
			}
			deps = append(deps, dep)
			for _, e := range a.Env {
				if strings.Contains(e.Value, "@"+dep+":") || strings.Contains(e.Value, "//"+dep+":") {
					env = append(env, e)
				}
			}
		}
		a.DependsOn, a.Env = deps, env
		a.Ports, notes = freePorts(a.Name, a.Ports, used, notes)
		out.Apps = append(out.Apps, a)
	}
	return out, notes
}

// freePorts moves each [ip:]host:container port to the next host port
// nobody publishes yet.
func freePorts(name string, ports []string, used map[int]bool, notes []string) ([]string, []string) {
	var out []string
	for _, p := range ports {
		parts := strings.Split(p, ":")
		if len(parts) < 2 {
			out = append(out, p)
			continue
		}
		host, err := strconv.Atoi(parts[len(parts)-2])
		if err != nil {
			out = append(out, p)
			continue
		}
		free := host
		for used[free] {
			free++
		}
		used[free] = true
		if free != host {
			parts[len(parts)-2] = strconv.Itoa(free)
			notes = append(notes, fmt.Sprintf("host port %d is already published in the existing file, so %s is published on %d", host, name, free))
		}
		out = append(out, strings.Join(parts, ":"))
	}
	return out, notes
}

// buildKey names one image build of a Compose file: its context, cleaned,
// relative to the file's directory, and its Dockerfile within the context.
// Two units of one workspace share the context but not the Dockerfile.
func buildKey(ctx, dockerfile string) string {
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	return path.Clean(ctx) + "|" + path.Clean(dockerfile)
}
