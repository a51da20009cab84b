package validate

import (
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

var (
	// exprRe finds ${{ ... }} expressions.
	exprRe = regexp.MustCompile(`\$\{\{(.*?)\}\}`)
	// untrustedRe finds attacker-controlled contexts inside an expression.
	untrustedRe = regexp.MustCompile(`\bgithub\.event\b(\.[A-Za-z0-9_.*\[\]'"-]+)?|\bgithub\.head_ref\b`)
	// inputRe finds inputs.NAME and github.event.inputs.NAME references.
	inputRe = regexp.MustCompile(`\binputs\.([A-Za-z_][A-Za-z0-9_-]*)`)
)

// checkUntrusted flags attacker-controlled contexts expanded inside run:
// scripts (and actions/github-script script: inputs), where they become
// code. Inputs of workflow_dispatch/workflow_call count when they are
// strings; boolean, number and choice inputs cannot carry a payload.
func (wf *workflow) checkUntrusted() []Finding {
	safeInputs := wf.typedInputs()
	var out []Finding
	for _, j := range wf.jobs {
		for _, s := range j.steps {
			if _, n := scalar(s, "run"); n != nil {
				out = append(out, wf.scanScript(n, "run:", safeInputs)...)
			}
			if uses, _ := scalar(s, "uses"); strings.HasPrefix(uses, "actions/github-script@") {
				_, with := mapGet(s, "with")
				if _, n := scalar(with, "script"); n != nil {
					out = append(out, wf.scanScript(n, "the github-script script:", safeInputs)...)
				}
			}
		}
	}
	return out
}

// scanScript reports each untrusted expression in a script scalar at its
// own line and column.
func (wf *workflow) scanScript(n *yaml.Node, where string, safeInputs map[string]bool) []Finding {
	var out []Finding
	cursorLine, cursorCol := n.Line, 0
	for _, m := range exprRe.FindAllStringSubmatch(n.Value, -1) {
		expr := m[0]
		line, col := wf.locate(expr, &cursorLine, &cursorCol, n)
		inner := m[1]
		bad := untrustedIn(inner, safeInputs)
		if bad == "" {
			continue
		}
		out = append(out, ruleWorkflowUntrusted.at(wf.path, line, col,
			"%s is expanded inside %s and can inject code; set it in env: and read the variable instead", strings.TrimSpace(bad), where))
	}
	if len(out) > 0 {
		wf.flagged = append(wf.flagged, [2]int{n.Line, max(cursorLine, n.Line+strings.Count(n.Value, "\n")+1)})
	}
	return out
}

// locate finds expr in the source at or after the cursor, so each
// expression of a block scalar gets its own line and column; it falls back
// to the scalar's position.
func (wf *workflow) locate(expr string, line, col *int, n *yaml.Node) (int, int) {
	end := n.Line + strings.Count(n.Value, "\n") + 64
	for l := *line; l >= 1 && l <= len(wf.src) && l < end; l++ {
		from := 0
		if l == *line {
			from = *col
		}
		if from > len(wf.src[l-1]) {
			continue
		}
		if i := strings.Index(wf.src[l-1][from:], expr); i >= 0 {
			*line, *col = l, from+i+len(expr)
			return l, from + i + 1
		}
	}
	return n.Line, n.Column
}

// typedInputs returns the workflow_dispatch and workflow_call inputs whose
// type is boolean, number or choice.
func (wf *workflow) typedInputs() map[string]bool {
	safe := map[string]bool{}
	for _, ev := range []string{"workflow_dispatch", "workflow_call"} {
		_, e := mapGet(wf.on, ev)
		_, in := mapGet(e, "inputs")
		if in == nil || in.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(in.Content); i += 2 {
			switch t, _ := scalar(in.Content[i+1], "type"); t {
			case "boolean", "number", "choice", "environment":
				safe[in.Content[i].Value] = true
			}
		}
	}
	return safe
}

// safeEventSuffixes end event fields that hold numbers, ids, SHAs or
// booleans (a repository's fork and private flags are set by GitHub, not
// by whoever opens the pull request). workflow_run.head_sha and a push's
// before and after are commit SHAs too.
var safeEventSuffixes = []string{".number", ".id", ".sha", ".head_sha", ".base_sha", ".before", ".after",
	".run_id", ".run_number", ".run_attempt", ".merged", ".draft", ".fork", ".private"}

// untrustedIn returns the first attacker-controlled reference inside an
// expression, or "".
func untrustedIn(inner string, safeInputs map[string]bool) string {
	for _, u := range untrustedRe.FindAllString(inner, -1) {
		if strings.HasPrefix(u, "github.event.inputs.") {
			continue // judged below with the other inputs
		}
		safe := false
		for _, s := range safeEventSuffixes {
			if strings.HasSuffix(u, s) {
				safe = true
			}
		}
		if !safe {
			return u
		}
	}
	for _, im := range inputRe.FindAllStringSubmatch(inner, -1) {
		if !safeInputs[im[1]] {
			return im[0]
		}
	}
	return ""
}
