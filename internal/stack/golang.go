package stack

import (
	"path"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
)

// Limits on the Go files read to find main packages.
const (
	maxCmdMains   = 32
	goHeadBytes   = 4 << 10
	maxRootProbes = 4
)

var rePackageMain = regexp.MustCompile(`(?m)^package\s+main\b`)

// goService reads dir/go.mod.
func (d *detector) goService(dir string) *Service {
	p := join(dir, "go.mod")
	if !d.idx.has(p) {
		return nil
	}
	s := &Service{Dir: dir, Language: Go, Manifest: "go.mod", PackageManager: "go",
		Build: "go build ./...", Test: "go test ./...", Lint: "go vet ./..."}
	if d.idx.has(join(dir, "go.sum")) {
		s.Lockfile = "go.sum"
	}
	if data, ok := d.r.read(p); ok {
		f, err := modfile.Parse(p, data, nil)
		if err != nil {
			d.r.warn(p, "malformed go.mod: %s; fix it so `go mod tidy` accepts it", strings.TrimPrefix(err.Error(), p+":"))
		} else {
			if f.Module != nil {
				s.Module = f.Module.Mod.Path
			}
			var tc, gv string
			if f.Toolchain != nil {
				tc = f.Toolchain.Name
			}
			if f.Go != nil {
				gv = f.Go.Version
			}
			if s.Version = goVersion(tc, gv); s.Version != "" {
				s.VersionSource = "go.mod"
			}
			for _, r := range f.Require {
				if r.Indirect {
					continue // not imported by this module: no backing service, no cgo
				}
				if h, ok := goHint(r.Mod.Path); ok {
					s.addHint(h)
				}
			}
		}
	}
	tooling := d.goMains(s)
	d.rankGoMains(s, tooling)
	for _, m := range s.Mains {
		d.goMainPort(s, m)
	}
	if len(s.Mains) > 0 {
		d.goConfigPort(s)
	}
	if len(s.Mains) > 0 {
		s.Start = "go run " + s.Mains[0]
	}
	d.goKindFacts(s, tooling)
	return s
}

// goConfigFiles are where Go services keep their configuration's
// defaults (gotify's config.Get sets Server{Port: 80}).
var goConfigFiles = []string{"config/config.go", "internal/config/config.go", "pkg/config/config.go", "config.go"}

// reGoConfigPort matches a port field set in a composite literal of
// defaults: "Port: 80," or "HTTPPort: 8080,"; the first one counts (the
// server's, before TLS or metrics ports further down).
var reGoConfigPort = regexp.MustCompile(`(?m)^\s+(?:Server|HTTP|Http|Listen|App)?Port:\s+(\d{2,5}),`)

// goConfigPort reads the port default of a Go service's configuration
// package when main.go states none.
func (d *detector) goConfigPort(s *Service) {
	for _, f := range goConfigFiles {
		if s.Port != 0 {
			return
		}
		p := join(s.Dir, f)
		if !d.hasGoFile(p) {
			continue
		}
		if data, ok := d.r.read(p); ok {
			setPort(s, string(data), []*regexp.Regexp{reGoConfigPort}, f)
		}
	}
}

// hasGoFile reports whether the walk saw the .go file at p.
func (d *detector) hasGoFile(p string) bool {
	dir, name := path.Dir(p), baseName(p)
	for _, n := range d.idx.goFiles[dir] {
		if n == name {
			return true
		}
	}
	return false
}

// goMains finds the main packages: the service directory itself,
// cmd/* directories and, outside cmd/, directories with a main.go that
// are not tooling. Tooling mains (gen-docs, tools/..., examples/...) are
// returned apart: they are never the product.
func (d *detector) goMains(s *Service) (tooling []string) {
	if d.isGoMain(s.Dir) {
		s.Mains = append(s.Mains, ".")
	}
	cmd := join(s.Dir, "cmd")
	children := append([]string(nil), d.idx.cmdDirs[cmd]...)
	sort.Strings(children)
	children = append(children, d.goExtraMainDirs(s.Dir)...)
	if len(children) > maxCmdMains {
		children = children[:maxCmdMains]
	}
	for _, c := range children {
		relDir := "./" + strings.TrimPrefix(c, s.Dir+"/")
		if s.Dir == "." {
			relDir = "./" + c
		}
		if !d.isGoMain(c) {
			continue
		}
		if goToolingMain(relDir) != "" {
			tooling = append(tooling, relDir)
			continue
		}
		s.Mains = append(s.Mains, relDir)
	}
	return tooling
}

// goMainPort takes the port from the main.go of the main package rel.
func (d *detector) goMainPort(s *Service, rel string) {
	dir := path.Join(s.Dir, rel)
	if !d.hasGoFile(join(dir, "main.go")) {
		return
	}
	if data, ok := d.r.read(join(dir, "main.go")); ok {
		setPort(s, string(data), portPatterns[Go], path.Join(rel, "main.go"))
	}
}

// isGoMain reads main.go of dir (or the heads of a few .go files) and
// reports whether dir is package main.
func (d *detector) isGoMain(dir string) bool {
	names := d.idx.goFiles[dir]
	if len(names) == 0 {
		return false
	}
	for _, n := range names {
		if n != "main.go" {
			continue
		}
		data, ok := d.r.read(join(dir, n))
		return ok && goMainSource(data)
	}
	for i, n := range names {
		if i >= maxRootProbes {
			break
		}
		if data, ok := d.r.head(join(dir, n), goHeadBytes); ok && goMainSource(data) {
			return true
		}
	}
	return false
}
