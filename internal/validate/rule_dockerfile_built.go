package validate

import (
	"path"
	"regexp"
	"strings"
)

// A COPY source the repository lacks may be a file a build step outside
// Docker writes before docker build runs: a Makefile target (the binary
// the "container" target depends on), a go build -o in a workflow step,
// or the binaries GoReleaser puts in the context of the images it builds.
// Such a source is not reported missing; the evidence must name the
// source's own path (or, for GoReleaser, the Dockerfile).

// makeRuleRe finds a Makefile rule line: its targets before one or two
// colons that are not an assignment (:=, ::=).
var makeRuleRe = regexp.MustCompile(`^([^\t#:=$][^:=#]*?)\s*::?(?:[^=]|$)`)

// outputFlagRe finds an output path given to a build tool: go build -o
// bin/app, --output=dist/app, -o ./explorer.
var outputFlagRe = regexp.MustCompile(`(?:^|\s)(?:-o|--output|-output|--out|-out)(?:=|\s+)["']?([^\s"';&|)]+)`)

// makefileNames are the names GNU make reads by default.
var makefileNames = []string{"GNUmakefile", "makefile", "Makefile"}

// builtOutside reports whether the workspace path wp, missing from the
// context, is written by a build step outside Docker that the repository
// declares.
func (cx *buildContext) builtOutside(wp string) bool {
	seen := map[string]bool{}
	for _, start := range []string{cx.dir, path.Dir(cx.df)} {
		for d := start; ; d = path.Dir(d) {
			if !seen[d] {
				seen[d] = true
				for _, name := range makefileNames {
					if data, ok := cx.repo.readFile(path.Join(d, name)); ok && makeBuilds(string(data), relSlash(d, wp)) {
						return true
					}
				}
			}
			if d == "." {
				break
			}
		}
	}
	for _, name := range cx.repo.list(".github/workflows") {
		if !isYAMLPath(name) {
			continue
		}
		data, ok := cx.repo.readFile(path.Join(".github/workflows", name))
		if !ok {
			continue
		}
		for _, out := range outputPaths(string(data)) {
			if out == wp || out == relSlash(cx.dir, wp) {
				return true
			}
		}
	}
	return cx.goreleaserBuilds()
}

// makeBuilds reports whether a Makefile has a rule whose target is rel
// (a path relative to the Makefile's directory) or a recipe that writes
// rel with -o.
func makeBuilds(text, rel string) bool {
	if strings.HasPrefix(rel, "../") {
		return false
	}
	for _, line := range strings.Split(text, "\n") {
		if m := makeRuleRe.FindStringSubmatch(line); m != nil && !strings.HasPrefix(line, "\t") {
			for _, t := range strings.Fields(m[1]) {
				if cleanRel(t) == rel {
					return true
				}
			}
		}
	}
	for _, out := range outputPaths(text) {
		if out == rel {
			return true
		}
	}
	return false
}

// outputPaths returns the literal output paths of -o style flags in a
// script, cleaned and relative (a path with a variable is left out).
func outputPaths(text string) []string {
	var out []string
	for _, m := range outputFlagRe.FindAllStringSubmatch(text, -1) {
		if strings.ContainsAny(m[1], "$%{") {
			continue
		}
		out = append(out, cleanRel(m[1]))
	}
	return out
}

// cleanRel cleans a relative path as a Makefile or a script writes it.
func cleanRel(p string) string {
	return strings.TrimPrefix(path.Clean(p), "./")
}

// goreleaserDockersRe finds GoReleaser's image section, and
// goreleaserDockerfileRe the Dockerfiles it names.
var (
	goreleaserDockersRe    = regexp.MustCompile(`(?m)^\s*dockers(?:_v2)?:`)
	goreleaserDockerfileRe = regexp.MustCompile(`(?m)^\s*-?\s*dockerfile:\s*["']?([^\s"'#]+)`)
)

// goreleaserBuilds reports whether a GoReleaser configuration at the
// repository root builds images from this Dockerfile: GoReleaser copies
// the binaries it built into a fresh context before docker build, so
// they are never in the repository.
func (cx *buildContext) goreleaserBuilds() bool {
	for _, name := range []string{".goreleaser.yml", ".goreleaser.yaml", "goreleaser.yml", "goreleaser.yaml"} {
		data, ok := cx.repo.readFile(name)
		if !ok {
			continue
		}
		text := string(data)
		if !goreleaserDockersRe.MatchString(text) {
			continue
		}
		named := goreleaserDockerfileRe.FindAllStringSubmatch(text, -1)
		if len(named) == 0 && cx.df == "Dockerfile" {
			return true // the default
		}
		for _, m := range named {
			if cleanRel(m[1]) == cx.df {
				return true
			}
		}
	}
	return false
}
