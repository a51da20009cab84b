package cicd

import (
	"context"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/mode"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
	"github.com/devops-lead/devops-lead/internal/workspace"
	"gopkg.in/yaml.v3"
)

// cxCase is one run of the CI/CD specialist over a repository for the
// release, multi-arch, migration, Worker and Dependabot workflows.
type cxCase struct {
	name string
	// dir is a fixture repository (relative to this package); files a
	// repository written here. One of the two.
	dir   string
	files map[string]string
	// params and files the task declares (Task.Files, for the policy).
	params   map[string]string
	declared []string
	services []string
	// want: path -> substrings; absent: path -> substrings it must not
	// have; only: the exact paths written (nil: not checked).
	want, absent map[string][]string
	only         []string
	// note: substrings of the notes, all files together.
	note []string
	// err: the run fails with this substring.
	err string
}

func cxFS(t *testing.T, c cxCase) fs.FS {
	t.Helper()
	if c.dir != "" {
		return os.DirFS(c.dir)
	}
	return kittest.CIMapFS(c.files)
}

// runCX detects the repository, runs the specialist as the engine would
// and checks the change policy with the task's declared files.
func runCX(t *testing.T, c cxCase) (*change.ChangeSet, error) {
	t.Helper()
	cs, err := runCXNoPolicy(t, c)
	if err != nil {
		return nil, err
	}
	task := engine.Task{ID: "ci", Mode: kit.CICDMode, Params: c.params, Files: c.declared, Services: c.services}
	for _, f := range engine.CheckPolicy(cxFS(t, c), task, nil, cs) {
		t.Errorf("change policy: %s", f)
	}
	return cs, nil
}

// runCXNoPolicy detects the repository and runs the specialist.
func runCXNoPolicy(t *testing.T, c cxCase) (*change.ChangeSet, error) {
	t.Helper()
	fsys := cxFS(t, c)
	repo, err := stack.Detect(fsys, stack.Options{})
	if err != nil {
		t.Fatalf("detect: %v", err)
	}
	task := engine.Task{ID: "ci", Mode: kit.CICDMode, Params: c.params, Files: c.declared, Services: c.services}
	return kittest.New().Work(context.Background(), engine.WorkInput{Task: task, Repo: repo, Workspace: fsys})
}

func runCXCases(t *testing.T, cases []cxCase) { runCXCasesWith(t, cases, cxCheckWorkflow) }

// runCXCasesWith runs the cases, checking each workflow devops-lead writes
// with check (a person's workflow it patches gets the gate and
// actionlint, any other file the gate).
func runCXCasesWith(t *testing.T, cases []cxCase, check func(*testing.T, string, []byte, *mode.Mode)) {
	m := cicdMode(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cs, err := runCX(t, c)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error = %v, want one with %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Work: %v", err)
			}
			if c.only != nil && strings.Join(cs.Paths(), ",") != strings.Join(c.only, ",") {
				t.Errorf("wrote %v, want exactly %v", cs.Paths(), c.only)
			}
			for p := range c.want {
				if cs.Get(p) == nil {
					t.Fatalf("no %s in the ChangeSet (have %v)", p, cs.Paths())
				}
			}
			notes := append([]string(nil), cs.Notes...)
			for _, f := range cs.Files {
				notes = append(notes, f.Note)
				for _, s := range c.want[f.Path] {
					if !strings.Contains(string(f.Content), s) {
						t.Errorf("%s lacks %q:\n%s", f.Path, s, f.Content)
					}
				}
				for _, s := range c.absent[f.Path] {
					if strings.Contains(string(f.Content), s) {
						t.Errorf("%s has %q:\n%s", f.Path, s, f.Content)
					}
				}
				switch {
				case !strings.HasPrefix(f.Path, ".github/workflows/"):
					cxGate(t, f.Path, f.Content, m)
				case workspace.Exists(cxFS(t, c), f.Path):
					// A person's workflow, patched: the gate and actionlint;
					// the house rules are for the files devops-lead writes.
					cxGate(t, f.Path, f.Content, m)
					kittest.CILintClean(t, f.Path, f.Content)
				default:
					check(t, f.Path, f.Content, m)
				}
			}
			all := strings.Join(notes, "\n")
			for _, s := range c.note {
				if !strings.Contains(all, s) {
					t.Errorf("the notes lack %q:\n%s", s, all)
				}
			}
		})
	}
}

// cxRules are the house rules a workflow kind adds to cxCheck's common
// ones.
type cxRules struct {
	// write reports whether job id may grant permission k: write.
	write func(p, id, k string) bool
	// onlyWriters: jobs that may not write have no permissions at all.
	onlyWriters bool
	// concurrency: the workflow must set a concurrency group.
	concurrency bool
	// noCheckout reports whether job id may do without a checkout.
	noCheckout func(p, id string) bool
}

// cxCheckWorkflow is ciCheckWorkflow for the release and other workflows
// whose triggers and permissions differ from CI's (contents: write only
// on the release job, which may skip the checkout).
func cxCheckWorkflow(t *testing.T, p string, content []byte, m *mode.Mode) {
	t.Helper()
	cxCheck(t, p, content, m, cxRules{
		write: func(p, id, k string) bool {
			return k == "packages" || (p == ReleaseWorkflowPath && id == "release" && k == "contents")
		},
		noCheckout: func(p, id string) bool { return p == ReleaseWorkflowPath },
	})
}

// cxCheck holds a workflow devops-lead writes to the gate, actionlint
// (with shellcheck) with SHAs and with major tags, the pins, and the house
// rules: contents: read at the top, timeouts, write permissions only where
// rules allow them, one checkout without stored credentials, no
// expression in a run: script.
func cxCheck(t *testing.T, p string, content []byte, m *mode.Mode, rules cxRules) {
	t.Helper()
	cxGate(t, p, content, m)
	kittest.CILintClean(t, p, content)
	kittest.CILintClean(t, p, kittest.CIMajorTags(t, content))
	if strings.Contains(string(content), "uses:") {
		kittest.CICheckPinned(t, p, content)
	}
	var wf struct {
		Permissions map[string]string
		Concurrency struct {
			Group string `yaml:"group"`
		}
		Jobs map[string]struct {
			Timeout     int               `yaml:"timeout-minutes"`
			Permissions map[string]string `yaml:"permissions"`
			Steps       []struct {
				Uses string
				Run  string
				With map[string]any
			}
		}
	}
	if err := yaml.Unmarshal(content, &wf); err != nil {
		t.Fatalf("%s does not parse: %v", p, err)
	}
	if len(wf.Permissions) != 1 || wf.Permissions["contents"] != "read" {
		t.Errorf("%s: top-level permissions = %v, want only contents: read", p, wf.Permissions)
	}
	if rules.concurrency && wf.Concurrency.Group == "" {
		t.Errorf("%s has no concurrency group", p)
	}
	for id, j := range wf.Jobs {
		if j.Timeout <= 0 {
			t.Errorf("%s: job %s has no timeout-minutes", p, id)
		}
		writer := false
		for k, v := range j.Permissions {
			if v == "write" {
				if !rules.write(p, id, k) {
					t.Errorf("%s: job %s grants %s: write", p, id, k)
				}
				writer = true
			}
		}
		if rules.onlyWriters && !writer && len(j.Permissions) > 0 {
			t.Errorf("%s: job %s has permissions %v; only the jobs that write need any", p, id, j.Permissions)
		}
		checkouts := 0
		for _, s := range j.Steps {
			if strings.HasPrefix(s.Uses, "actions/checkout@") {
				checkouts++
				if s.With["persist-credentials"] != false {
					t.Errorf("%s: job %s checks out with persist-credentials %v", p, id, s.With["persist-credentials"])
				}
			}
			if strings.Contains(s.Run, "${{") {
				t.Errorf("%s: job %s expands an expression in run: %q", p, id, s.Run)
			}
		}
		if checkouts != 1 && !(checkouts == 0 && rules.noCheckout != nil && rules.noCheckout(p, id)) {
			t.Errorf("%s: job %s has %d checkout steps", p, id, checkouts)
		}
	}
}

// cxGate fails on each error of the mode's gate.
func cxGate(t *testing.T, p string, content []byte, m *mode.Mode) {
	t.Helper()
	for _, f := range validate.CheckFile(p, content, validate.Options{Allowed: m.MayWrite, Owner: m.Slug}) {
		if f.Severity == validate.Error {
			t.Errorf("gate error: %s", f)
		}
	}
}

func TestCICDRelease(t *testing.T) {
	runCXCases(t, []cxCase{
		{
			name:   "go service in cmd/server",
			dir:    "../../../cli/testdata/repos/go",
			params: map[string]string{"workflows": "release"},
			only:   []string{ReleaseWorkflowPath},
			want: map[string][]string{ReleaseWorkflowPath: {
				`tags: ["v*"]`, "contents: write", "go-version-file: go.mod",
				"for target in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64; do",
				"CGO_ENABLED=0", "./cmd/server", "sha256sum -- * > SHA256SUMS",
				`gh release create "$GITHUB_REF_NAME" --verify-tag --generate-notes`,
				"GH_TOKEN: ${{ secrets.GITHUB_TOKEN }}"}},
			absent: map[string][]string{ReleaseWorkflowPath: {"go test", "pull_request", "packages: write"}},
			note:   []string{"only this job gets contents: write"},
		},
		{
			name:   "go CLI with goreleaser beside a docs site: goreleaser kept",
			dir:    "../../../../testdata/realworld/go-cli-website",
			params: map[string]string{"workflows": "release"},
			only:   []string{},
		},
		{
			name:   "go.work with two services that both have ./cmd/http",
			dir:    "../../../../testdata/realworld/go-work-monorepo",
			params: map[string]string{"workflows": "release"},
			want: map[string][]string{ReleaseWorkflowPath: {"go-version-file: service-a/go.mod", "working-directory: service-a",
				"dist/http_${GITHUB_REF_NAME}", "dist/service-b-http_${GITHUB_REF_NAME}"}},
			absent: map[string][]string{ReleaseWorkflowPath: {"libs/logger"}},
		},
		{
			name:   "go service below the root with a library beside it",
			dir:    "../../../../testdata/realworld/go-replace-libs",
			params: map[string]string{"workflows": "release"},
			want:   map[string][]string{ReleaseWorkflowPath: {"working-directory: services/billing", "./cmd/billing"}},
			absent: map[string][]string{ReleaseWorkflowPath: {"libs/money"}},
		},
		{
			name:   "rust binary",
			dir:    "../../../../testdata/realworld/rust-cli-crate",
			params: map[string]string{"workflows": "release"},
			want:   map[string][]string{ReleaseWorkflowPath: {"cargo build --release --locked --bin", "CARGO_TARGET_DIR", "_linux_amd64"}},
			absent: map[string][]string{ReleaseWorkflowPath: {"cargo clippy", "cargo test"}},
			note:   []string{"linux/amd64 only"},
		},
		{
			name:   "node package",
			dir:    "../../../cli/testdata/repos/node-pnpm",
			params: map[string]string{"workflows": "release"},
			want:   map[string][]string{ReleaseWorkflowPath: {"pnpm install --frozen-lockfile", "pnpm run build", `pnpm pack --pack-destination "$GITHUB_WORKSPACE/dist"`}},
			absent: map[string][]string{ReleaseWorkflowPath: {"run test"}},
		},
		{
			name:   "python package with uv",
			dir:    "../../../cli/testdata/repos/python-uv",
			params: map[string]string{"workflows": "release"},
			want:   map[string][]string{ReleaseWorkflowPath: {"astral-sh/setup-uv@", `uv build --out-dir "$GITHUB_WORKSPACE/dist"`}},
			absent: map[string][]string{ReleaseWorkflowPath: {"pytest"}},
		},
		{
			name:   "python package with poetry",
			dir:    "../../../cli/testdata/repos/python-poetry",
			params: map[string]string{"workflows": "release"},
			want:   map[string][]string{ReleaseWorkflowPath: {"python -m build --outdir"}},
		},
		{
			name: "goreleaser config: kept, no second release workflow",
			files: map[string]string{
				"go.mod": "module example.com/tool\n\ngo 1.24\n", "main.go": "package main\n\nfunc main() {}\n",
				".goreleaser.yaml": "version: 2\nbuilds:\n  - main: .\n",
			},
			params: map[string]string{"workflows": "ci,release"},
			only:   []string{CIWorkflowPath},
			note:   []string{"already releases with .goreleaser.yaml, which is kept"},
		},
		{
			name: "existing release workflow: kept",
			files: map[string]string{
				"go.mod": "module example.com/tool\n\ngo 1.24\n", "main.go": "package main\n\nfunc main() {}\n",
				".github/workflows/publish.yml": "name: publish\non:\n  push:\n    tags: ['v*']\npermissions:\n  contents: write\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - run: gh release create \"$GITHUB_REF_NAME\"\n",
			},
			params: map[string]string{"workflows": "release"},
			only:   []string{},
		},
		{
			name:   "a Go library: notes and source archives only",
			dir:    "../../../../testdata/realworld/go-library",
			params: map[string]string{"workflows": "release"},
			want:   map[string][]string{ReleaseWorkflowPath: {"gh release create \"$GITHUB_REF_NAME\" --verify-tag --generate-notes\n", "contents: write"}},
			absent: map[string][]string{ReleaseWorkflowPath: {"dist", "go build", "actions/checkout"}},
			note:   []string{"no build artifacts (no program or package in ."},
		},
		{
			name:   "a Rails app: the language does not gate the release",
			dir:    "../../../../testdata/realworld/ruby-app-dockerfile",
			params: map[string]string{"workflows": "release"},
			only:   []string{ReleaseWorkflowPath},
			want:   map[string][]string{ReleaseWorkflowPath: {"--generate-notes"}},
			note:   []string{"Ruby is not built by the built-in specialist"},
		},
	})
}

func TestCICDParamsRefused(t *testing.T) {
	for _, p := range []map[string]string{
		{"workflows": "image", "platforms": "linux/amd64,windows/amd64"},
		{"workflows": "image", "platforms": "linux/amd64;rm -rf /"},
		{"workflows": "ci", "migrate": "jenkins"},
		{"workflows": "image", "migrate": "travis"},
		{"workflows": "worker", "worker_dir": "../elsewhere"},
		{"workflows": "ci", "worker_dir": "edge"},
		{"workflows": "releases"},
		{"workflows": "ci", "platforms": "linux/arm64"},
	} {
		if _, err := parseCIParams(engine.Task{ID: "ci", Params: p}); err == nil {
			t.Errorf("params %v accepted", p)
		}
	}
	p, err := parseCIParams(engine.Task{ID: "ci", Params: map[string]string{
		"workflows": "release,worker,image", "platforms": " linux/amd64, linux/arm64 ,linux/amd64", "worker_dir": "./workers/edge"}})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Release || !p.Worker || !p.Image || strings.Join(p.Platforms, ",") != "linux/amd64,linux/arm64" || p.WorkerDir != "workers/edge" {
		t.Errorf("parsed %+v", p)
	}
	if p, err := parseCIParams(engine.Task{ID: "ci", Params: map[string]string{"migrate": "CircleCI"}}); err != nil || p.Migrate != "circleci" || !p.CI {
		t.Errorf("migrate alone: %+v %v", p, err)
	}
}

// TestCITaskFiles: the files the lead declares for a task are the ones
// the specialist writes, the patched workflow included.
func TestCITaskFiles(t *testing.T) {
	fsys := kittest.CIMapFS(ciNodeFiles(map[string]string{".github/workflows/docker.yml": ciHumanImageWorkflow}))
	repo, err := stack.Detect(fsys, stack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	task := engine.Task{ID: "ci", Mode: kit.CICDMode, Params: map[string]string{"workflows": "image,release", "platforms": "linux/amd64,linux/arm64"}}
	files, err := ciTaskFiles(context.Background(), engine.WorkInput{Task: task, Repo: repo, Workspace: fsys})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(files, ",") != ".github/workflows/docker.yml,"+ReleaseWorkflowPath {
		t.Errorf("files = %v", files)
	}
	task.Files = files
	cs, err := kittest.New().Work(context.Background(), engine.WorkInput{Task: task, Repo: repo, Workspace: fsys})
	if err != nil {
		t.Fatal(err)
	}
	if f := engine.CheckPolicy(fsys, task, nil, cs); len(f) > 0 {
		t.Errorf("policy: %v", f)
	}
}

// A workflow that uploads release assets with a third-party action (as
// gotify's build.yml does on v* tags) already releases: it is kept.
func TestCIExistingReleaseUploadActions(t *testing.T) {
	for _, uses := range []string{"svenstaro/upload-release-action@v2", "actions/upload-release-asset@v1", "run: gh release upload v1 dist/*"} {
		existing := []ciExisting{{Path: ".github/workflows/build.yml", content: "on: push\njobs:\n  b:\n    steps:\n      - " + uses + "\n"}}
		if got := CIExistingRelease(nil, existing); got != ".github/workflows/build.yml" {
			t.Errorf("%s: existing release = %q, want build.yml", uses, got)
		}
	}
	if got := CIExistingRelease(nil, []ciExisting{{Path: ".github/workflows/ci.yml", content: "on: push\njobs: {}\n"}}); got != "" {
		t.Errorf("a CI workflow counted as a release: %q", got)
	}
}
