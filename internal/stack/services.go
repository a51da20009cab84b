package stack

import (
	"path"
	"sort"
	"strings"
)

// manifestNames make a directory a service candidate.
var manifestNames = map[string]bool{
	"go.mod": true, "package.json": true, "pyproject.toml": true,
	"requirements.txt": true, "Pipfile": true, "manage.py": true, "setup.py": true, "setup.cfg": true,
	"Cargo.toml": true, "pom.xml": true, "build.gradle": true, "build.gradle.kts": true,
}

// analyser looks at one candidate directory for one language and returns
// the service, or nil when the directory is not one for that language.
type analyser func(d *detector, dir string) *Service

// analysers run in this order; the first that claims a directory wins, so
// a Go service with a package.json for tooling stays a Go service and a
// Django app with a front-end package.json stays Python.
var analysers = []analyser{
	(*detector).goService,
	(*detector).rustService,
	(*detector).mavenService,
	(*detector).gradleService,
	(*detector).pythonService,
	(*detector).nodeService,
}

// services finds the services: every candidate directory in the focus,
// shallow first (so parents hand versions down to children), or the
// nearest enclosing service when the focus has none.
func (d *detector) services() []Service {
	cands := map[string]bool{}
	for p := range d.idx.files {
		if manifestNames[baseName(p)] {
			cands[path.Dir(p)] = true
		}
	}
	for dir := range d.gradleMemberRoots() {
		cands[dir] = true
	}
	dirs := make([]string, 0, len(cands))
	for dir := range cands {
		dirs = append(dirs, dir)
	}
	sort.Slice(dirs, func(i, j int) bool {
		di, dj := depth(dirs[i]), depth(dirs[j])
		if di != dj {
			return di < dj
		}
		return dirs[i] < dirs[j]
	})
	var out []Service
	var enclosing *Service
	for _, dir := range dirs {
		inside := d.inFocus(dir)
		if !inside && !within(d.focus, dir) {
			continue // a sibling tree: only read when walked
		}
		s := d.analyse(dir)
		if s == nil {
			continue
		}
		if inside {
			out = append(out, *s)
		} else {
			enclosing = s // deeper ancestors come later and win
		}
	}
	if len(out) == 0 && enclosing != nil {
		out = append(out, *enclosing)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out
}

// analyse runs the analysers on dir and finishes the service they find.
func (d *detector) analyse(dir string) *Service {
	for _, a := range analysers {
		delete(d.units, dir) // facts of an analyser that declined the directory
		s := a(d, dir)
		if s == nil {
			continue
		}
		if s.Name == "" {
			s.Name = serviceName(dir, s.Module)
		}
		d.applyMakefile(s)
		d.sourceFacts(s)
		d.commonPorts(s)
		if s.Port == 0 {
			// Before classify: a port only compose states still makes
			// a program a service.
			d.composePort(s)
		}
		d.dockerfileEntry(s)
		d.testNeeds(s)
		s.sortHints()
		d.classify(s)
		return s
	}
	return nil
}

// depth counts the segments of a clean slash path ("." is 0).
func depth(dir string) int {
	if dir == "." {
		return 0
	}
	return strings.Count(dir, "/") + 1
}

// serviceName is the directory's base name, or for the root the last
// meaningful element of the module name ("github.com/acme/api/v2" →
// "api", "@acme/web" → "web"), or "app".
func serviceName(dir, module string) string {
	if dir != "." {
		return baseName(dir)
	}
	parts := strings.Split(strings.Trim(module, "/"), "/")
	for i := len(parts) - 1; i >= 0; i-- {
		p := strings.TrimPrefix(parts[i], "@")
		if p == "" || isMajorSuffix(p) {
			continue
		}
		if i := strings.LastIndexByte(p, ':'); i >= 0 {
			p = p[i+1:]
		}
		return p
	}
	return "app"
}

// isMajorSuffix reports a Go major version element such as "v2".
func isMajorSuffix(p string) bool {
	if len(p) < 2 || p[0] != 'v' {
		return false
	}
	for _, c := range p[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// factsFor returns the facts record of dir, creating it.
func (d *detector) factsFor(dir string) *dirFacts {
	f := d.facts[dir]
	if f == nil {
		f = &dirFacts{}
		d.facts[dir] = f
	}
	return f
}

// inherited returns the first non-empty value get finds in the facts of
// dir's ancestors, nearest first.
func (d *detector) inherited(dir string, get func(*dirFacts) (string, string)) (string, string) {
	for _, a := range ancestors(dir) {
		if f := d.facts[a]; f != nil {
			if v, src := get(f); v != "" {
				return v, src
			}
		}
	}
	return "", ""
}
