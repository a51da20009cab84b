package stack

import (
	"encoding/json"
	"path"
	"regexp"
	"strings"
)

// packageJSON is the part of package.json detection reads. Fields are
// decoded one by one so a wrongly typed field costs only itself.
type packageJSON struct {
	Name           string
	Main           string
	PackageManager string
	Scripts        map[string]string
	EnginesNode    string
	Deps           []string
	Workspaces     bool
	// ProdDeps are the "dependencies" only: what runs in production.
	ProdDeps map[string]bool
	// Bin maps command names to files ("bin": "cli.js" is named after
	// the package).
	Bin map[string]string
	// Exports is set when package.json has "exports" or "module": the
	// package is meant to be imported.
	Exports bool
}

// parsePackageJSON decodes package.json leniently: invalid JSON is an
// error, a field of an unexpected type is ignored.
func parsePackageJSON(data []byte) (*packageJSON, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, err
	}
	pj := &packageJSON{}
	str := func(key string) string {
		var s string
		_ = json.Unmarshal(top[key], &s)
		return s
	}
	strMap := func(raw json.RawMessage) map[string]string {
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		out := map[string]string{}
		for k, v := range m {
			if s, ok := v.(string); ok {
				out[k] = s
			}
		}
		return out
	}
	pj.Name, pj.Main, pj.PackageManager = str("name"), str("main"), str("packageManager")
	pj.Scripts = strMap(top["scripts"])
	pj.Bin = strMap(top["bin"])
	if b := str("bin"); b != "" {
		name := pj.Name
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		}
		if name == "" {
			name = "bin"
		}
		pj.Bin = map[string]string{name: b}
	}
	_, hasExports := top["exports"]
	_, hasModule := top["module"]
	pj.Exports = hasExports || hasModule
	pj.ProdDeps = map[string]bool{}
	var prod map[string]json.RawMessage
	_ = json.Unmarshal(top["dependencies"], &prod)
	for name := range prod {
		pj.ProdDeps[name] = true
	}
	pj.EnginesNode = strMap(top["engines"])["node"]
	for _, key := range []string{"dependencies", "devDependencies", "peerDependencies", "optionalDependencies"} {
		var m map[string]json.RawMessage
		_ = json.Unmarshal(top[key], &m)
		for name := range m {
			pj.Deps = append(pj.Deps, name)
		}
	}
	if raw, ok := top["workspaces"]; ok && string(raw) != "null" {
		pj.Workspaces = true
	}
	return pj, nil
}

// nodeLocks maps lock files to package managers, in order of preference.
var nodeLocks = []struct{ file, pm string }{
	{"pnpm-lock.yaml", "pnpm"}, {"yarn.lock", "yarn"}, {"bun.lock", "bun"},
	{"bun.lockb", "bun"}, {"package-lock.json", "npm"}, {"npm-shrinkwrap.json", "npm"},
}

// nodeService reads dir/package.json.
func (d *detector) nodeService(dir string) *Service {
	p := join(dir, "package.json")
	if !d.idx.has(p) {
		return nil
	}
	s := &Service{Dir: dir, Language: Node, Manifest: "package.json"}
	pj := &packageJSON{Scripts: map[string]string{}, ProdDeps: map[string]bool{}}
	if data, ok := d.r.read(p); ok {
		parsed, err := parsePackageJSON(data)
		if err != nil {
			d.r.warn(p, "malformed package.json: %v; fix the JSON", err)
		} else {
			pj = parsed
		}
	}
	// A workspace root that only lists workspaces is not a service.
	if (pj.Workspaces || d.idx.has(join(dir, "pnpm-workspace.yaml"))) && pj.Scripts["start"] == "" {
		return nil
	}
	s.Module = pj.Name
	d.nodePackageManager(s, pj)
	d.nodeVersion(s, pj)
	for _, dep := range pj.Deps {
		if h, ok := nodeHints[dep]; ok {
			s.addHint(h)
		}
	}
	run := func(script string) string {
		switch s.PackageManager {
		case "yarn":
			return "yarn " + script
		case "npm":
			if script == "test" || script == "start" {
				return "npm " + script
			}
		}
		return s.PackageManager + " run " + script
	}
	for _, c := range []struct {
		field  *string
		script string
	}{{&s.Build, "build"}, {&s.Test, "test"}, {&s.Lint, "lint"}, {&s.Start, "start"}} {
		body := strings.TrimSpace(pj.Scripts[c.script])
		if body == "" || (c.script == "test" && strings.Contains(body, "no test specified")) {
			continue
		}
		*c.field = run(c.script)
	}
	if s.PackageManager == "bun" && strings.HasPrefix(strings.TrimSpace(pj.Scripts["test"]), "bun test") {
		s.Test = "bun test"
	}
	start := pj.Scripts["start"]
	scriptPort(s, start, "package.json")
	scriptPort(s, pj.Scripts["dev"], "package.json")
	d.nodeEntryRanked(s, pj, run)
	d.nodeKindFacts(s, pj)
	return s
}

// nodePackageManager sets the package manager from a lock file here or
// in a workspace root above, else from the packageManager field.
func (d *detector) nodePackageManager(s *Service, pj *packageJSON) {
	for _, l := range nodeLocks {
		if d.idx.has(join(s.Dir, l.file)) {
			s.PackageManager, s.Lockfile = l.pm, l.file
			return
		}
	}
	if pm, _, _ := strings.Cut(pj.PackageManager, "@"); pm == "pnpm" || pm == "yarn" || pm == "npm" || pm == "bun" {
		s.PackageManager = pm
	}
	for _, a := range ancestors(s.Dir) {
		for _, l := range nodeLocks {
			if p := join(a, l.file); d.idx.has(p) {
				if s.PackageManager == "" {
					s.PackageManager = l.pm
				}
				if s.PackageManager == l.pm {
					s.WorkspaceLock = p
				}
				return
			}
		}
	}
	if s.PackageManager == "" {
		s.PackageManager = "npm"
	}
}

// nodeVersion takes engines.node, then .nvmrc / .node-version here or
// above.
func (d *detector) nodeVersion(s *Service, pj *packageJSON) {
	if v := nodeMajor(pj.EnginesNode); v != "" {
		s.Version, s.VersionSource = v, "package.json"
		return
	}
	for _, name := range []string{".nvmrc", ".node-version"} {
		p := d.findUp(s.Dir, name)
		if p == "" {
			continue
		}
		if data, ok := d.r.read(p); ok {
			if v := nodeFileVersion(string(data)); v != "" {
				s.Version, s.VersionSource = v, rel(s.Dir, p)
				if path.Dir(p) == s.Dir {
					s.VersionSource = name
				}
				return
			}
		}
	}
}

var reNodeRunner = regexp.MustCompile(`\b(?:node|nodemon|ts-node|tsx|bun)\s+(?:-{1,2}[\w-]+(?:=\S+)?\s+)*([\w./@-]+\.(?:js|mjs|cjs|ts))\b`)

// nodeEntry is package.json main, or the file the start script runs.
func nodeEntry(main, start string) string {
	if m := reNodeRunner.FindStringSubmatch(start); m != nil {
		return strings.TrimPrefix(m[1], "./")
	}
	return strings.TrimPrefix(main, "./")
}
