package cicd

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/pins"
)

// The workflow model the cicd templates render. Every Value, Name, Run...
// is already a YAML scalar (plain when that is safe, quoted otherwise), so
// text taken from the repository can never change the file's structure.

// ciKV is one key and its rendered YAML value.
type ciKV struct{ Key, Value string }

// ciStep is one step of a job.
type ciStep struct {
	Name, ID, If, Uses, Run string
	With                    []ciKV
}

// ciJob is one job of a workflow.
type ciJob struct {
	ID, Name    string
	Timeout     int
	Dir         string // rendered working-directory, "" for the root
	Permissions []ciKV
	Env         []ciKV
	// Services are job service containers (the tests' database); a
	// workflow with any renders through jobs.yml.tmpl.
	Services []cxService
	Steps    []ciStep
}

// ciWorkflow is what workflow.yml.tmpl renders.
type ciWorkflow struct {
	Name             string
	Comments         []string
	Branch           string
	Tags             []string
	CancelInProgress string
	Jobs             []ciJob
}

// ciWithIndent is the column of a step's with: values; block scalars are
// indented two more.
const ciWithIndent = 10

// ciBlock renders a multi-line value as a literal block scalar for a with:
// key; single-line values go through ciScalar.
func ciBlock(s string) string {
	if !strings.Contains(s, "\n") {
		return kit.YAMLScalar(s)
	}
	pad := strings.Repeat(" ", ciWithIndent+2)
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = pad + l
	}
	return "|\n" + strings.Join(lines, "\n")
}

// ciWith builds a with: list from key, value pairs. "true" and "false"
// stay plain booleans; everything else is a string scalar.
func ciWith(pairs ...string) []ciKV {
	out := make([]ciKV, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		v := pairs[i+1]
		if v != "true" && v != "false" {
			v = ciBlock(v)
		}
		out = append(out, ciKV{Key: pairs[i], Value: v})
	}
	return out
}

// ciUses returns the pinned uses: value of an action from the pin table.
func ciUses(action string) (string, error) {
	p, err := pins.Action(action)
	if err != nil {
		return "", err
	}
	return p.Uses(), nil
}

// ciRun builds a run step.
func ciRun(name, cmd string) ciStep {
	return ciStep{Name: kit.YAMLScalar(name), Run: kit.YAMLScalar(cmd)}
}

// ciAction builds a step that uses a pinned action.
func ciAction(name, act string, w []ciKV) (ciStep, error) {
	u, err := ciUses(act)
	if err != nil {
		return ciStep{}, err
	}
	return ciStep{Name: kit.YAMLScalar(name), Uses: u, With: w}, nil
}

// ciCheckout checks the repository out without leaving the token in
// .git/config.
func ciCheckout() (ciStep, error) {
	return ciAction("Check out", "actions/checkout", ciWith("persist-credentials", "false"))
}

var ciJobIDRE = regexp.MustCompile(`[^a-z0-9_-]+`)

// ciJobID turns a service name into a job id (letters, digits, - and _,
// starting with a letter or _), unique within used.
func ciJobID(name string, used map[string]bool) string {
	id := strings.Trim(ciJobIDRE.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if id == "" || !(id[0] >= 'a' && id[0] <= 'z' || id[0] == '_') {
		id = "svc-" + id
		id = strings.TrimRight(id, "-")
	}
	base := id
	for n := 2; used[id]; n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	used[id] = true
	return id
}
