package validate

import (
	"strings"

	"github.com/rhysd/actionlint"
)

// actionlintConfig is the explicit, empty configuration every run uses, so
// actionlint never looks for .github/actionlint.yaml on disk.
var actionlintConfig = &actionlint.Config{}

// actionlintFindings runs every actionlint rule over the workflow through
// its library API: Parse plus the rule visitors, with no project (so no
// file outside content is read), no shellcheck or pyflakes processes and no
// network. Findings our own untrusted-context rule already reported on the
// script are dropped, and so is actionlint's "unexpected key" on the
// concurrency queue: keys at queueLines (checkConcurrencyQueue checks
// them; actionlint v1.7.12 predates GitHub's queue property).
func actionlintFindings(path string, content []byte, flagged [][2]int, queueLines map[int]bool) []Finding {
	w, errs := actionlint.Parse(content)
	if w != nil {
		rules := []actionlint.Rule{
			actionlint.NewRuleMatrix(),
			actionlint.NewRuleCredentials(),
			actionlint.NewRuleShellName(),
			actionlint.NewRuleRunnerLabel(),
			actionlint.NewRuleEvents(),
			actionlint.NewRuleJobNeeds(),
			actionlint.NewRuleAction(actionlint.NewLocalActionsCache(nil, nil)),
			actionlint.NewRuleEnvVar(),
			actionlint.NewRuleID(),
			actionlint.NewRuleGlob(),
			actionlint.NewRulePermissions(),
			actionlint.NewRuleWorkflowCall(path, actionlint.NewLocalReusableWorkflowCache(nil, ".", nil)),
			actionlint.NewRuleExpression(actionlint.NewLocalActionsCache(nil, nil), actionlint.NewLocalReusableWorkflowCache(nil, ".", nil)),
			actionlint.NewRuleDeprecatedCommands(),
			actionlint.NewRuleIfCond(),
		}
		v := actionlint.NewVisitor()
		for _, r := range rules {
			r.SetConfig(actionlintConfig)
			v.AddPass(r)
		}
		if err := v.Visit(w); err != nil {
			return []Finding{ruleWorkflowActionlint.at(path, 0, 0, "actionlint could not walk the workflow: %v", err)}
		}
		for _, r := range rules {
			errs = append(errs, r.Errs()...)
		}
	}
	injected := func(line int) bool {
		for _, r := range flagged {
			if line >= r[0] && line <= r[1] {
				return true
			}
		}
		return false
	}
	seen := map[string]bool{}
	var out []Finding
	for _, e := range errs {
		if e == nil {
			continue
		}
		if injected(e.Line) && strings.Contains(e.Message, "potentially untrusted") {
			continue
		}
		if queueLines[e.Line] && strings.Contains(e.Message, `unexpected key "queue" for "concurrency" section`) {
			continue
		}
		r := ruleWorkflowActionlint
		r.ID = "workflow-actionlint-" + e.Kind
		f := r.at(path, e.Line, e.Column, "%s", e.Message)
		key := f.String()
		if seen[key] {
			continue // aliases can report an error twice
		}
		seen[key] = true
		out = append(out, f)
	}
	return out
}
