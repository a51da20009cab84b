package engine

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/validate"
	"github.com/devops-lead/devops-lead/internal/workspace"
)

// theirs demotes to warnings the gate's errors on lines that a modified
// file already had, with the same rule, before the change: a development
// password in a human's compose file or a root stage in their Dockerfile is
// theirs to fix, and must not block a patch that adds lines beside it (nor
// send the brain to "repair" what it must not touch). Only what the change
// adds has to pass. The findings stay in the report, marked as found before.
func theirs(gate Gate, opts validate.Options, ws fs.FS, cs *change.ChangeSet, out []validate.Finding) []validate.Finding {
	type key struct{ path, rule, line string }
	news := map[string][]string{}
	var olds []validate.File
	oldLines := map[string][]string{}
	for _, f := range cs.Files {
		if f.Op == change.Delete || ws == nil {
			continue
		}
		old, err := workspace.ReadFile(ws, f.Path, 0)
		if errors.Is(err, fs.ErrNotExist) || err != nil {
			continue // new, or unreadable: every finding is the change's
		}
		olds = append(olds, validate.File{Path: f.Path, Content: old})
		oldLines[f.Path] = strings.Split(string(old), "\n")
		news[f.Path] = strings.Split(string(f.Content), "\n")
	}
	if len(olds) == 0 || !validate.HasErrors(out) {
		return out
	}
	before := map[key]int{}
	for _, fd := range gate(olds, opts) {
		if fd.Severity == validate.Error {
			before[key{fd.Path, fd.Rule, lineAt(oldLines[fd.Path], fd.Line)}]++
		}
	}
	for i, fd := range out {
		if fd.Severity != validate.Error || news[fd.Path] == nil {
			continue
		}
		k := key{fd.Path, fd.Rule, lineAt(news[fd.Path], fd.Line)}
		if before[k] > 0 {
			before[k]--
			out[i].Severity = validate.Warning
			out[i].Message = "already in the file before this change, left to its authors: " + fd.Message
		}
	}
	return out
}

// lineAt returns line n (1-based) of lines, trimmed, or "" when the
// finding has no line (a whole-file finding matches only another one).
func lineAt(lines []string, n int) string {
	if n < 1 || n > len(lines) {
		return ""
	}
	return strings.TrimSpace(lines[n-1])
}
