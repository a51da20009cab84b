package validate

import (
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

var fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// checkUses flags steps and reusable-workflow calls whose uses: is not pinned
// to a commit SHA (or a docker:// image not pinned to a digest), and
// secrets: inherit on calls.
func (wf *workflow) checkUses() []Finding {
	var out []Finding
	for _, j := range wf.jobs {
		if v, n := scalar(j.node, "uses"); n != nil {
			out = append(out, wf.checkUsesValue(v, n)...)
		}
		if v, n := scalar(j.node, "secrets"); n != nil && strings.TrimSpace(v) == "inherit" {
			out = append(out, ruleWorkflowSecretsInherit.at(wf.path, n.Line, n.Column,
				"job %s passes every secret to the called workflow with secrets: inherit; list only the secrets it needs", j.id))
		}
		for _, s := range j.steps {
			if v, n := scalar(s, "uses"); n != nil {
				out = append(out, wf.checkUsesValue(v, n)...)
			}
		}
	}
	return out
}

func (wf *workflow) checkUsesValue(uses string, n *yaml.Node) []Finding {
	uses = strings.TrimSpace(uses)
	switch {
	case uses == "" || strings.HasPrefix(uses, "./"):
		return nil // local actions and workflows are versioned with the repo
	case strings.HasPrefix(uses, "docker://"):
		if strings.Contains(uses, "@sha256:") {
			return nil
		}
		return []Finding{ruleWorkflowUnpinned.at(wf.path, n.Line, n.Column,
			"%s is not pinned to an image digest; use docker://image@sha256:<digest> from the registry", uses)}
	}
	name, ref, ok := strings.Cut(uses, "@")
	if !ok || ref == "" {
		return []Finding{ruleWorkflowUnpinned.at(wf.path, n.Line, n.Column,
			"%s has no ref; pin it as %s@<40-hex commit SHA> # <version>", uses, name)}
	}
	if fullSHA.MatchString(ref) {
		return nil
	}
	return []Finding{ruleWorkflowUnpinned.at(wf.path, n.Line, n.Column,
		"%s is pinned to %q, which can move; pin it to the full 40-character commit SHA of that release (keep %q in a comment)", name, ref, ref)}
}
