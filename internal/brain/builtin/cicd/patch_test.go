package cicd

import (
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/validate"
)

const (
	ciPinCheckout = "actions/checkout@8e8c483db84b4bee98b60c0593521ed34d9990e8 # v6.0.1"
	ciPinSetupGo  = "actions/setup-go@44694675825211faa026b3c33043df3e48a5fa00 # v6.0.0"
)

// ciPatchWorkflow keeps every byte it does not need to change: comments
// above jobs:, sequences written without indentation, four-space
// indentation, CRLF line ends, a job with its own permissions.
func TestCIPatchWorkflowShapes(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"comment block above jobs, no blank line",
			"on: push\n# The jobs.\n# Two lines.\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n    - uses: actions/checkout@v6\n    - run: go test ./...\n",
			"on: push\npermissions:\n  contents: read\n# The jobs.\n# Two lines.\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n    - uses: " + ciPinCheckout + "\n    - run: go test ./...\n"},
		{"four spaces",
			"on: push\n\njobs:\n    t:\n        runs-on: ubuntu-latest\n        steps:\n            - uses: 'actions/setup-go@v6'   # toolchain\n            - run: go test ./...\n",
			"on: push\n\npermissions:\n    contents: read\n\njobs:\n    t:\n        runs-on: ubuntu-latest\n        steps:\n            - uses: 'actions/setup-go@44694675825211faa026b3c33043df3e48a5fa00' # v6.0.0   # toolchain\n            - run: go test ./...\n"},
		{"CRLF",
			"on: push\r\npermissions:\r\n  contents: read\r\njobs:\r\n  t:\r\n    runs-on: ubuntu-latest\r\n    steps:\r\n      - uses: actions/setup-go@v6.0\r\n      - run: go test ./...\r\n",
			"on: push\r\npermissions:\r\n  contents: read\r\njobs:\r\n  t:\r\n    runs-on: ubuntu-latest\r\n    steps:\r\n      - uses: " + ciPinSetupGo + "\r\n      - run: go test ./...\r\n"},
		{"jobs with their own permissions need none at the top",
			"on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n    steps:\n      - uses: actions/checkout@v6\n      - run: make test\n",
			"on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n    steps:\n      - uses: " + ciPinCheckout + "\n      - run: make test\n"},
	}
	for _, c := range cases {
		errs := validate.Errors(validate.CheckFile(".github/workflows/x.yml", []byte(c.in), validate.Options{}))
		p, err := ciPatchWorkflow(".github/workflows/x.yml", []byte(c.in), errs)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if string(p.content) != c.want {
			t.Errorf("%s: patched to\n%q\nwant\n%q", c.name, p.content, c.want)
		}
	}
}

// What a minimal patch cannot fix is refused with the reason.
func TestCIPatchWorkflowRefuses(t *testing.T) {
	cases := []struct{ name, in, why string }{
		{"a flow mapping", "{on: push, jobs: {t: {runs-on: ubuntu-latest, steps: [{uses: actions/checkout@v6}]}}}\n", "not a block mapping"},
		{"a uses in a flow mapping", "on: push\npermissions:\n  contents: read\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - {uses: actions/checkout@v6, with: {fetch-depth: 0}}\n", "more than the uses"},
		{"a reusable workflow call", "on: push\njobs:\n  t:\n    uses: ./.github/workflows/reuse.yml\n", "calls"},
		{"a docker image", "on: push\npermissions:\n  contents: read\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker://alpine:3.20\n", "no digest"},
		{"a job that deploys", "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v6\n      - run: ./deploy.sh\n", "may need to write"},
	}
	for _, c := range cases {
		errs := validate.Errors(validate.CheckFile(".github/workflows/x.yml", []byte(c.in), validate.Options{}))
		_, err := ciPatchWorkflow(".github/workflows/x.yml", []byte(c.in), errs)
		if err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s: err = %v, want one saying %q", c.name, err, c.why)
		}
	}
}
