package validate

import (
	"path"
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"golang.org/x/mod/modfile"
)

var ruleDockerfileCgo = register(Rule{
	ID: "dockerfile-cgo-disabled", Kind: KindDockerfile, Severity: Error,
	Summary: "a Go build with CGO_ENABLED=0 must not require a package that only works with cgo (go-sqlite3, confluent-kafka-go, RocksDB wrappers)",
	Help: "build that stage with CGO_ENABLED=1 (the golang image has gcc) and run it on an image with libc (distroless base or cc, debian-slim), " +
		"or move to a pure-Go package (modernc.org/sqlite, segmentio/kafka-go or twmb/franz-go)",
})

// goToolRe finds a RUN that uses the Go tool on modules; goBuildRe one
// that compiles.
var (
	goToolRe  = regexp.MustCompile(`\bgo\s+(build|install|mod|run|test|generate|vet|work)\b`)
	goBuildRe = regexp.MustCompile(`\bgo\s+(build|install)\b`)
	cgoInline = regexp.MustCompile(`\bCGO_ENABLED=["']?([01])\b`)
)

// cgoOnlyModules are modules whose packages need cgo: built with
// CGO_ENABLED=0 they fail to compile or compile to a stub. Sources:
//   - github.com/mattn/go-sqlite3: its README ("go-sqlite3 is cgo package
//     ... you are required to set the environment variable CGO_ENABLED=1"),
//     mattn/go-sqlite3#342 (build failure with CGO_ENABLED=0) and the stub's
//     run-time error "Binary was compiled with 'CGO_ENABLED=0', go-sqlite3
//     requires cgo to work" (go-gorm/gorm#6468 and many more).
//   - confluent-kafka-go: confluentinc/confluent-kafka-go#303 ("build
//     constraints exclude all Go files"; CGO_ENABLED=0 "is not supported
//     by confluent Kafka due to dependency on librdkafka").
//   - github.com/linxGnu/grocksdb and github.com/tecbot/gorocksdb: their
//     READMEs build with CGO_CFLAGS/CGO_LDFLAGS against librocksdb.
var cgoOnlyModules = []struct{ path, why string }{
	{"github.com/mattn/go-sqlite3", "with CGO_ENABLED=0 it compiles to a stub that fails when the app opens a database"},
	{"github.com/confluentinc/confluent-kafka-go", "it binds librdkafka through cgo, so with CGO_ENABLED=0 the build stops"},
	{"gopkg.in/confluentinc/confluent-kafka-go.v1", "it binds librdkafka through cgo, so with CGO_ENABLED=0 the build stops"},
	{"github.com/linxGnu/grocksdb", "it wraps the RocksDB C library through cgo, so with CGO_ENABLED=0 the build stops"},
	{"github.com/tecbot/gorocksdb", "it wraps the RocksDB C library through cgo, so with CGO_ENABLED=0 the build stops"},
}

// cgoOnly returns why a module path needs cgo, or "".
func cgoOnly(mod string) string {
	for _, m := range cgoOnlyModules {
		if mod == m.path {
			return m.why
		}
		if rest, ok := strings.CutPrefix(mod, m.path+"/v"); ok && rest != "" && strings.Trim(rest, "0123456789") == "" {
			return m.why
		}
	}
	return ""
}

// checkGoModules reads each go.mod the Dockerfile copies: a replace with
// a local directory outside the context cannot build, and a cgo-only
// requirement cannot build (or run) with CGO_ENABLED=0.
func (cx *buildContext) checkGoModules(df *dockerfile, copied []string) []Finding {
	if !df.runsTool(goToolRe) {
		return nil
	}
	var out []Finding
	for _, gm := range cx.manifests(copied, "go.mod") {
		data, _ := cx.repo.readFile(gm)
		f, err := modfile.Parse(gm, data, nil)
		if err != nil {
			continue // the go tool reports a broken go.mod better
		}
		line := cx.firstLineOf(df, gm)
		for _, r := range f.Replace {
			if r.New.Version != "" || !modfile.IsDirectoryPath(r.New.Path) || path.IsAbs(r.New.Path) || strings.Contains(r.New.Path, `\`) {
				continue
			}
			target := path.Join(path.Dir(gm), r.New.Path)
			if inside(cx.dir, target) {
				continue
			}
			out = append(out, ruleDockerfileGoReplace.at(df.path, line, 1,
				"%s replaces %s with %s (%s), outside the build context %s, so go cannot find it in the image; "+
					"build from a directory that holds both (docker build -f %s %s) and COPY both",
				cx.show(gm), r.Old.Path, r.New.Path, cx.show(target), cx.show(cx.dir), cx.show(cx.df), cx.show(commonDir(cx.dir, target))))
		}
		if l, on := df.cgoDisabled(); on {
			for _, req := range f.Require {
				if req.Indirect {
					continue
				}
				if why := cgoOnly(req.Mod.Path); why != "" {
					out = append(out, ruleDockerfileCgo.at(df.path, l, 1,
						"the Go build runs with CGO_ENABLED=0, but %s requires %s: %s; build with CGO_ENABLED=1 on a runtime image with libc, or use a pure-Go package",
						cx.show(gm), req.Mod.Path, why))
				}
			}
		}
	}
	return out
}

// commonDir is the deepest directory holding both workspace paths.
func commonDir(a, b string) string {
	for d := a; ; d = path.Dir(d) {
		if inside(d, b) {
			return d
		}
		if d == "." || d == "/" {
			return "."
		}
	}
}

// cgoDisabled finds a go build or go install that runs with
// CGO_ENABLED=0 (inline, or from an ENV or ARG of its stage or of the
// stage it builds on) and returns the line that disables cgo.
func (df *dockerfile) cgoDisabled() (int, bool) {
	type state struct {
		value string
		line  int
	}
	final := map[*dfStage]state{}
	for _, s := range df.stages {
		st := state{}
		img, _ := df.expandArgs(s.from.BaseName)
		if parent := df.stageNamed(img, s); parent != nil {
			st = final[parent]
		}
		for _, c := range s.cmds {
			switch x := c.cmd.(type) {
			case *instructions.EnvCommand:
				for _, kv := range x.Env {
					if kv.Key == "CGO_ENABLED" {
						st = state{strings.Trim(kv.Value, `"'`), c.line}
					}
				}
			case *instructions.ArgCommand:
				for _, a := range x.Args {
					if a.Key == "CGO_ENABLED" && a.Value != nil {
						st = state{strings.Trim(*a.Value, `"'`), c.line}
					}
				}
			case *instructions.RunCommand:
				script := runScript(x)
				if !goBuildRe.MatchString(script) {
					continue
				}
				if m := cgoInline.FindStringSubmatch(script); m != nil {
					if m[1] == "0" {
						return c.line, true
					}
					continue
				}
				if st.value == "0" {
					return st.line, true
				}
			}
		}
		final[s] = st
	}
	return 0, false
}
