package container

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// cgoRule is the gate's rule for a Go build with CGO_ENABLED=0 that needs
// a cgo-only package (go-sqlite3, confluent-kafka-go): it reads go.mod, so
// it runs only with the repository at hand.
const cgoRule = "dockerfile-cgo-disabled"

// CgoFindings are the gate's cgo findings on an existing Dockerfile of
// the repository ws: built from the unit's build context (a Dockerfile
// kept in docker/ builds the unit's directory), else from the context its
// COPY lines fit.
func CgoFindings(ws fs.FS, s stack.Service, p string, content []byte) []validate.Finding {
	if ws == nil {
		return nil
	}
	files := []validate.File{{Path: p, Content: content}}
	for _, opts := range []validate.Options{
		{Workspace: ws, Contexts: map[string]string{p: BuildContext(s)}},
		{Workspace: ws, InferContexts: true},
	} {
		var out []validate.Finding
		for _, f := range validate.Errors(validate.Check(files, opts)) {
			if f.Rule == cgoRule && f.Path == p {
				out = append(out, f)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// cgoOffRe finds CGO_ENABLED=0 (quoted or not) on a line.
var cgoOffRe = regexp.MustCompile(`\bCGO_ENABLED=(["']?)0\b`)

// enableCgo turns the CGO_ENABLED=0 of the instruction at line into
// CGO_ENABLED=1, when that is all the build needs: the stage compiles on
// a Debian-based golang image (which has gcc) and the final stage runs on
// an image with glibc. Otherwise it says what the author has to change.
func enableCgo(stages []*dfStageInfo, meta map[string]string, lines []kit.Line, line int) (*dfEdit, string, string) {
	var st *dfStageInfo
	for _, e := range stages {
		if e.from.StartLine <= line {
			st = e // the last stage starting at or before the line
		}
	}
	if st == nil {
		return nil, "", "the line is outside every stage"
	}
	build := rootBase(stages, st, meta)
	brepo, btag, _ := kit.SplitImage(build)
	if brepo != "golang" || strings.Contains(btag, "alpine") || strings.Contains(build, "$") {
		return nil, "", fmt.Sprintf("the Go build runs on %s, which may have no C compiler: enable cgo there by hand (CGO_ENABLED=1 with gcc, on Alpine also musl-dev), or move to a pure-Go package", build)
	}
	final := stages[len(stages)-1]
	run := rootBase(stages, final, meta)
	if !glibcImage(run) {
		return nil, "", fmt.Sprintf("the final stage runs on %s, which has no glibc for a cgo binary: switch it to gcr.io/distroless/base-debian12 or debian:bookworm-slim and build with CGO_ENABLED=1, or move to a pure-Go package", run)
	}
	var node *struct{ start, end int }
	for _, n := range st.nodes {
		if n.StartLine <= line && line <= n.EndLine {
			node = &struct{ start, end int }{n.StartLine, n.EndLine}
		}
	}
	if node == nil {
		return nil, "", "the instruction that disables cgo was not found"
	}
	for i := node.start; i <= node.end && i <= len(lines); i++ {
		l := lines[i-1].Text
		if loc := cgoOffRe.FindStringSubmatchIndex(l); loc != nil {
			fixed := l[:loc[1]-1] + "1" + l[loc[1]:]
			why := fmt.Sprintf("the Go build ran with CGO_ENABLED=0, but a package go.mod requires only works with cgo; set CGO_ENABLED=1: the build stage (%s) has gcc and the final stage (%s) has glibc", build, run)
			return &dfEdit{start: i, end: i, repl: []string{fixed}}, why, ""
		}
	}
	return nil, "", "CGO_ENABLED=0 is set in a way the patcher does not edit (a build argument passed in, or a variable)"
}

// rootBase is the image a stage is built on at the root of its chain of
// stages, ARGs expanded, in lower case.
func rootBase(stages []*dfStageInfo, st *dfStageInfo, meta map[string]string) string {
	chain := stageChain(stages, st)
	return strings.ToLower(expandMeta(chain[len(chain)-1].base, meta))
}

// glibcImage reports whether an image reference is one with glibc: Debian
// and Ubuntu, distroless base and cc, Red Hat UBI, and the Debian-based
// language images.
func glibcImage(ref string) bool {
	repo, tag, _ := kit.SplitImage(ref)
	if strings.Contains(tag, "alpine") {
		return false
	}
	switch {
	case repo == "debian", repo == "ubuntu", repo == "golang", repo == "buildpack-deps":
		return true
	case strings.HasPrefix(repo, "gcr.io/distroless/base"), strings.HasPrefix(repo, "gcr.io/distroless/cc"):
		return true
	case strings.HasPrefix(repo, "registry.access.redhat.com/ubi"), strings.HasPrefix(repo, "redhat/ubi"):
		return true
	}
	return false
}
