package container

import (
	"bytes"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// A Dockerfile a person wrote is patched, never rewritten: the gate's
// findings that have a safe, local fix get a line edit (a USER line added,
// a base image tag pinned, a simple shell-form CMD turned into exec form),
// every other line stays byte for byte, and each finding that is not fixed
// is named with the reason it was left.

// dfPatch is the outcome of patching one Dockerfile.
type dfPatch struct {
	// Content is the patched file; equal to the original when nothing
	// could be fixed.
	Content []byte
	// Edits says what was changed and why, one entry per edit.
	Edits []string
	// Left names each gate error that was not fixed and why.
	Left []string
}

// dfEdit replaces lines [start, end] (1-based) with repl; an insertion
// has end == start-1 and goes before line start.
type dfEdit struct {
	start, end int
	repl       []string
}

// dfStageInfo is one stage of the parsed file.
type dfStageInfo struct {
	from  *parser.Node
	base  string // the image as written (may hold $ARG references)
	name  string // the AS name, lower case
	nodes []*parser.Node
}

// patchDockerfile applies the safe fixes for the gate's findings on an
// existing Dockerfile.
func patchDockerfile(tbl *kit.ImageTable, ws fs.FS, s *stack.Service, p string, content []byte) dfPatch {
	out := dfPatch{Content: content}
	findings := validate.CheckFile(p, content, validate.Options{})
	// The one build-context rule with a safe line edit: cgo turned off
	// for a package that needs it.
	findings = append(findings, CgoFindings(ws, *s, p, content)...)
	if len(validate.Errors(findings)) == 0 {
		return out
	}
	res, err := parser.Parse(bytes.NewReader(content))
	if err != nil {
		for _, f := range validate.Errors(findings) {
			out.Left = append(out.Left, leftNote(f, "the file does not parse, so no line of it is changed"))
		}
		return out
	}
	stages, metaArgs := dfStages(res.AST)
	if len(stages) == 0 {
		for _, f := range validate.Errors(findings) {
			out.Left = append(out.Left, leftNote(f, "the file has no FROM, so no line of it is changed"))
		}
		return out
	}
	lines := kit.SplitLines(content)
	budget := maxReplaced(lines)
	var edits []dfEdit
	// Errors first, so the budget of changed lines goes to them before the
	// warnings.
	for _, sev := range []validate.Severity{validate.Error, validate.Warning} {
		for _, f := range findings {
			if f.Severity != sev {
				continue
			}
			e, why, reason := fixFor(tbl, s, stages, metaArgs, lines, f)
			if e != nil && e.end >= e.start {
				if n := e.end - e.start + 1; n <= budget {
					budget -= n
				} else {
					e, reason = nil, "the patch already changes as many of the file's lines as a patch to a person's file may; fix it by hand"
				}
			}
			switch {
			case e != nil:
				edits = append(edits, *e)
				where := fmt.Sprintf("line %d", e.start)
				if e.end < e.start {
					where = fmt.Sprintf("before line %d", e.start)
					if e.start > len(lines) {
						where = "at the end"
					}
				}
				out.Edits = append(out.Edits, where+": "+why)
			case f.Severity == validate.Error:
				out.Left = append(out.Left, leftNote(f, reason))
			}
		}
	}
	if len(edits) == 0 {
		return out
	}
	out.Content = applyEdits(lines, edits)
	return out
}

// fixFor returns the line edit for one finding and why, or the reason
// there is none.
func fixFor(tbl *kit.ImageTable, s *stack.Service, stages []*dfStageInfo, meta map[string]string, lines []kit.Line, f validate.Finding) (*dfEdit, string, string) {
	switch f.Rule {
	case "dockerfile-base-latest", "dockerfile-base-untagged":
		return pinBase(tbl, s, stages, lines, f.Line)
	case "dockerfile-user-missing":
		return addUser(stages, meta, lines)
	case "dockerfile-json-cmd":
		return execFormCmd(stages, lines, f.Line)
	case cgoRule:
		return enableCgo(stages, meta, lines, f.Line)
	case "dockerfile-user-root":
		return nil, "", "the file switches to root on purpose there; which user the program may run as is the author's call"
	}
	return nil, "", "there is no safe line edit for it: it needs the author's decision"
}

// maxReplaced is how many existing lines a patch may change (added lines
// do not count): a quarter of the non-blank lines, at least 3. It is the
// engine's change policy limit for a person's file (engine.MaxRewritten
// in the policy work), kept here so a patch never exceeds it.
func maxReplaced(lines []kit.Line) int {
	n := 0
	for _, l := range lines {
		if strings.TrimSpace(l.Text) != "" {
			n++
		}
	}
	if n/4 > 3 {
		return n / 4
	}
	return 3
}

// leftNote names a finding that was not fixed and why.
func leftNote(f validate.Finding, why string) string {
	return fmt.Sprintf("line %d [%s] left as it is: %s", f.Line, f.Rule, why)
}

// dfStages splits the parsed file into stages and collects the ARG
// defaults declared before the first FROM.
func dfStages(root *parser.Node) ([]*dfStageInfo, map[string]string) {
	var stages []*dfStageInfo
	meta := map[string]string{}
	for _, n := range root.Children {
		if isInstr(n, "from") {
			st := &dfStageInfo{from: n}
			if n.Next != nil {
				st.base = n.Next.Value
				if as := n.Next.Next; as != nil && strings.EqualFold(as.Value, "as") && as.Next != nil {
					st.name = strings.ToLower(as.Next.Value)
				}
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			if isInstr(n, "arg") {
				for a := n.Next; a != nil; a = a.Next {
					k, v, _ := strings.Cut(a.Value, "=")
					meta[k] = strings.Trim(v, `"'`)
				}
			}
			continue
		}
		st := stages[len(stages)-1]
		st.nodes = append(st.nodes, n)
	}
	return stages, meta
}

// applyEdits applies non-overlapping edits, last first, so every line
// not edited keeps its bytes and its line ending.
func applyEdits(lines []kit.Line, edits []dfEdit) []byte {
	eol := "\n"
	for _, l := range lines {
		if l.Eol != "" {
			eol = l.Eol
			break
		}
	}
	// Last first; on one line, a replacement before an insertion above it.
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].start != edits[j].start {
			return edits[i].start > edits[j].start
		}
		return edits[i].end >= edits[i].start && edits[j].end < edits[j].start
	})
	for _, e := range edits {
		var repl []kit.Line
		for k, r := range e.repl {
			le := eol
			if e.end >= e.start && k == len(e.repl)-1 {
				le = lines[e.end-1].Eol // a replaced last line keeps its ending
			}
			repl = append(repl, kit.Line{Text: r, Eol: le})
		}
		if e.start > len(lines) && len(lines) > 0 && lines[len(lines)-1].Eol == "" {
			lines[len(lines)-1].Eol = eol // appending after a last line without a newline
			repl[len(repl)-1].Eol = ""
		}
		tail := append([]kit.Line(nil), lines[e.end:]...)
		lines = append(append(lines[:e.start-1], repl...), tail...)
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.Text)
		b.WriteString(l.Eol)
	}
	return []byte(b.String())
}

// stageAt returns the stage whose FROM is on line.
func stageAt(stages []*dfStageInfo, line int) *dfStageInfo {
	for _, st := range stages {
		if st.from.StartLine == line {
			return st
		}
	}
	return nil
}

// isInstr reports whether a parsed line is the instruction kw (the parser
// keeps the keyword as written).
func isInstr(n *parser.Node, kw string) bool { return strings.EqualFold(n.Value, kw) }
