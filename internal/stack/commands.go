package stack

import (
	"regexp"
	"strings"
)

var reMakeTarget = regexp.MustCompile(`(?m)^([A-Za-z0-9][A-Za-z0-9_.\-]*(?:[ \t]+[A-Za-z0-9][A-Za-z0-9_.\-]*)*)[ \t]*::?(?:[^=]|$)`)

// makeTargets returns the targets a Makefile defines.
func makeTargets(text string) map[string]bool {
	out := map[string]bool{}
	for _, m := range reMakeTarget.FindAllStringSubmatch(text, -1) {
		for _, t := range strings.Fields(m[1]) {
			out[t] = true
		}
	}
	return out
}

// applyMakefile takes the Makefile targets build, test, lint and run. They
// replace commands that are only a language convention (go test ./...,
// cargo test, mvn verify, pytest) but not the scripts package.json or a
// Procfile state.
func (d *detector) applyMakefile(s *Service) {
	conventional := s.Language != Node
	for _, name := range []string{"Makefile", "makefile", "GNUmakefile"} {
		p := join(s.Dir, name)
		if !d.idx.has(p) {
			continue
		}
		data, ok := d.r.read(p)
		if !ok {
			return
		}
		t := makeTargets(string(data))
		fill := func(field *string, target string, override bool) {
			if t[target] && (*field == "" || override) {
				*field = "make " + target
			}
		}
		fill(&s.Build, "build", conventional)
		fill(&s.Test, "test", conventional)
		fill(&s.Lint, "lint", conventional)
		fill(&s.Start, "run", s.Language == Go)
		return
	}
}

// scriptPort finds a port stated on a command line (-p 4000, --port
// 8000, PORT=3000, --bind 0.0.0.0:8000).
func scriptPort(s *Service, cmd, source string) {
	setPort(s, cmd, reScriptPort, source)
}

// addUnique appends v to list unless it is there already.
func addUnique(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}
