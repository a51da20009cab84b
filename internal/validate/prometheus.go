package validate

import (
	"log/slog"
	"regexp"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"
)

// Prometheus rule files: rulefmt parses and validates them (groups, rule
// names, PromQL expressions, label and annotation templates); our rules
// ask alerts for a for: duration, a severity label, a summary and
// description, and a runbook link.

var (
	rulePromParse = register(Rule{
		ID: "prom-parse", Kind: KindPrometheus, Severity: Error,
		Summary: "a Prometheus rules file must load: YAML, rule group layout, PromQL, templates",
		Help:    "fix the rule the message names; promtool check rules gives the same verdict",
	})
	rulePromFor = register(Rule{
		ID: "prom-for", Kind: KindPrometheus, Severity: Warning,
		Summary: "alerts wait a for: duration before firing",
		Help:    "add for: 5m (or what fits the signal) so that one bad scrape does not page; an explicit for: 0m (firing at once on purpose) is reported by strict only",
	})
	rulePromSeverity = register(Rule{
		ID: "prom-severity", Kind: KindPrometheus, Severity: Warning,
		Summary: "alerts carry a severity label",
		Help:    "add labels: {severity: critical|warning|info} for routing in Alertmanager",
	})
	rulePromAnnotations = register(Rule{
		ID: "prom-annotations", Kind: KindPrometheus, Severity: Warning,
		Summary: "alerts have summary and description annotations",
		Help:    "add annotations: {summary: ..., description: ...} that say what is wrong and where",
	})
	rulePromRunbook = register(Rule{
		ID: "prom-runbook", Kind: KindPrometheus, Severity: Note,
		Summary: "alerts link a runbook",
		Help:    "add annotations.runbook_url pointing at the page that says what to do",
	})
)

func init() {
	registerChecker(KindPrometheus, checkPrometheus)
}

// promParser parses PromQL with the default functions.
var promParser = parser.NewParser(parser.Options{})

// promLogger swallows rulefmt's warnings (multi-document files).
var promLogger = slog.New(slog.DiscardHandler)

// checkPrometheus loads a rules file and runs the alert rules on it.
func checkPrometheus(p string, content []byte) []Finding {
	docs, err := yamlDocs(content)
	if err != nil {
		return []Finding{rulePromParse.at(p, yamlErrLine(err), 0, "the YAML does not parse: %s", yamlErrText(err))}
	}
	var out []Finding
	if len(docs) > 1 {
		out = append(out, rulePromParse.at(p, 0, 0, "a rules file holds one YAML document, this one has %d: Prometheus reads only the first", len(docs)))
	}
	if len(docs) == 0 {
		return out
	}
	return append(out, checkPromGroups(p, content, ynRoot(docs[0]), true)...)
}

// checkPrometheusRuleCRD checks the groups of a prometheus-operator
// PrometheusRule; positions of load errors without one fall back to the
// rule they name.
func checkPrometheusRuleCRD(p string, doc, root *yaml.Node) []Finding {
	_, spec := ynGet(root, "spec")
	if spec == nil {
		k, _ := ynGet(root, "kind")
		return []Finding{rulePromParse.at(p, k.Line, k.Column, "the PrometheusRule has no spec.groups")}
	}
	raw, err := yaml.Marshal(spec)
	if err != nil {
		return []Finding{rulePromParse.at(p, spec.Line, spec.Column, "the PrometheusRule spec does not re-encode: %v", err)}
	}
	return checkPromGroups(p, raw, spec, false)
}

// checkPromGroups validates rule groups with rulefmt and runs the alert
// rules over the group nodes. posValid says whether rulefmt's positions
// refer to the file (false when content was re-encoded).
func checkPromGroups(p string, content []byte, root *yaml.Node, posValid bool) []Finding {
	var out []Finding
	if d := parenDepth(content); d > maxPromDepth {
		// The PromQL parser takes time quadratic in the nesting: such a
		// file would hold the gate (and a goroutine past the time limit)
		// for minutes. Real rules nest a handful of levels.
		return []Finding{ruleTimeLimit.at(p, 0, 0, "not checked: an expression is nested %d parentheses deep (more than %d), which the PromQL parser takes minutes over", d, maxPromDepth)}
	}
	_, errs := rulefmt.Parse(content, false, model.UTF8Validation, promParser, promLogger)
	for i, e := range errs {
		if i == 10 {
			break
		}
		line, col := 0, 0
		if posValid {
			line, col = promErrPos(e)
		}
		if line == 0 {
			line, col = promRulePos(root, e.Error())
		}
		out = append(out, rulePromParse.at(p, line, col, "the rules do not load: %s", promErrText(e)))
	}
	if len(errs) > 0 {
		return out
	}
	_, groups := ynGet(root, "groups")
	if groups == nil || groups.Kind != yaml.SequenceNode {
		return out
	}
	for _, g := range groups.Content {
		_, rules := ynGet(g, "rules")
		if rules == nil || rules.Kind != yaml.SequenceNode {
			continue
		}
		for _, r := range rules.Content {
			out = append(out, checkPromAlert(p, r)...)
		}
	}
	return out
}

// checkPromAlert runs the alert rules on one rule node (recording rules
// pass).
func checkPromAlert(p string, r *yaml.Node) []Finding {
	k, v := ynGet(r, "alert")
	name, _ := ynScalar(v)
	if k == nil || name == "" {
		return nil
	}
	var out []Finding
	line, col := k.Line, k.Column
	forVal, _ := ynScalar(ynPath(r, "for"))
	forVal = strings.TrimSpace(forVal)
	if d, err := model.ParseDuration(forVal); forVal == "" || err != nil {
		out = append(out, rulePromFor.at(p, line, col, "alert %s has no for: duration and fires on the first bad evaluation", name))
	} else if d == 0 {
		out = append(out, rulePromFor.at(p, line, col, "alert %s sets for: %s"+promForZeroTail, name, forVal))
	}
	if s, _ := ynScalar(ynPath(r, "labels", "severity")); strings.TrimSpace(s) == "" {
		out = append(out, rulePromSeverity.at(p, line, col, "alert %s has no severity label", name))
	}
	var missing []string
	for _, a := range []string{"summary", "description"} {
		if s, _ := ynScalar(ynPath(r, "annotations", a)); strings.TrimSpace(s) == "" {
			missing = append(missing, a)
		}
	}
	if len(missing) > 0 {
		out = append(out, rulePromAnnotations.at(p, line, col, "alert %s has no %s annotation", name, strings.Join(missing, " or ")))
	}
	if s, _ := ynScalar(ynPath(r, "annotations", "runbook_url")); strings.TrimSpace(s) == "" {
		out = append(out, rulePromRunbook.at(p, line, col, "alert %s has no runbook_url annotation", name))
	}
	return out
}

// promForZeroTail ends the prom-for message of an alert that sets a zero
// for: on purpose; the recommended preset does not report those.
const promForZeroTail = " and fires on the first bad evaluation (strict asks for a wait)"

// promForExplicitZero reports whether a prom-for message is about an
// explicit zero for: rather than a missing one.
func promForExplicitZero(msg string) bool {
	return strings.HasSuffix(msg, promForZeroTail) && strings.Contains(msg, " sets for: ")
}

var (
	promPosRe    = regexp.MustCompile(`^(\d+):(\d+): `)
	promPrefixRe = regexp.MustCompile(`^(\d+:\d+: )+`)
)

// promErrPos returns the position a rulefmt error carries.
func promErrPos(err error) (int, int) {
	msg := err.Error()
	if m := promPosRe.FindStringSubmatch(msg); m != nil {
		l, _ := strconv.Atoi(m[1])
		c, _ := strconv.Atoi(m[2])
		return l, c
	}
	return yamlErrLine(err), 0
}

var promRuleNameRe = regexp.MustCompile(`rule \d+, "([^"]+)"`)

// promRulePos finds the rule a position-less rulefmt error names under
// the mapping that holds groups.
func promRulePos(root *yaml.Node, msg string) (int, int) {
	m := promRuleNameRe.FindStringSubmatch(msg)
	if m == nil {
		return 0, 0
	}
	_, groups := ynGet(root, "groups")
	if groups == nil {
		return 0, 0
	}
	for _, g := range groups.Content {
		_, rules := ynGet(g, "rules")
		if rules == nil {
			continue
		}
		for _, r := range rules.Content {
			for _, key := range []string{"alert", "record"} {
				if k, v := ynGet(r, key); k != nil {
					if s, _ := ynScalar(v); s == m[1] {
						return k.Line, k.Column
					}
				}
			}
		}
	}
	return 0, 0
}

// promErrText makes a rulefmt error one line without its position prefix.
func promErrText(err error) string {
	s := promPrefixRe.ReplaceAllString(err.Error(), "")
	s = strings.TrimPrefix(s, "yaml: ")
	return strings.Join(strings.Fields(s), " ")
}

// maxPromDepth is the deepest parenthesis nesting a rule file may have to
// be parsed.
const maxPromDepth = 64

// parenDepth is the deepest nesting of parentheses in content.
func parenDepth(content []byte) int {
	depth, deepest := 0, 0
	for _, c := range content {
		switch c {
		case '(':
			depth++
			deepest = max(deepest, depth)
		case ')':
			depth = max(0, depth-1)
		}
	}
	return deepest
}
