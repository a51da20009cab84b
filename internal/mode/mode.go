// Package mode parses mode files (Markdown with YAML front matter), keeps
// the registry of modes and checks the delegation graph.
package mode

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
}
