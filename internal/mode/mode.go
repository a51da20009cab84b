// Package mode parses mode files (Markdown with YAML front matter), keeps
// the registry of modes and checks the delegation graph.
//
// A mode file starts with a front matter block between two "---" lines
// (slug, name, description, level, delegates_to, escalates_to, writes,
// model, tags; unknown keys are errors) followed by the mode's role and
// instructions in Markdown. A set of modes is valid when it has exactly
// one lead, every delegates_to names a mode of the set, delegation has no
// cycle, and every specialist declares the path globs it may write. Every
// problem is reported as a *Problem naming the file and line to fix.
package mode

import (
	"io/fs"

	"github.com/bmatcuk/doublestar/v4"
)

// Level says whether a mode plans and delegates (lead) or writes files
// (specialist).
type Level string

// The levels a mode may have.
const (
	LevelLead       Level = "lead"
	LevelSpecialist Level = "specialist"
)

// Mode is one mode: its identity, what it may delegate to, which paths it
// may write, and its role text (the Markdown body).
type Mode struct {
	Slug        string   `yaml:"slug" json:"slug"`
	Name        string   `yaml:"name" json:"name"`
	Description string   `yaml:"description" json:"description"`
	Level       Level    `yaml:"level" json:"level"`
	DelegatesTo []string `yaml:"delegates_to" json:"delegates_to,omitempty"`
	EscalatesTo []string `yaml:"escalates_to" json:"escalates_to,omitempty"`
	Writes      []string `yaml:"writes" json:"writes,omitempty"`
	Model       string   `yaml:"model" json:"model,omitempty"`
	Tags        []string `yaml:"tags" json:"tags,omitempty"`

	// Body is the Markdown after the front matter: the mode's role and
	// instructions.
	Body string `yaml:"-" json:"-"`
	// Source names where the mode came from ("embedded:cicd-specialist.md"
	// or a repository path), for error messages.
	Source string `yaml:"-" json:"source"`

	// lines maps a front matter key ("writes") or list item ("writes.2")
	// to its line in Source; empty for modes built in code.
	lines map[string]int
}

// MayWrite reports whether the mode's writes globs match the path. The
// path is a slash-separated path relative to the repository root, in the
// clean form fs.ValidPath accepts ("services/api/Dockerfile"); absolute
// paths, "." or ".." elements and a nil mode never match.
func (m *Mode) MayWrite(path string) bool {
	if m == nil || path == "." || !fs.ValidPath(path) {
		return false
	}
	for _, pat := range m.Writes {
		if ok, err := doublestar.Match(pat, path); err == nil && ok {
			return true
		}
	}
	return false
}

// Line returns the line of a front matter key ("writes") or list item
// ("writes.2") in the mode's source, falling back to the list's key and
// then to 1 (the opening "---"); it is 0 for a mode built in code.
func (m *Mode) Line(key string) int {
	if m == nil || m.lines == nil {
		return 0
	}
	if n, ok := m.lines[key]; ok {
		return n
	}
	for i := len(key) - 1; i > 0; i-- {
		if key[i] == '.' {
			if n, ok := m.lines[key[:i]]; ok {
				return n
			}
			break
		}
	}
	return 1
}

// source names the mode for messages: its Source, or its slug when it was
// built in code.
func (m *Mode) source() string {
	switch {
	case m.Source != "":
		return m.Source
	case m.Slug != "":
		return "mode " + m.Slug
	}
	return "mode"
}
