package validate

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// The workflow rules. Each has a zizmor equivalent where one exists.
var (
	ruleWorkflowParse = register(Rule{
		ID: "workflow-parse", Kind: KindWorkflow, Severity: Error,
		Summary: "a workflow file must be valid YAML with a mapping at the top",
		Help:    "fix the YAML syntax at the reported line; a workflow is a mapping with on: and jobs:",
	})
	ruleWorkflowActionlint = register(Rule{
		ID: "workflow-actionlint", Kind: KindWorkflow, Severity: Error,
		Summary: "every actionlint check (findings carry the id workflow-actionlint-<actionlint kind>)",
		Help:    "see https://github.com/rhysd/actionlint/blob/main/docs/checks.md for the check named after the prefix",
	})
	ruleWorkflowUnpinned = register(Rule{
		ID: "workflow-unpinned-action", Kind: KindWorkflow, Severity: Error, Zizmor: "unpinned-uses",
		Summary: "uses: must pin an action or reusable workflow to a full 40-character commit SHA (docker:// to an @sha256 digest)",
		Help:    "write uses: owner/repo@<40-hex commit SHA> # vX.Y.Z, taking the SHA from the project's pin table or the GitHub API; never guess one",
	})
	ruleWorkflowPermissions = register(Rule{
		ID: "workflow-permissions", Kind: KindWorkflow, Severity: Error, Zizmor: "excessive-permissions",
		Summary: "a workflow declares least-privilege permissions: at the top (missing is an error, broad write grants a warning)",
		Help:    "add `permissions: {contents: read}` at the top and grant write scopes only on the jobs that need them",
	})
	ruleWorkflowBroadPermissions = Rule{
		ID: ruleWorkflowPermissions.ID, Kind: KindWorkflow, Severity: Warning, Zizmor: "excessive-permissions",
		Help: ruleWorkflowPermissions.Help,
	}
	ruleWorkflowUntrusted = register(Rule{
		ID: "workflow-untrusted-context-in-run", Kind: KindWorkflow, Severity: Error, Zizmor: "template-injection",
		Summary: "attacker-controlled context (github.event.*, github.head_ref, string inputs) must not be expanded inside run: or a script",
		Help:    "pass the value through env: (env: {TITLE: ${{ github.event.issue.title }}}) and use \"$TITLE\" in the script",
	})
	ruleWorkflowDangerousTrigger = register(Rule{
		ID: "workflow-dangerous-trigger", Kind: KindWorkflow, Severity: Warning, Zizmor: "dangerous-triggers",
		Summary: "pull_request_target and workflow_run run with secrets on code from forks",
		Help:    "prefer pull_request; if the trigger is needed, never check out or run the untrusted head and keep permissions read-only",
	})
	ruleWorkflowConcurrencyQueue = register(Rule{
		ID: "workflow-concurrency-queue", Kind: KindWorkflow, Severity: Error,
		Summary: "concurrency: queue must be single or max, and max needs cancel-in-progress off",
		Help:    "write queue: max (up to 100 waiting runs, none dropped) or queue: single (the default), and leave cancel-in-progress false or unset with max",
	})
	ruleWorkflowPersistCredentials = register(Rule{
		ID: "workflow-persist-credentials", Kind: KindWorkflow, Severity: Warning, Zizmor: "artipacked",
		Summary: "actions/checkout leaves the token in .git/config unless persist-credentials: false",
		Help:    "add `with: {persist-credentials: false}` to the checkout step of jobs that do not push",
	})
	ruleWorkflowSecretsInherit = register(Rule{
		ID: "workflow-secrets-inherit", Kind: KindWorkflow, Severity: Error, Zizmor: "secrets-inherit",
		Summary: "secrets: inherit hands every secret to the called workflow",
		Help:    "pass only the secrets the called workflow needs: secrets: {NAME: ${{ secrets.NAME }}}",
	})
)

func init() { registerChecker(KindWorkflow, checkWorkflow) }

// workflow is a parsed workflow file: the yaml.v3 tree for positions and the
// jobs in source order.
type workflow struct {
	path  string
	src   []string // source lines, for columns inside scalars
	root  *yaml.Node
	on    *yaml.Node // value of on:, nil when absent
	perms *yaml.Node // value of the top-level permissions:, nil when absent
	jobs  []wfJob
	// flagged are the line ranges of scripts where our untrusted-context
	// rule reported, so actionlint's duplicate finding can be dropped.
	flagged [][2]int
}

// wfJob is one job of a workflow.
type wfJob struct {
	id    string
	key   *yaml.Node
	node  *yaml.Node // the job mapping
	steps []*yaml.Node
}

// checkWorkflow runs actionlint and our rules over one workflow file.
func checkWorkflow(path string, content []byte) []Finding {
	wf, err := parseWorkflow(path, content)
	if err != nil {
		line := 0
		var pe *workflowParseError
		if errors.As(err, &pe) {
			line = pe.line
		}
		return []Finding{ruleWorkflowParse.at(path, line, 0, "%v", err)}
	}
	var out []Finding
	out = append(out, wf.checkUses()...)
	out = append(out, wf.checkPermissions()...)
	out = append(out, wf.checkUntrusted()...)
	out = append(out, wf.checkTriggers()...)
	out = append(out, wf.checkPersistCredentials()...)
	queues, qf := wf.checkConcurrencyQueue()
	out = append(out, qf...)
	out = append(out, actionlintFindings(path, content, wf.flagged, queues)...)
	return out
}

// workflowParseError is a YAML syntax error with its line.
type workflowParseError struct {
	line int
	msg  string
}

func (e *workflowParseError) Error() string { return e.msg }

// parseWorkflow parses the YAML and indexes the parts our rules read.
func parseWorkflow(path string, content []byte) (*workflow, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(content))
	if err := dec.Decode(&doc); err != nil {
		return nil, &workflowParseError{line: yamlErrorLine(err),
			msg: fmt.Sprintf("the workflow is not valid YAML: %v; fix the syntax", err)}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, &workflowParseError{line: 1,
			msg: "the workflow must be a YAML mapping with on: and jobs: keys"}
	}
	wf := &workflow{path: path, src: strings.Split(string(content), "\n"), root: doc.Content[0]}
	_, wf.on = mapGet(wf.root, "on")
	_, wf.perms = mapGet(wf.root, "permissions")
	if _, jobs := mapGet(wf.root, "jobs"); jobs != nil && jobs.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(jobs.Content); i += 2 {
			j := wfJob{id: jobs.Content[i].Value, key: jobs.Content[i], node: jobs.Content[i+1]}
			if j.node.Kind != yaml.MappingNode {
				continue
			}
			if _, steps := mapGet(j.node, "steps"); steps != nil && steps.Kind == yaml.SequenceNode {
				for _, s := range steps.Content {
					if s.Kind == yaml.MappingNode {
						j.steps = append(j.steps, s)
					}
				}
			}
			wf.jobs = append(wf.jobs, j)
		}
	}
	return wf, nil
}

// yamlErrorLine pulls the line out of a yaml.v3 error ("yaml: line 3: ...").
func yamlErrorLine(err error) int {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return 0
	}
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		n := 0
		for _, c := range msg[i+5:] {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
			if n > 1<<30 {
				return 0
			}
		}
		return n
	}
	return 0
}

// mapGet returns the key and value nodes of key in a mapping node, or nils.
func mapGet(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// scalar returns the value of key in a mapping when it is a scalar.
func scalar(m *yaml.Node, key string) (string, *yaml.Node) {
	_, v := mapGet(m, key)
	if v == nil || v.Kind != yaml.ScalarNode {
		return "", nil
	}
	return v.Value, v
}
