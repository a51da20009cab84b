package compose

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"gopkg.in/yaml.v3"
)

// The text splice of a Compose merge: new lines go in at the end of a
// block, re-indented to the file's style, and the result is checked to
// hold every old service unchanged.

// spliceCompose inserts the services and volumes of fresh (a rendered
// Compose file) into old as new lines, re-indented to old's indentation.
func spliceCompose(h *humanCompose, old []byte, fresh string) ([]byte, error) {
	if h.services.Style&yaml.FlowStyle != 0 || len(h.services.Content) == 0 {
		return nil, fmt.Errorf("its services: mapping is empty or written in flow style")
	}
	lines := kit.SplitLines(old)
	svcIndent := h.services.Content[0].Column - 1
	unit := 2
	if first := h.services.Content[1]; first.Kind == yaml.MappingNode && len(first.Content) > 0 && first.Content[0].Column-1 > svcIndent {
		unit = first.Content[0].Column - 1 - svcIndent
	}
	svcBlock, volBlock := freshBlocks(fresh)
	reindent := func(block []string, base int) []string {
		var out []string
		for _, l := range block {
			n := len(l) - len(strings.TrimLeft(l, " "))
			out = append(out, strings.Repeat(" ", base+(n/2-1)*unit)+l[n:])
		}
		return out
	}
	type insertion struct {
		at    int // 0-based line index to insert before
		lines []string
	}
	var ins []insertion
	ins = append(ins, insertion{blockEnd(h.root, "services", lines), reindent(svcBlock, svcIndent)})
	if len(volBlock) > 0 {
		vols := kit.MapValue(h.root, "volumes")
		switch {
		case vols == nil:
			block := append([]string{"", "volumes:"}, reindent(volBlock, svcIndent)...)
			ins = append(ins, insertion{blockEnd(h.root, "", lines), block})
		case vols.Kind == yaml.MappingNode && vols.Style&yaml.FlowStyle == 0 && len(vols.Content) > 0:
			ins = append(ins, insertion{blockEnd(h.root, "volumes", lines), reindent(volBlock, vols.Content[0].Column-1)})
		case vols.Kind == yaml.ScalarNode && vols.Tag == "!!null" && vols.Value == "":
			ins = append(ins, insertion{keyLine(h.root, "volumes"), reindent(volBlock, svcIndent)})
		default:
			return nil, fmt.Errorf("its volumes: is written in a form the merge does not edit")
		}
	}
	eol := "\n"
	for _, l := range lines {
		if l.Eol != "" {
			eol = l.Eol
			break
		}
	}
	if len(lines) > 0 && lines[len(lines)-1].Eol == "" {
		lines[len(lines)-1].Eol = eol
	}
	// Insert the later block first so the earlier index stays right.
	if len(ins) == 2 && ins[1].at < ins[0].at {
		ins[0], ins[1] = ins[1], ins[0]
	}
	for k := len(ins) - 1; k >= 0; k-- {
		var add []kit.Line
		for _, l := range ins[k].lines {
			add = append(add, kit.Line{Text: l, Eol: eol})
		}
		tail := append([]kit.Line(nil), lines[ins[k].at:]...)
		lines = append(append(lines[:ins[k].at], add...), tail...)
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.Text + l.Eol)
	}
	out := []byte(b.String())
	if err := sameServices(old, out); err != nil {
		return nil, err
	}
	return out, nil
}

// freshBlocks returns the lines under services: and volumes: of a
// rendered Compose file, without trailing blank lines.
func freshBlocks(fresh string) (svc, vol []string) {
	var cur *[]string
	for _, l := range strings.Split(fresh, "\n") {
		switch {
		case l == "services:":
			cur = &svc
		case l == "volumes:":
			cur = &vol
		case cur != nil && strings.HasPrefix(l, " "):
			*cur = append(*cur, l)
		case cur != nil && strings.TrimSpace(l) != "":
			cur = nil
		}
	}
	return svc, vol
}

// keyLine returns the 0-based index of the line after a top-level key.
func keyLine(root *yaml.Node, key string) int {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == key {
			return root.Content[i].Line
		}
	}
	return 0
}

// blockEnd returns the 0-based line index just after the block of the
// top-level key (or of the whole file when key is ""): before the next
// top-level key and the blank lines and column-0 comments above it, or
// before the file's trailing blank lines.
func blockEnd(root *yaml.Node, key string, lines []kit.Line) int {
	start, next := 0, len(lines)
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == key {
			start = root.Content[i].Line
		}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if l := root.Content[i].Line - 1; key != "" && l >= start && l < next {
			next = l
		}
	}
	at := next
	for at > start {
		t := lines[at-1].Text
		if strings.TrimSpace(t) == "" || (next < len(lines) && strings.HasPrefix(t, "#")) || strings.TrimSpace(t) == "..." {
			at--
			continue
		}
		break
	}
	return at
}

// sameServices checks that the merged file still holds every service and
// top-level key of the original with the same values, and parses.
func sameServices(old, merged []byte) error {
	var a, b map[string]any
	if err := yaml.Unmarshal(old, &a); err != nil {
		return err
	}
	if err := yaml.Unmarshal(merged, &b); err != nil {
		return fmt.Errorf("the merged file does not parse: %w", err)
	}
	for k, v := range a {
		if k == "services" || k == "volumes" {
			am, _ := v.(map[string]any)
			bm, _ := b[k].(map[string]any)
			for name, sv := range am {
				if !reflect.DeepEqual(sv, bm[name]) {
					return fmt.Errorf("%s %s would change", k, name)
				}
			}
			continue
		}
		if !reflect.DeepEqual(v, b[k]) {
			return fmt.Errorf("the top-level %s would change", k)
		}
	}
	return nil
}
