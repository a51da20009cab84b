package stack

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
)

// Limits on the extra Go main packages looked for outside cmd/.
const (
	maxGoMainDepth = 3
	goSourceBytes  = 16 << 10
	maxGoSources   = 4
)

// goToolingSegments are path elements of main packages that build the
// repository's tooling, docs or samples, never its product.
var goToolingSegments = map[string]bool{
	"gen": true, "generate": true, "generator": true, "codegen": true, "docgen": true,
	"docs": true, "doc": true, "tools": true, "tool": true, "examples": true,
	"example": true, "_examples": true, "samples": true, "hack": true, "scripts": true,
	"script": true, "test": true, "tests": true, "testing": true, "e2e": true,
	"fixtures": true, "bench": true, "benchmarks": true, "mock": true, "mocks": true,
}

// goToolingMain reports why the main package rel (./cmd/gen-docs) is
// tooling, or "".
func goToolingMain(rel string) string {
	for _, seg := range strings.Split(strings.TrimPrefix(rel, "./"), "/") {
		lower := strings.ToLower(seg)
		switch {
		case goToolingSegments[lower]:
			return seg + "/"
		case strings.HasPrefix(lower, "gen-") || strings.HasPrefix(lower, "gen_") ||
			strings.HasSuffix(lower, "-gen") || strings.HasPrefix(lower, "generate"):
			return seg
		}
	}
	return ""
}

// goCandidate is one main package being ranked.
type goCandidate struct {
	rel   string // "./cmd/api"
	dir   string // repository path of the package
	score int
	why   []string
}

// goExtraMainDirs returns directories of the module below dir, outside
// its cmd/ (listed apart), that hold a main.go and are not tooling or
// nested modules, at most maxGoMainDepth deep: a deeper cmd folder
// (go/cmd/list-ports) counts.
//
// A directory without main.go is a main package too when the head of its
// first .go file says package main (cmd/file.d.go): at most maxGoProbeDirs
// such directories are probed, with optional reads that never starve the
// manifests.
func (d *detector) goExtraMainDirs(dir string) []string {
	var out, probe []string
	cmd := join(dir, "cmd")
	for pkgDir, names := range d.idx.goFiles {
		if pkgDir == dir || !within(pkgDir, dir) || path.Dir(pkgDir) == cmd {
			continue
		}
		relDir := strings.TrimPrefix(pkgDir, dir+"/")
		if dir == "." {
			relDir = pkgDir
		}
		if depth(relDir) > maxGoMainDepth || goToolingMain(relDir) != "" || d.inNestedModule(dir, pkgDir) {
			continue
		}
		if slices.Contains(names, "main.go") {
			out = append(out, pkgDir)
		} else {
			probe = append(probe, pkgDir)
		}
	}
	// Shallow directories first: cmd/ itself before deeper packages.
	sort.Slice(probe, func(i, j int) bool {
		if di, dj := depth(probe[i]), depth(probe[j]); di != dj {
			return di < dj
		}
		return probe[i] < probe[j]
	})
	if len(probe) > maxGoProbeDirs {
		probe = probe[:maxGoProbeDirs]
	}
	for _, pkgDir := range probe {
		if d.probeGoMain(pkgDir) {
			out = append(out, pkgDir)
		}
	}
	sort.Strings(out)
	return out
}

// maxGoProbeDirs bounds the directories without main.go whose first .go
// file is read to see whether they are package main.
const maxGoProbeDirs = 64

// goProbeBytes is how much of a file the probe reads: enough for a
// license header, build constraints and the package clause.
const goProbeBytes = 2 << 10

// reGoIgnoreBuild finds the build constraint of a file kept out of every
// build (a go:generate helper in a library package).
var reGoIgnoreBuild = regexp.MustCompile(`(?m)^//\s*(?:go:build|\+build)\s+ignore\b`)

// probeGoMain reads the head of the first .go file of pkgDir (sorted by
// name) and reports whether it is package main and built.
func (d *detector) probeGoMain(pkgDir string) bool {
	names := slices.Clone(d.idx.goFiles[pkgDir])
	if len(names) == 0 {
		return false
	}
	sort.Strings(names)
	data, ok := d.optRead(join(pkgDir, names[0]), goProbeBytes)
	return ok && goMainSource(data)
}

// goMainSource reports whether a Go file's head is package main and not
// excluded from builds by an ignore constraint.
func goMainSource(data []byte) bool {
	return rePackageMain.Match(data) && !reGoIgnoreBuild.Match(data)
}

// inNestedModule reports whether pkgDir belongs to another go.mod below
// the module at dir.
func (d *detector) inNestedModule(dir, pkgDir string) bool {
	for p := pkgDir; p != dir && p != "."; p = path.Dir(p) {
		if d.idx.has(join(p, "go.mod")) {
			return true
		}
	}
	return false
}

// rankGoMains orders the main packages best first, drops tooling mains
// (named in EntryReason instead), and explains the choice.
func (d *detector) rankGoMains(s *Service, tooling []string) {
	name := serviceName(s.Dir, s.Module)
	modName := serviceName(".", s.Module)
	refs := d.goBuildReferences(s.Dir)
	var cands []*goCandidate
	for _, rel := range s.Mains {
		c := &goCandidate{rel: rel, dir: path.Join(s.Dir, rel)}
		base := path.Base(c.dir)
		if rel == "." {
			c.score += 50
			c.why = append(c.why, "the module's root package")
		}
		if rel != "." && (base == name || base == modName) {
			c.score += 100
			c.why = append(c.why, fmt.Sprintf("named like the module (%s)", base))
		}
		for _, r := range refs {
			if rel != "." && mentionsPath(r.text, strings.TrimPrefix(rel, "./")) {
				c.score += r.weight
				c.why = append(c.why, "built by "+r.file)
			}
		}
		switch base {
		case "server", "api", "app", "web", "daemon", "service", "gateway":
			c.score += 10
			c.why = append(c.why, "named like a server")
		}
		cands = append(cands, c)
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		if di, dj := depth(cands[i].rel), depth(cands[j].rel); di != dj {
			return di < dj
		}
		return cands[i].rel < cands[j].rel
	})
	s.Mains = s.Mains[:0]
	for _, c := range cands {
		s.Mains = append(s.Mains, c.rel)
	}
	var reason string
	switch {
	case len(cands) == 0:
	case len(cands[0].why) > 0:
		reason = strings.Join(cands[0].why, ", ")
	case len(cands) == 1:
		reason = "the only main package"
	default:
		reason = "first of equally ranked main packages"
	}
	if len(cands) > 1 {
		others := make([]string, 0, len(cands)-1)
		for _, c := range cands[1:] {
			others = append(others, c.rel)
		}
		reason += "; also: " + strings.Join(others, ", ")
	}
	if len(tooling) > 0 {
		if reason != "" {
			reason += "; "
		}
		reason += "skipped tooling: " + strings.Join(tooling, ", ")
	}
	s.EntryReason = reason
	if len(s.Mains) == 0 {
		s.Mains = nil
	}
}

// goRef is a build file and the weight of its saying which package it
// builds.
type goRef struct {
	file   string
	text   string
	weight int
}

// goBuildReferences reads the files that say what the repository builds:
// .goreleaser.yml, an existing Dockerfile and the Makefile.
func (d *detector) goBuildReferences(dir string) []goRef {
	var refs []goRef
	for _, f := range []struct {
		name   string
		weight int
	}{{".goreleaser.yml", 80}, {".goreleaser.yaml", 80}, {"Makefile", 60}, {"makefile", 60}, {"GNUmakefile", 60}} {
		p := d.findUp(dir, f.name)
		if p == "" {
			continue
		}
		if data, ok := d.r.read(p); ok {
			refs = append(refs, goRef{file: rel(dir, p), text: string(data), weight: f.weight})
		}
	}
	for _, p := range d.idx.dockerfiles {
		if path.Dir(p) != dir {
			continue
		}
		if data, ok := d.r.read(p); ok {
			refs = append(refs, goRef{file: "the existing " + baseName(p), text: string(data), weight: 70})
		}
	}
	return refs
}

// mentionsPath reports whether text names the package path p
// ("cmd/gh") as a whole path, not as part of another name.
func mentionsPath(text, p string) bool {
	re, err := regexp.Compile(`(?:^|[^\w.-]|\./)` + regexp.QuoteMeta(p) + `(?:[^\w-]|$)`)
	if err != nil {
		return false
	}
	return re.MatchString(text)
}

// Signs in a main package's source or go.mod of what the program is.
var (
	reGoServe = regexp.MustCompile(`\b(ListenAndServe(?:TLS)?|net\.Listen|http\.Server\s*\{|grpc\.NewServer|gin\.(?:Default|New)\(|echo\.New\(|fiber\.New\(|chi\.NewRouter\(|mux\.NewRouter\(|http\.HandleFunc\(|\.Serve\(\w)`)
	reGoCLI   = regexp.MustCompile(`"(github\.com/spf13/cobra|github\.com/urfave/cli(?:/v\d)?|github\.com/alecthomas/kong|github\.com/peterbourgon/ff(?:/v\d)?|flag)"`)
)

// goWebModules are direct requirements that make a main a server;
// goCLIModules a command; goWorkerModules a queue consumer.
var (
	goWebModules = []string{"github.com/gin-gonic/gin", "github.com/labstack/echo", "github.com/gofiber/fiber",
		"github.com/go-chi/chi", "github.com/gorilla/mux", "github.com/julienschmidt/httprouter",
		"github.com/valyala/fasthttp", "github.com/danielgtaylor/huma", "connectrpc.com/connect",
		"github.com/grpc-ecosystem/grpc-gateway"}
	goCLIModules    = []string{"github.com/spf13/cobra", "github.com/urfave/cli", "github.com/alecthomas/kong", "github.com/peterbourgon/ff"}
	goWorkerModules = []string{"github.com/hibiken/asynq", "github.com/riverqueue/river", "go.temporal.io/sdk",
		"github.com/RichardKnop/machinery", "github.com/nats-io/nats.go", "github.com/segmentio/kafka-go",
		"github.com/IBM/sarama", "github.com/Shopify/sarama", "github.com/rabbitmq/amqp091-go", "github.com/twmb/franz-go"}
)

// goDirectRequire returns the first direct requirement of go.mod that
// matches one of prefixes, or "".
func goDirectRequire(deps map[string]bool, prefixes []string) string {
	var hits []string
	for mod := range deps {
		for _, p := range prefixes {
			if mod == p || strings.HasPrefix(mod, p+"/") {
				hits = append(hits, mod)
			}
		}
	}
	sort.Strings(hits)
	if len(hits) == 0 {
		return ""
	}
	return hits[0]
}

// goKindFacts records what the best main package and go.mod say the
// unit is, most telling first.
func (d *detector) goKindFacts(s *Service, tooling []string) {
	u := d.unit(s.Dir)
	if data, ok := d.r.read(join(s.Dir, "go.mod")); ok {
		if f, err := modfile.ParseLax("go.mod", data, nil); err == nil {
			for _, r := range f.Require {
				if !r.Indirect {
					u.deps[r.Mod.Path] = true
				}
			}
		}
	}
	if len(s.Mains) == 0 {
		why := "a Go module with no main package"
		if len(tooling) > 0 {
			why += " besides tooling (" + strings.Join(tooling, ", ") + ")"
		}
		u.add(KindLibrary, "%s", why)
		return
	}
	best := path.Join(s.Dir, s.Mains[0])
	serve, cli := "", ""
	for i, n := range d.idx.goFiles[best] {
		if i >= maxGoSources {
			break
		}
		data, ok := d.r.head(join(best, n), goSourceBytes)
		if !ok {
			continue
		}
		src := path.Join(s.Mains[0], n)
		if m := reGoServe.FindSubmatch(data); m != nil && serve == "" {
			serve = fmt.Sprintf("%s in %s", strings.TrimRight(string(m[1]), "({ \t"), src)
		}
		if m := reGoCLI.FindSubmatch(data); m != nil && cli == "" {
			cli = fmt.Sprintf("imports %s in %s", m[1], src) // "imports flag in ..." for the flag package
		}
	}
	if serve != "" {
		u.add(KindService, "%s", serve)
	}
	// A web framework in go.mod outweighs the flag package: servers read
	// their settings from flags too (the server call may sit in a package
	// the main calls into). A CLI framework import still wins.
	web := goDirectRequire(u.deps, goWebModules)
	if cli != "" && (web == "" || !strings.Contains(cli, " flag ")) {
		u.add(KindCLI, "%s, no server call", cli)
	}
	if web != "" {
		u.add(KindService, "go.mod requires %s", web)
	}
	switch path.Base(best) {
	case "server", "api", "web", "gateway", "daemon":
		u.add(KindService, "main package %s is named like a server", s.Mains[0])
	}
	if m := goDirectRequire(u.deps, goCLIModules); m != "" {
		u.add(KindCLI, "go.mod requires %s and the main package starts no server", m)
	}
	if m := goDirectRequire(u.deps, []string{"google.golang.org/grpc"}); m != "" {
		u.add(KindService, "go.mod requires %s", m)
	}
	if m := goDirectRequire(u.deps, goWorkerModules); m != "" && s.Port == 0 {
		u.add(KindWorker, "go.mod requires %s and no port is stated", m)
	}
}
