package validate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ruleIDs returns the rule ids of the findings, in order.
func ruleIDs(fs []Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return out
}

// countRule counts the findings of one rule.
func countRule(fs []Finding, id string) int {
	n := 0
	for _, f := range fs {
		if f.Rule == id {
			n++
		}
	}
	return n
}

const wfHead = "name: t\non: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"

func TestWorkflowRules(t *testing.T) {
	cases := []struct {
		name, yaml, rule string
		want             int
	}{
		{"pinned sha", wfHead + "      - uses: actions/setup-go@44694675825211faa026b3c33043df3e48a5fa00\n", ruleWorkflowUnpinned.ID, 0},
		{"tag", wfHead + "      - uses: actions/setup-go@v6\n", ruleWorkflowUnpinned.ID, 1},
		{"short sha", wfHead + "      - uses: actions/setup-go@4469467\n", ruleWorkflowUnpinned.ID, 1},
		{"no ref", wfHead + "      - uses: actions/setup-go\n", ruleWorkflowUnpinned.ID, 1},
		{"local", wfHead + "      - uses: ./tools/action\n", ruleWorkflowUnpinned.ID, 0},
		{"docker tag", wfHead + "      - uses: docker://alpine:3.20\n", ruleWorkflowUnpinned.ID, 1},
		{"event title", wfHead + "      - run: echo ${{ github.event.issue.title }}\n", ruleWorkflowUntrusted.ID, 1},
		{"event index", wfHead + "      - run: echo ${{ github.event['issue']['title'] }}\n", ruleWorkflowUntrusted.ID, 1},
		{"event_name is safe", wfHead + "      - run: echo ${{ github.event_name }} ${{ github.event_path }}\n", ruleWorkflowUntrusted.ID, 0},
		{"whole event", wfHead + "      - run: echo '${{ toJSON(github.event) }}'\n", ruleWorkflowUntrusted.ID, 1},
		{"event sha is safe", wfHead + "      - run: echo ${{ github.event.pull_request.head.sha }}\n", ruleWorkflowUntrusted.ID, 0},
		{"head_ref", wfHead + "      - run: git checkout ${{ github.head_ref }}\n", ruleWorkflowUntrusted.ID, 1},
		{"untyped input", wfHead + "      - run: echo ${{ inputs.name }}\n", ruleWorkflowUntrusted.ID, 1},
		{"via env", wfHead + "      - run: echo \"$T\"\n        env:\n          T: ${{ github.event.issue.title }}\n", ruleWorkflowUntrusted.ID, 0},
		{"workflow_run head_sha is a SHA", wfHead + "      - run: git checkout ${{ github.event.workflow_run.head_sha }}\n", ruleWorkflowUntrusted.ID, 0},
		{"push before and after are SHAs", wfHead + "      - run: git diff ${{ github.event.before }} ${{ github.event.after }}\n", ruleWorkflowUntrusted.ID, 0},
		{"workflow_run head_branch is text", wfHead + "      - run: echo ${{ github.event.workflow_run.head_branch }}\n", ruleWorkflowUntrusted.ID, 1},
		{"fork flag is a boolean", wfHead + "      - run: echo \"${{ github.event.pull_request.head.repo.fork }}\"\n", ruleWorkflowUntrusted.ID, 0},
		{"two in one line", wfHead + "      - run: echo ${{ github.head_ref }} ${{ github.event.comment.body }}\n", ruleWorkflowUntrusted.ID, 2},
		{"prt string", "on: pull_request_target\npermissions: {}\njobs: {}\n", ruleWorkflowDangerousTrigger.ID, 1},
		{"push only", wfHead + "      - run: echo\n", ruleWorkflowDangerousTrigger.ID, 0},
		{"checkout persists", wfHead + "      - uses: actions/checkout@8e8c483db84b4bee98b60c0593521ed34d9990e8\n", ruleWorkflowPersistCredentials.ID, 1},
		{"checkout then push", wfHead + "      - uses: actions/checkout@8e8c483db84b4bee98b60c0593521ed34d9990e8\n      - run: git push\n", ruleWorkflowPersistCredentials.ID, 0},
		{"no permissions", "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n", ruleWorkflowPermissions.ID, 1},
		{"read-all", "on: push\npermissions: read-all\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n", ruleWorkflowPermissions.ID, 0},
		{"single job write needed", "on: push\npermissions:\n  contents: write\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: git push\n", ruleWorkflowPermissions.ID, 0},
		{"single job write unneeded", "on: push\npermissions:\n  contents: write\n  checks: write\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n", ruleWorkflowPermissions.ID, 1},
		{"two jobs one needs", "on: push\npermissions:\n  id-token: write\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: aws-actions/configure-aws-credentials@0000000000000000000000000000000000000000\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n", ruleWorkflowPermissions.ID, 1},
		{"reusable workflow calls", "on: push\npermissions:\n  security-events: write\n  contents: read\njobs:\n  a:\n    uses: google/osv-scanner-action/.github/workflows/osv-scanner-reusable.yml@1f1242919d8a60496dd1874b24b62b2370ed4c78\n  b:\n    uses: ./.github/workflows/scan.yml\n", ruleWorkflowPermissions.ID, 0},
		{"reusable call and a plain job", "on: push\npermissions:\n  security-events: write\njobs:\n  a:\n    uses: ./.github/workflows/scan.yml\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n", ruleWorkflowPermissions.ID, 1},
		{"pages deploy needs id-token", "on: push\npermissions:\n  pages: write\n  id-token: write\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/deploy-pages@v4\n", ruleWorkflowPermissions.ID, 0},
		{"stale needs pull-requests", "on: push\npermissions:\n  issues: write\n  pull-requests: write\njobs:\n  stale:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/stale@v9\n", ruleWorkflowPermissions.ID, 0},
		// starter-workflows' code-scanning templates: dependency review
		// comments on the pull request, Frogbot comments, opens fix pull
		// requests and uploads SARIF, anchore/sbom-action submits the
		// dependency snapshot; a job with permissions of its own gets
		// nothing from the top.
		{"dependency review comments", "on: pull_request\npermissions:\n  contents: read\n  pull-requests: write\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/dependency-review-action@v4\n        with:\n          comment-summary-in-pr: always\n", ruleWorkflowPermissions.ID, 0},
		{"frogbot scan and fix", "on: push\npermissions:\n  contents: write\n  pull-requests: write\n  security-events: write\njobs:\n  f:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: jfrog/frogbot@5d9c42c30f1169d8be4ba5510b40e75ffcbbc2a9\n", ruleWorkflowPermissions.ID, 0},
		{"frogbot on pull requests only comments", "name: t\non: pull_request\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@8e8c483db84b4bee98b60c0593521ed34d9990e8\n      - uses: jfrog/frogbot@5d9c42c30f1169d8be4ba5510b40e75ffcbbc2a9\n", ruleWorkflowPersistCredentials.ID, 1},
		{"frogbot pushes fix branches", wfHead + "      - uses: actions/checkout@8e8c483db84b4bee98b60c0593521ed34d9990e8\n      - uses: jfrog/frogbot@5d9c42c30f1169d8be4ba5510b40e75ffcbbc2a9\n", ruleWorkflowPersistCredentials.ID, 0},
		{"sbom dependency snapshot", "on: push\npermissions:\n  contents: write\njobs:\n  s:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: anchore/sbom-action@bb716408e75840bbb01e839347cd213767269d4a\n        with:\n          dependency-snapshot: true\n", ruleWorkflowPermissions.ID, 0},
		// microservices-demo's make-release.yaml: a script commits and
		// pushes a release branch after the job sets a git identity.
		{"release script pushes", "on: workflow_dispatch\npermissions:\n  contents: write\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@8e8c483db84b4bee98b60c0593521ed34d9990e8\n      - run: |\n          git config --global user.name \"github-actions[bot]\"\n          bash ./docs/releasing/make-release.sh\n", ruleWorkflowPermissions.ID, 0},
		{"release script keeps the token", "on: workflow_dispatch\npermissions:\n  contents: write\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@8e8c483db84b4bee98b60c0593521ed34d9990e8\n      - run: |\n          git config --global user.email \"bot@example.com\"\n          ./release.sh\n", ruleWorkflowPersistCredentials.ID, 0},
		{"lock-threads locks issues and pull requests", "on: schedule\npermissions:\n  issues: write\n  pull-requests: write\njobs:\n  l:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: dessant/lock-threads@89ae32b08ed1a541efecbab17912962a5e38981c\n", ruleWorkflowPermissions.ID, 0},
		{"every job overrides", "on: push\npermissions:\n  contents: write\njobs:\n  s:\n    permissions:\n      contents: write\n    runs-on: ubuntu-latest\n    steps:\n      - run: git push\n", ruleWorkflowPermissions.ID, 1},
		{"one heir of two", "on: push\npermissions:\n  contents: write\njobs:\n  a:\n    permissions: {}\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: git push\n", ruleWorkflowPermissions.ID, 0},
		{"secrets inherit", "on: push\npermissions: {}\njobs:\n  c:\n    uses: ./.github/workflows/r.yml\n    secrets: inherit\n", ruleWorkflowSecretsInherit.ID, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := checkWorkflow(".github/workflows/t.yml", []byte(c.yaml))
			if got := countRule(fs, c.rule); got != c.want {
				t.Errorf("%s: %d findings, want %d; all: %v", c.rule, got, c.want, fs)
			}
		})
	}
}

// TestWorkflowTopScopeReachesNoJob: when every job sets its own
// permissions, the top-level write reaches none of them, and the message
// says so rather than that no job needs the scope.
func TestWorkflowTopScopeReachesNoJob(t *testing.T) {
	src := "on: push\npermissions:\n  contents: write\njobs:\n  s:\n    permissions:\n      contents: write\n    runs-on: ubuntu-latest\n    steps:\n      - run: git push\n"
	fs := checkWorkflow(".github/workflows/t.yml", []byte(src))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "reaches no job") || fs[0].Line != 3 {
		t.Errorf("got %v, want one finding on line 3 saying the top-level write reaches no job", fs)
	}
}

func TestWorkflowSeverities(t *testing.T) {
	fs := checkWorkflow(".github/workflows/t.yml", []byte("on: push\npermissions: write-all\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n"))
	if len(fs) != 1 || fs[0].Rule != ruleWorkflowPermissions.ID || fs[0].Severity != Warning || fs[0].Line != 2 {
		t.Fatalf("want one warning [workflow-permissions] on line 2, got %v", fs)
	}
}

func TestWorkflowUntrustedPosition(t *testing.T) {
	src := wfHead + "      - run: |\n          echo ok\n          echo \"${{ github.event.issue.body }}\"\n"
	fs := checkWorkflow(".github/workflows/t.yml", []byte(src))
	if len(fs) != 1 {
		t.Fatalf("want one finding (actionlint's duplicate dropped), got %v", fs)
	}
	if fs[0].Line != 11 || fs[0].Col != 17 {
		t.Errorf("at %d:%d, want 11:17 (the expression inside the block scalar)", fs[0].Line, fs[0].Col)
	}
}

func TestActionlintFindings(t *testing.T) {
	fs := checkWorkflow(".github/workflows/t.yml", []byte(wfHead+"      - run: echo ${{ github.nope }}\n    needs: [missing]\n"))
	ids := strings.Join(ruleIDs(fs), " ")
	for _, want := range []string{"workflow-actionlint-expression", "workflow-actionlint-job-needs"} {
		if !strings.Contains(ids, want) {
			t.Errorf("missing %s in %s", want, ids)
		}
	}
	if _, ok := LookupRule(ruleWorkflowActionlint.ID); !ok {
		t.Errorf("rule %s is not registered", ruleWorkflowActionlint.ID)
	}
}

// TestWorkflowReadsNoFiles runs the checker inside a repository whose local
// action and actionlint config are broken: if actionlint read either, it
// would report them.
func TestWorkflowReadsNoFiles(t *testing.T) {
	dir := t.TempDir()
	for p, body := range map[string]string{
		".git/HEAD":                      "ref: refs/heads/main\n",
		".github/actionlint.yaml":        "self-hosted-runner: [[[\n",
		".github/actions/x/action.yml":   "runs: {using: bogus}\ninputs: 42\n",
		".github/workflows/reusable.yml": "on: {workflow_call: {inputs: {a: {type: string, required: true}}}}\njobs: {}\n",
	} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	src := wfHead + "      - uses: ./.github/actions/x\n  b:\n    uses: ./.github/workflows/reusable.yml\n"
	if fs := checkWorkflow(".github/workflows/ci.yml", []byte(src)); len(fs) != 0 {
		t.Fatalf("want no findings (nothing on disk may be read), got %v", fs)
	}
}

func TestWorkflowParseErrors(t *testing.T) {
	for _, src := range []string{"", "- a\n- b\n", "on: [push\n", "\t\x00"} {
		fs := checkWorkflow(".github/workflows/t.yml", []byte(src))
		if len(fs) != 1 || fs[0].Rule != ruleWorkflowParse.ID || fs[0].Severity != Error {
			t.Errorf("%q: want one workflow-parse error, got %v", src, fs)
		}
	}
}

func TestWorkflowHuge(t *testing.T) {
	if raceEnabled {
		t.Skip("huge inputs take minutes under -race; .ci/run runs this test without it")
	}
	if testing.Short() {
		t.Skip("5 MB inputs")
	}
	var b strings.Builder
	b.WriteString("on: push\npermissions:\n  contents: read\njobs:\n")
	for i := 0; b.Len() < MaxFileSize; i++ {
		fmt.Fprintf(&b, "  j%d:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.head_ref }}\n", i)
	}
	for name, src := range map[string]string{"many-jobs": b.String(), "nested": "on: " + strings.Repeat("[", MaxFileSize)} {
		start := time.Now()
		fs := checkWorkflow(".github/workflows/t.yml", []byte(src))
		took := time.Since(start)
		t.Logf("%s: %d bytes, %d findings, %v", name, len(src), len(fs), took.Round(time.Millisecond))
		if len(fs) == 0 {
			t.Errorf("%s: no findings", name)
		}
	}
}

// testdataFiles returns the contents of the testdata files of one kind in
// the cases whose names start with prefix.
func testdataFiles(tb testing.TB, prefix string, k Kind) [][]byte {
	tb.Helper()
	var out [][]byte
	dirs, _ := filepath.Glob(filepath.Join("testdata", prefix+"*"))
	for _, dir := range dirs {
		_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() || info.Name() == "want.txt" {
				return nil
			}
			rel, _ := filepath.Rel(dir, p)
			if b, err := os.ReadFile(p); err == nil && KindOf(filepath.ToSlash(rel), b) == k {
				out = append(out, b)
			}
			return nil
		})
	}
	if len(out) == 0 {
		tb.Fatalf("no %s testdata under testdata/%s*", k, prefix)
	}
	return out
}

func FuzzWorkflow(f *testing.F) {
	for _, b := range testdataFiles(f, "workflow-", KindWorkflow) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fd := range checkWorkflow(".github/workflows/f.yml", b) {
			if fd.Rule == "" || fd.Severity == "" {
				t.Fatalf("finding without rule or severity: %+v", fd)
			}
		}
	})
}

// TestPartARulesHaveCases checks every workflow, Dockerfile, .dockerignore
// and secret rule has a failing testdata case whose want.txt names it, a
// summary and help, and that each kind has a passing case with no findings.
func TestPartARulesHaveCases(t *testing.T) {
	prefixes := []string{"workflow-", "dockerfile-", "dockerignore-", "secret-"}
	wants := map[string]string{}
	dirs, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if b, err := os.ReadFile(filepath.Join("testdata", d.Name(), "want.txt")); err == nil {
			wants[d.Name()] = string(b)
		}
	}
	n := 0
	for _, r := range Rules() {
		for _, prefix := range prefixes {
			if !strings.HasPrefix(r.ID, prefix) {
				continue
			}
			n++
			tag := "[" + r.ID + "]"
			if r.ID == ruleWorkflowActionlint.ID {
				tag = "[" + r.ID + "-"
			}
			found := false
			for name, w := range wants {
				if strings.HasPrefix(name, prefix) && strings.Contains(w, tag) {
					found = true
				}
			}
			if !found {
				t.Errorf("rule %s has no failing testdata case (%s*)", r.ID, prefix)
			}
			if r.Summary == "" || r.Help == "" {
				t.Errorf("rule %s has no summary or help", r.ID)
			}
		}
	}
	if n < 40 {
		t.Errorf("only %d part-A rules registered", n)
	}
	for _, prefix := range prefixes {
		w, ok := wants[prefix+"pass"]
		if !ok || strings.TrimSpace(w) != "" {
			t.Errorf("%spass must exist with an empty want.txt", prefix)
		}
	}
}
