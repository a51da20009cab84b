package cicd

import (
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
)

// The model jobs.yml.tmpl renders: the release, Worker deploy and
// migrated CI workflows, whose jobs need more than workflow.yml.tmpl has
// (job conditions, step env, job services, a matrix). As there, every
// value is already a YAML scalar.

// cxStep is one step; Dir is a step's own working-directory.
type cxStep struct {
	Name, ID, If, Dir, Uses, Run string
	With, Env                    []ciKV
}

// cxService is one job service container.
type cxService struct {
	Name, Image, Options string
	Env                  []ciKV
	Ports                []string
}

// cxJob is one job.
type cxJob struct {
	ID, Name, If, Needs string
	Timeout             int
	Dir                 string
	Permissions         []ciKV
	Services            []cxService
	// Strategy are the matrix entries (key and a rendered flow list).
	Strategy []ciKV
	Env      []ciKV
	Steps    []cxStep
}

// cxWorkflow is what jobs.yml.tmpl renders. On are the lines under on:,
// already indented below it.
type cxWorkflow struct {
	Name             string
	Comments         []string
	On               []string
	Group            string
	CancelInProgress string
	Env              []ciKV
	Jobs             []cxJob
}

// cxFrom turns the steps of the CI recipes into cxSteps.
func cxFrom(steps []ciStep) []cxStep {
	out := make([]cxStep, 0, len(steps))
	for _, s := range steps {
		out = append(out, cxStep{Name: s.Name, ID: s.ID, If: s.If, Uses: s.Uses, Run: s.Run, With: s.With})
	}
	return out
}

// cxRunIndent is the column of a step's run: block lines.
const cxRunIndent = 10

// cxRun builds a run step; a script of several lines is a literal block.
func cxRun(name, script string) cxStep {
	return cxStep{Name: kit.YAMLScalar(name), Run: cxScript(script)}
}

// cxScript renders a run: script: one line as a scalar, several as a
// literal block scalar at the step's indentation.
func cxScript(script string) string {
	script = strings.TrimRight(script, "\n")
	if !strings.Contains(script, "\n") && kit.YAMLPlainSafe(script) {
		return script
	}
	pad := strings.Repeat(" ", cxRunIndent)
	lines := strings.Split(script, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			lines[i] = ""
			continue
		}
		lines[i] = pad + l
	}
	return "|\n" + strings.Join(lines, "\n")
}

// cxFlowList renders strings as a YAML flow list of scalars.
func cxFlowList(items []string) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = kit.YAMLScalar(s)
		if strings.ContainsAny(out[i], ",[]{}") && !strings.HasPrefix(out[i], `"`) {
			out[i] = `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
		}
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// cxSetupSteps keeps the toolchain and install steps of a service's CI
// recipe (the setup actions, corepack, dependency installs) and drops its
// lint and test steps: what a release or deploy job needs to build.
func cxSetupSteps(c *ciSvc) ([]ciStep, []ciKV, error) {
	steps, env, _, err := ciSteps(c)
	if err != nil {
		return nil, nil, err
	}
	var out []ciStep
	for _, s := range steps {
		name := strings.Trim(s.Name, `"`)
		switch {
		case s.Uses != "":
		case name == "Enable Corepack", name == "Install dependencies", name == "Install Poetry",
			strings.HasPrefix(name, "Install Rust"), strings.HasPrefix(name, "Use Rust"),
			name == "Install the pinned Rust toolchain":
		default:
			continue
		}
		out = append(out, s)
	}
	return out, env, nil
}
