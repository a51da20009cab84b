package builtin

import (
	"bytes"
	"fmt"
	"path"
	"reflect"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"gopkg.in/yaml.v3"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// A specialist that edits a person's file (a Compose service added, a
// USER line in a Dockerfile) is answerable for the lines it adds, not for
// the lines the file already had: a development password or a ${HOME}
// mount in an existing compose.yaml is the repository's data. The gate
// checks whole files, so it refuses such a change for the old lines. The
// repair round answers that: each refused line that the file already had,
// with the same finding, gets a "devops-lead:ignore RULE reason" comment
// above it (a comment only, nothing the file means changes), and the note
// lists them. A finding on a line this change wrote is still a bug.

// humanIgnoreReason is the reason written into the ignore comments.
const humanIgnoreReason = "the repository's own line, left as it was by devops-lead"

// acknowledgeHuman answers a repair round. It returns the previous
// ChangeSet with the human lines marked, or nil and an error that says
// what to do when a finding cannot be put on the repository's account.
func acknowledgeHuman(in engine.WorkInput) (*change.ChangeSet, error) {
	if in.Previous == nil {
		return nil, nil
	}
	byPath := map[string][]validate.Finding{}
	for _, f := range in.Findings {
		byPath[f.Path] = append(byPath[f.Path], f)
	}
	for p := range byPath {
		if in.Previous.Get(p) == nil {
			return nil, nil
		}
	}
	out := change.New(in.Previous.TaskID, in.Previous.Mode)
	for _, f := range in.Previous.Files {
		if f.Op == change.Delete {
			return nil, nil
		}
		content, note := f.Content, f.Note
		if fs := byPath[f.Path]; len(fs) > 0 {
			marked, what, ok := markHumanLines(f, fs)
			if !ok {
				return nil, nil
			}
			if what == "" {
				return nil, fmt.Errorf("the gate refuses lines %s already had (%s): devops-lead leaves them as they are but cannot mark them; fix them, or add a comment \"# devops-lead:ignore RULE reason\" above each, then ask again",
					f.Path, describeFindings(fs))
			}
			content = marked
			note += "; a devops-lead:ignore comment now sits above each line the file already had that the gate refuses, so those lines do not hold this change: " + what
		}
		out.Put(f.Path, content, f.Old, note)
	}
	return out, nil
}

// markHumanLines adds an ignore comment above each refused line of f that
// the old file had with the same finding. ok is false when a finding is
// on a line this change wrote (a bug); what is "" when the lines are the
// file's own but cannot be marked safely.
func markHumanLines(f *change.File, fs []validate.Finding) (marked []byte, what string, ok bool) {
	if f.Op != change.Modify || f.Old == nil {
		return nil, "", false
	}
	lines := splitLines(f.Content)
	text := func(n int) string {
		if n < 1 || n > len(lines) {
			return ""
		}
		return strings.TrimSpace(lines[n-1].text)
	}
	oldLines := splitLines(f.Old)
	base := map[string]int{}
	for _, o := range validate.Errors(validate.CheckFile(f.Path, f.Old, validate.Options{})) {
		if o.Line >= 1 && o.Line <= len(oldLines) {
			base[o.Rule+"\x00"+o.Message+"\x00"+strings.TrimSpace(oldLines[o.Line-1].text)]++
		}
	}
	rules := map[int]string{}
	var parts []string
	for _, x := range fs {
		key := x.Rule + "\x00" + x.Message + "\x00" + text(x.Line)
		if x.Line < 1 || x.Line > len(lines) || base[key] == 0 {
			return nil, "", false
		}
		base[key]--
		if r, dup := rules[x.Line]; dup && r != x.Rule {
			return nil, "", true // one comment line holds one rule
		}
		rules[x.Line] = x.Rule
		parts = append(parts, fmt.Sprintf("line %d [%s]", x.Line, x.Rule))
	}
	name := path.Base(f.Path)
	yamlFile := strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml")
	if !yamlFile && !strings.Contains(strings.ToLower(name), "dockerfile") {
		return nil, "", true
	}
	var at []int
	for l := range rules {
		at = append(at, l)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(at)))
	eol := "\n"
	if len(lines) > 0 && lines[0].eol != "" {
		eol = lines[0].eol
	}
	for _, l := range at {
		t := lines[l-1].text
		indent := t[:len(t)-len(strings.TrimLeft(t, " \t"))]
		c := dfLine{text: indent + "# devops-lead:ignore " + rules[l] + " " + humanIgnoreReason, eol: eol}
		lines = append(lines[:l-1], append([]dfLine{c}, lines[l-1:]...)...)
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.text + l.eol)
	}
	marked = []byte(b.String())
	if !sameMeaning(yamlFile, f.Content, marked) {
		return nil, "", true
	}
	return marked, strings.Join(parts, "; "), true
}

// sameMeaning reports whether adding the comment lines left what the file
// means unchanged: the same YAML values, or the same Dockerfile
// instructions.
func sameMeaning(yamlFile bool, a, b []byte) bool {
	if yamlFile {
		var x, y any
		return yaml.Unmarshal(a, &x) == nil && yaml.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
	}
	ra, errA := parser.Parse(bytes.NewReader(a))
	rb, errB := parser.Parse(bytes.NewReader(b))
	if errA != nil || errB != nil || len(ra.AST.Children) != len(rb.AST.Children) {
		return false
	}
	for i := range ra.AST.Children {
		if ra.AST.Children[i].Original != rb.AST.Children[i].Original {
			return false
		}
	}
	return true
}
