// Package validate is the gate every generated file passes before it leaves
// the engine: parsers and linters per artifact kind (workflows, Dockerfiles,
// Compose, Terraform, Kubernetes, Prometheus rules) plus rules that apply to
// every file (secrets, allowed paths). Findings carry file, line, column,
// rule id and severity; errors block publishing.
package validate

import (
	"fmt"
	"sort"
)

// Severity is how bad a finding is. Errors block publishing.
type Severity string

// The severities, from worst to mildest.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Note    Severity = "note"
)

// Finding is one problem in one file. Line and Col are 1-based; 0 means the
// whole file.
type Finding struct {
	Path     string   `json:"path"`
	Line     int      `json:"line"`
	Col      int      `json:"col"`
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	Help     string   `json:"help,omitempty"`
}

// String formats the finding as file:line:col: severity [rule] message.
func (f Finding) String() string {
	line, col := f.Line, f.Col
	if line < 1 {
		line = 1
	}
	if col < 1 {
		col = 1
	}
	return fmt.Sprintf("%s:%d:%d: %s [%s] %s", f.Path, line, col, f.Severity, f.Rule, f.Message)
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == Error {
			return true
		}
	}
	return false
}

// Errors returns only the findings of severity error.
func Errors(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Severity == Error {
			out = append(out, f)
		}
	}
	return out
}

// Sort orders findings by path, line, column and rule.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.Rule < b.Rule
	})
}
