package validate

import (
	"fmt"
	"sort"
	"sync"
)

// Rule describes one check: its id, the artifact kind it applies to, its
// default severity and, where one exists, the equivalent id in hadolint,
// checkov or zizmor.
type Rule struct {
	ID       string   `json:"id"`
	Kind     Kind     `json:"kind"`
	Severity Severity `json:"severity"`
	Summary  string   `json:"summary"`
	Hadolint string   `json:"hadolint,omitempty"`
	Checkov  string   `json:"checkov,omitempty"`
	Zizmor   string   `json:"zizmor,omitempty"`
	Help     string   `json:"help,omitempty"`
}

var (
	rulesMu sync.Mutex
	rules   = map[string]Rule{}
)

// register adds a rule to the registry; rule files call it from init.
// A duplicate id is a programming error.
func register(r Rule) Rule {
	rulesMu.Lock()
	defer rulesMu.Unlock()
	if _, dup := rules[r.ID]; dup {
		panic(fmt.Sprintf("validate: rule %s registered twice", r.ID))
	}
	rules[r.ID] = r
	return r
}

// Rules returns every registered rule, sorted by kind and id.
func Rules() []Rule {
	rulesMu.Lock()
	defer rulesMu.Unlock()
	out := make([]Rule, 0, len(rules))
	for _, r := range rules {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// LookupRule returns the rule with the id.
func LookupRule(id string) (Rule, bool) {
	rulesMu.Lock()
	defer rulesMu.Unlock()
	r, ok := rules[id]
	return r, ok
}

// at builds a finding of this rule at a position.
func (r Rule) at(path string, line, col int, format string, args ...any) Finding {
	return Finding{Path: path, Line: line, Col: col, Rule: r.ID, Severity: r.Severity,
		Message: fmt.Sprintf(format, args...), Help: r.Help}
}
