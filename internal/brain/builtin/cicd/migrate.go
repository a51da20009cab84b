package cicd

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/workspace"
	"gopkg.in/yaml.v3"
)

// The configuration files of the CI systems a migration reads.
const (
	TravisConfigPath   = ".travis.yml"
	CircleCIConfigPath = ".circleci/config.yml"
)

// ciMigrateSources maps Params["migrate"] to the file it reads.
var ciMigrateSources = map[string]string{"travis": TravisConfigPath, "circleci": CircleCIConfigPath}

// ciParseMigrate reads Params["migrate"]: travis or circleci (also
// "circle", "travis-ci", "travisci").
func ciParseMigrate(task, v string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return "", nil
	case "travis", "travis-ci", "travisci":
		return "travis", nil
	case "circleci", "circle", "circle-ci":
		return "circleci", nil
	}
	return "", fmt.Errorf("task %s: params migrate is %q; use travis or circleci", task, v)
}

// ciMigration is what a translation gathers.
type ciMigration struct {
	from     string // the file read
	jobs     []cxJob
	notes    []string
	skipped  []string // "not translated: ..." items
	used     map[string]bool
	checkout cxStep
	// conds are the job conditions translated from CircleCI filters, by
	// CircleCI job name.
	conds map[string]string
}

func (m *ciMigration) skip(format string, args ...any) {
	m.skipped = append(m.skipped, fmt.Sprintf(format, args...))
}

// ciWriteMigrated translates the Travis CI or CircleCI configuration into
// the CI workflow: language versions become a matrix over the pinned
// setup action, database services become job services with health
// checks, plain environment values are kept and secret ones become
// ${{ secrets.NAME }}, and the install and script phases become run
// steps. What has no faithful translation (deploy providers, orbs other
// than the common ones, branch filters, notifications) is listed in the
// note as "not translated". The old file is kept.
func ciWriteMigrated(in engine.WorkInput, p ciParams, existing []ciExisting, cs *change.ChangeSet) error {
	src := ciMigrateSources[p.Migrate]
	if in.Workspace == nil || !workspace.Exists(in.Workspace, src) {
		alt := ""
		if p.Migrate == "travis" && in.Workspace != nil && workspace.Exists(in.Workspace, ".travis.yaml") {
			alt = ".travis.yaml"
		}
		if alt == "" {
			return fmt.Errorf("task %s asks to migrate from %s, but the repository has no %s", in.Task.ID, p.Migrate, src)
		}
		src = alt
	}
	b, err := workspace.ReadFile(in.Workspace, src, 0)
	if err != nil {
		return fmt.Errorf("read %s: %w", src, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("task %s: %s does not parse as YAML, so it cannot be translated: %w", in.Task.ID, src, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("task %s: %s is not a YAML mapping, so it cannot be translated", in.Task.ID, src)
	}
	co, err := ciCheckout()
	if err != nil {
		return err
	}
	m := &ciMigration{from: src, used: map[string]bool{}, conds: map[string]string{}, checkout: cxFrom([]ciStep{co})[0]}
	if workspace.Exists(in.Workspace, ".gitmodules") {
		m.checkout.With = append(m.checkout.With, ciKV{Key: "submodules", Value: "recursive"})
	}
	if p.Migrate == "travis" {
		err = m.travis(doc.Content[0])
	} else {
		err = m.circle(doc.Content[0])
	}
	if err != nil {
		return fmt.Errorf("task %s: %s: %w", in.Task.ID, src, err)
	}
	if len(m.jobs) == 0 {
		return fmt.Errorf("task %s: %s has no job to translate", in.Task.ID, src)
	}
	data := cxWorkflow{
		Name: "CI",
		Comments: []string{
			"Translated from " + src + " on pushes to the default branch and on pull requests.",
			src + " is kept; delete it once this workflow passes.",
		},
		On:               []string{"push:", "  branches: [" + kit.YAMLScalar(p.Branch) + "]", "pull_request:"},
		Group:            "${{ github.workflow }}-${{ github.ref }}",
		CancelInProgress: "true",
		Jobs:             m.jobs,
	}
	out, err := templates.Render("jobs.yml.tmpl", data)
	if err != nil {
		return err
	}
	notes := []string{fmt.Sprintf("translated from %s (%d job(s)); %s is kept: delete it once this workflow passes", src, len(m.jobs), src)}
	notes = append(notes, m.notes...)
	if len(m.skipped) > 0 {
		notes = append(notes, "not translated: "+strings.Join(ciDedupe(m.skipped), "; not translated: "))
	}
	cs.Put(CITarget(existing), out, nil, strings.Join(ciDedupe(notes), "; "))
	return nil
}

// ciScalars returns a scalar's value, or a sequence's scalar values.
func ciScalars(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" || n.Value == "" {
			return nil
		}
		return []string{n.Value}
	case yaml.SequenceNode:
		var out []string
		for _, c := range n.Content {
			if c.Kind == yaml.ScalarNode && c.Tag != "!!null" && c.Value != "" {
				out = append(out, c.Value)
			}
		}
		return out
	}
	return nil
}

// ciMapKeys returns a mapping's keys in document order.
func ciMapKeys(n *yaml.Node) []string {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var out []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, n.Content[i].Value)
	}
	return out
}

var (
	ciEnvNameRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,99}$`)
	ciSecretNameRE = regexp.MustCompile(`(?i)(password|passwd|secret|token|api_?key|private_?key|access_?key|credentials?)`)
	// ciCIVarRE are the other system's own variables, which GitHub does
	// not set.
	ciTravisVarRE = regexp.MustCompile(`\$\{?(TRAVIS_[A-Z_]+)`)
	ciCircleVarRE = regexp.MustCompile(`\$\{?(CIRCLE_[A-Z0-9_]+)`)
)

// ciVarMap maps the other system's variables to GitHub's expressions.
var ciVarMap = map[string]string{
	"TRAVIS_BUILD_DIR": "${{ github.workspace }}", "TRAVIS_COMMIT": "${{ github.sha }}",
	"TRAVIS_BRANCH": "${{ github.head_ref || github.ref_name }}", "TRAVIS_TAG": "${{ github.ref_type == 'tag' && github.ref_name || '' }}",
	"TRAVIS_REPO_SLUG": "${{ github.repository }}", "TRAVIS_BUILD_NUMBER": "${{ github.run_number }}",
	"TRAVIS_EVENT_TYPE": "${{ github.event_name }}",
	"CIRCLE_SHA1":       "${{ github.sha }}", "CIRCLE_BRANCH": "${{ github.head_ref || github.ref_name }}",
	"CIRCLE_TAG": "${{ github.ref_type == 'tag' && github.ref_name || '' }}", "CIRCLE_BUILD_NUM": "${{ github.run_number }}",
	"CIRCLE_WORKING_DIRECTORY": "${{ github.workspace }}", "CIRCLE_PROJECT_REPONAME": "${{ github.event.repository.name }}",
	"CIRCLE_PROJECT_USERNAME": "${{ github.repository_owner }}",
}

// ciEnvEntry turns one NAME=value of the old configuration into a job env
// entry: a plain value is kept; a name that looks like a credential
// becomes ${{ secrets.NAME }} (the value is never copied). ok is false
// when the entry cannot be carried over as it is.
func (m *ciMigration) envEntry(name, value string) (ciKV, bool) {
	if !ciEnvNameRE.MatchString(name) {
		m.skip("the environment entry %q (not a variable name)", name)
		return ciKV{}, false
	}
	if ciSecretNameRE.MatchString(name) {
		m.notes = append(m.notes, fmt.Sprintf("%s looks like a credential: it is read from ${{ secrets.%s }}; create that repository secret", name, name))
		return ciKV{Key: name, Value: "${{ secrets." + name + " }}"}, true
	}
	if strings.Contains(value, "$") || strings.Contains(value, "${{") {
		m.skip("%s=%s (refers to other variables; set it in a step with >> \"$GITHUB_ENV\")", name, ciShort(value))
		return ciKV{}, false
	}
	return ciKV{Key: name, Value: kit.YAMLScalar(value)}, true
}

func ciShort(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// ciCommands checks the commands of one phase: a command GitHub would
// read as an expression (${{) or that uses CircleCI's template syntax
// (<< >>) is left out with a note; the others are kept as they are.
func (m *ciMigration) commands(phase string, cmds []string) []string {
	var out []string
	for _, c := range cmds {
		c = strings.TrimRight(c, "\n")
		switch {
		case strings.Contains(c, "${{"):
			m.skip("the %s command %q (GitHub would read ${{ as an expression)", phase, ciShort(c))
		case strings.Contains(c, "<<") && strings.Contains(c, ">>") && strings.Contains(c, "parameters."),
			strings.Contains(c, "<< pipeline."):
			m.skip("the %s command %q (CircleCI parameters)", phase, ciShort(c))
		case strings.TrimSpace(c) == "":
		default:
			out = append(out, c)
		}
	}
	return out
}

// ciMapVars adds, to a job's env, GitHub's values for the other system's
// variables its commands use, and notes those with no equivalent.
func (m *ciMigration) mapVars(job *cxJob, re *regexp.Regexp) {
	seen := map[string]bool{}
	for _, kv := range job.Env {
		seen[kv.Key] = true
	}
	var names []string
	for _, st := range job.Steps {
		for _, x := range re.FindAllStringSubmatch(st.Run, -1) {
			if !seen[x[1]] {
				seen[x[1]] = true
				names = append(names, x[1])
			}
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if v, ok := ciVarMap[n]; ok {
			job.Env = append(job.Env, ciKV{Key: n, Value: kit.YAMLScalar(v)})
		} else {
			m.skip("$%s (no GitHub Actions equivalent)", n)
		}
	}
}

// ciPhaseStep is one run step for the commands of a phase.
func ciPhaseStep(name string, cmds []string, cond string) (cxStep, bool) {
	if len(cmds) == 0 {
		return cxStep{}, false
	}
	st := cxRun(name, strings.Join(cmds, "\n"))
	if cond != "" {
		st.If = cond
	}
	return st, true
}
