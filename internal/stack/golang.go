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
	d.goMains(s)
	if len(s.Mains) == 1 {
		s.Start = "go run " + s.Mains[0]
	}
	return s
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

// goMains finds the main packages: the service directory itself and
// cmd/* directories. The first main read also yields the port.
func (d *detector) goMains(s *Service) {
	if d.isGoMain(s, s.Dir, ".") {
		s.Mains = append(s.Mains, ".")
	}
	cmd := join(s.Dir, "cmd")
	children := append([]string(nil), d.idx.cmdDirs[cmd]...)
	sort.Strings(children)
	if len(children) > maxCmdMains {
		children = children[:maxCmdMains]
	}
	for _, c := range children {
		relDir := "./" + strings.TrimPrefix(c, s.Dir+"/")
		if s.Dir == "." {
			relDir = "./" + c
		}
		if d.isGoMain(s, c, relDir) {
			s.Mains = append(s.Mains, relDir)
		}
	}
}

// isGoMain reads main.go of dir (or the heads of a few .go files) and
// reports whether dir is package main; a main.go also gives the port.
func (d *detector) isGoMain(s *Service, dir, relDir string) bool {
	names := d.idx.goFiles[dir]
	if len(names) == 0 {
		return false
	}
	for _, n := range names {
		if n != "main.go" {
			continue
		}
		p := join(dir, n)
		data, ok := d.r.read(p)
		if !ok || !rePackageMain.Match(data) {
			return false
		}
		setPort(s, string(data), portPatterns[Go], path.Join(relDir, n))
		return true
	}
	for i, n := range names {
		if i >= maxRootProbes {
			break
		}
		if data, ok := d.r.head(join(dir, n), goHeadBytes); ok && rePackageMain.Match(data) {
			return true
		}
	}
	return false
}
