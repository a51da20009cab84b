package validate

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Off is the severity that turns a rule off in a Policy: its findings are
// dropped.
const Off Severity = "off"

// The presets a Policy starts from.
const (
	// PresetStrict keeps every rule at its registered severity: the gate
	// the engine runs on the files it writes, and the policy of
	// devops-lead validate --strict.
	PresetStrict = "strict"
	// PresetRecommended is the default of devops-lead validate: the
	// rules the wider ecosystem treats as advice (non-root users, the
	// restricted pod security profile, pinning actions of third parties)
	// are warnings, and first-party actions (actions/*, github/*) may
	// be pinned to a release tag.
	PresetRecommended = "recommended"
)

// Presets lists the preset names, the default first.
func Presets() []string { return []string{PresetRecommended, PresetStrict} }

// presetRecommended says how recommended differs from strict, rule by rule,
// and why; each entry is a registered rule id (a test checks).
var presetRecommended = map[string]struct {
	sev Severity
	why string
}{
	"workflow-unpinned-action": {Warning, "as zizmor's default policy: an action of a third party should be pinned to a commit SHA; actions/* and github/* may use a release tag, which is then not reported"},
	"dockerfile-user-missing":  {Warning, "hadolint DL3002 is a warning"},
	"dockerfile-user-root":     {Warning, "hadolint DL3002 is a warning"},
	"k8s-run-as-non-root":      {Warning, "Pod Security Standards: restricted profile, not baseline"},
	"k8s-privilege-escalation": {Warning, "Pod Security Standards: restricted profile, not baseline"},
	"k8s-capabilities":         {Warning, "Pod Security Standards: dropping ALL is the restricted profile"},
	"k8s-seccomp":              {Warning, "Pod Security Standards: restricted profile, not baseline"},
	"k8s-readonly-rootfs":      {Warning, "not in the Pod Security Standards; kube-score and checkov advise it"},
	"compose-healthcheck":      {Warning, "Compose does not require a healthcheck"},
	"helm-chart-v1":            {Warning, "Helm 3 installs apiVersion v1 charts; v2 is what helm create writes"},
}

// Policy decides the severity of each finding: a preset, then per-rule
// overrides. The zero Policy is strict without overrides.
type Policy struct {
	// Preset is PresetStrict, PresetRecommended or "" (strict).
	Preset string
	// Rules maps a rule id (a registered rule, a finding id of a rule
	// family such as workflow-actionlint-expression, or shellcheck/SCnnnn)
	// to its severity or Off. An override wins over the preset.
	Rules map[string]Severity
}

// ParseSeverity reads a severity name as a policy takes it: error,
// warning, note or off.
func ParseSeverity(s string) (Severity, error) {
	switch v := Severity(strings.ToLower(strings.TrimSpace(s))); v {
	case Error, Warning, Note, Off:
		return v, nil
	}
	return "", fmt.Errorf("unknown severity %q: use error, warning, note or off", s)
}

// reShellcheckCode is a finding id of one shellcheck check.
var reShellcheckCode = regexp.MustCompile(`^shellcheck/SC[0-9]{4}$`)

// CheckRuleName reports an error naming the valid ids when id cannot be
// given a severity: a registered rule, a family member ("workflow-actionlint-"
// + an actionlint kind) or one shellcheck code ("shellcheck/SC2086").
func CheckRuleName(id string) error {
	if _, ok := LookupRule(id); ok {
		return nil
	}
	if reShellcheckCode.MatchString(id) {
		return nil
	}
	if strings.HasPrefix(id, ruleWorkflowActionlint.ID+"-") && len(id) > len(ruleWorkflowActionlint.ID)+1 {
		return nil
	}
	var near, all []string
	for _, r := range Rules() {
		all = append(all, r.ID)
		if strings.HasPrefix(r.ID, id) || strings.HasPrefix(id, r.ID) {
			near = append(near, r.ID)
		}
	}
	sort.Strings(all)
	msg := fmt.Sprintf("unknown rule %q", id)
	if len(near) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(near, " or "))
	}
	return fmt.Errorf("%s; valid rules are %s, workflow-actionlint-<kind> and shellcheck/SC<code> (see docs/rules.md)", msg, strings.Join(all, ", "))
}

// Check reports the first problem of the policy: an unknown preset, an
// unknown rule or a severity that is not error, warning, note or off.
func (p Policy) Check() error {
	switch p.Preset {
	case "", PresetStrict, PresetRecommended:
	default:
		return fmt.Errorf("unknown preset %q: use %s", p.Preset, strings.Join(Presets(), " or "))
	}
	ids := make([]string, 0, len(p.Rules))
	for id := range p.Rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if err := CheckRuleName(id); err != nil {
			return err
		}
		if _, err := ParseSeverity(string(p.Rules[id])); err != nil {
			return fmt.Errorf("rule %s: %w", id, err)
		}
	}
	return nil
}

// PresetSeverity returns a registered rule's severity under a preset
// (strict when the name is unknown), before any override.
func PresetSeverity(preset string, r Rule) Severity {
	if preset == PresetRecommended {
		if e, ok := presetRecommended[r.ID]; ok {
			return e.sev
		}
	}
	return r.Severity
}

// PresetReason says why recommended gives a rule another severity than
// strict, or "" when it does not.
func PresetReason(id string) string { return presetRecommended[id].why }

// familyOf returns the registered rule a finding id belongs to:
// "shellcheck/SC2086" to shellcheck, "workflow-actionlint-expression" to
// workflow-actionlint.
func familyOf(id string) (Rule, bool) {
	if fam, _, ok := strings.Cut(id, "/"); ok {
		if r, ok := LookupRule(fam); ok {
			return r, true
		}
	}
	return ruleOrFamily(id)
}

// Apply returns the findings with the policy's severities; findings of a
// rule that is off, and, under recommended, tag-pinned first-party actions
// and alerts written with an explicit for: 0s, are dropped. The input is not modified.
func (p Policy) Apply(fs []Finding) []Finding {
	if p.Preset != PresetRecommended && len(p.Rules) == 0 {
		return fs
	}
	out := make([]Finding, 0, len(fs))
	for _, f := range fs {
		sev, ok := p.severity(f)
		if !ok || sev == Off {
			continue
		}
		f.Severity = sev
		out = append(out, f)
	}
	return out
}

// severity is the severity of one finding under the policy; ok is false
// when the preset drops the finding.
func (p Policy) severity(f Finding) (Severity, bool) {
	if s, ok := p.Rules[f.Rule]; ok {
		return s, true
	}
	fam, hasFam := familyOf(f.Rule)
	if hasFam {
		if s, ok := p.Rules[fam.ID]; ok {
			return s, true
		}
	}
	if p.Preset != PresetRecommended || !hasFam {
		return f.Severity, true
	}
	if fam.ID == ruleWorkflowUnpinned.ID && firstPartyTagPin(f.Message) {
		return Off, false
	}
	if fam.ID == rulePromFor.ID && promForExplicitZero(f.Message) {
		return Off, false // the author chose to fire at once
	}
	if e, ok := presetRecommended[fam.ID]; ok && fam.ID == f.Rule {
		return e.sev, true
	}
	return f.Severity, true
}

// firstPartyTagPin reports whether a workflow-unpinned-action message is
// about an action of GitHub's own (actions/* or github/*) pinned to a ref:
// the messages start with the action's name and say "is pinned to".
func firstPartyTagPin(msg string) bool {
	name, rest, ok := strings.Cut(msg, " ")
	if !ok || !strings.HasPrefix(rest, "is pinned to ") {
		return false
	}
	return strings.HasPrefix(name, "actions/") || strings.HasPrefix(name, "github/")
}
