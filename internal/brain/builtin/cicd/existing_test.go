package cicd

import (
	"context"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// An existing CI that runs the tests and passes the gate is kept: the
// specialist's own output, committed, makes a second run a no-op.
func TestCICDKeepsPassingCI(t *testing.T) {
	first, err := kittest.CIWork(t, kittest.CIGoRepo, kittest.CIGoService, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ci := first.Get(CIWorkflowPath)
	if ci == nil {
		t.Fatal("no ci.yml on the first run")
	}
	files := kittest.CIWithFiles(kittest.CIGoRepo, ".github/workflows/build.yml", string(ci.Content))
	again, err := kittest.CIWork(t, files, kittest.CIGoService, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Empty() {
		t.Errorf("a passing CI exists in build.yml, yet the specialist wrote %v", again.Paths())
	}
}

// The specialist's own image and CI workflows, committed, are kept: a
// second run over the same repository writes nothing.
func TestCICDIdempotent(t *testing.T) {
	c := ciCases()[len(ciCases())-1]
	first := runCICD(t, c)
	files := kittest.CIWithFiles(c.files)
	for _, f := range first.Files {
		files[f.Path] = string(f.Content)
	}
	for _, d := range c.deps {
		for _, f := range d.Files {
			files[f.Path] = string(f.Content)
		}
	}
	c.files, c.deps = files, nil
	if again := runCICD(t, c); !again.Empty() {
		t.Errorf("second run over committed output wrote %v", again.Paths())
	}
}

// An existing CI that fails the gate only on pinning and permissions is
// patched in place: the two lines pinned, the permissions block added,
// every other byte as its authors wrote it; no second CI, no delete.
func TestCICDPatchesFailingCI(t *testing.T) {
	want := `# Unit tests on every push.
name: test
on: [push]

permissions:
  contents: read

jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@8e8c483db84b4bee98b60c0593521ed34d9990e8 # v6.0.1 # the code
      - uses: "actions/setup-go@44694675825211faa026b3c33043df3e48a5fa00" # v6.0.0
        with:
          go-version: "1.22"
      - run: go test ./...
`
	for _, p := range []string{".github/workflows/test.yml", CIWorkflowPath} {
		cs, err := kittest.CIWork(t, kittest.CIWithFiles(kittest.CIGoRepo, p, kittest.CIPatchableWF), kittest.CIGoService, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs.Files) != 1 || cs.Files[0].Path != p || cs.Files[0].Op != change.Modify {
			t.Fatalf("%s: want only %s modified, got %v", p, p, cs.Paths())
		}
		f := cs.Files[0]
		if string(f.Content) != want {
			t.Errorf("%s: patched to\n%s\nwant\n%s", p, f.Content, want)
		}
		if string(f.Old) != kittest.CIPatchableWF {
			t.Errorf("%s: Old is not the workspace's content", p)
		}
		for _, w := range []string{"patched in place", "actions/checkout@v6 → v6.0.1", "permissions: contents: read"} {
			if !strings.Contains(f.Note, w) {
				t.Errorf("%s: note lacks %q: %q", p, w, f.Note)
			}
		}
		if err := engine.Minimal(f.Old, f.Content); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		if errs := validate.Errors(validate.CheckFile(p, f.Content, validate.Options{})); len(errs) > 0 {
			t.Errorf("%s: the patched workflow fails the gate: %v", p, errs)
		}
	}
}

// A failing workflow that also builds a service outside the task is not
// the task's to patch; the whole repository's task patches it.
func TestCICDLeavesWorkflowOfOtherServices(t *testing.T) {
	old := "name: test\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v6\n" +
		"      - run: cd services/a && go test ./...\n      - run: cd services/b && go test ./...\n"
	files := map[string]string{"services/a/go.mod": "module a\n\ngo 1.22\n", "services/b/go.mod": "module b\n\ngo 1.22\n",
		".github/workflows/test.yml": old}
	services := []stack.Service{{Name: "a", Dir: "services/a", Language: stack.Go}, {Name: "b", Dir: "services/b", Language: stack.Go}}
	in := engine.WorkInput{
		Task:      engine.Task{ID: "ci", Mode: kit.CICDMode, Services: []string{"services/a"}},
		Repo:      &stack.Repo{Services: services},
		Workspace: kittest.CIMapFS(files),
	}
	cs, err := kittest.New().Work(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if !cs.Empty() {
		t.Errorf("test.yml also builds services/b, yet the task for services/a wrote %v", cs.Paths())
	}
	in.Task.Services = nil
	if cs, err = kittest.New().Work(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if f := cs.Get(".github/workflows/test.yml"); f == nil || f.Op != change.Modify || len(cs.Files) != 1 {
		t.Errorf("the failing test.yml is not patched for the whole repository: %v", cs.Paths())
	}
}

// A failing workflow that also deploys is left for a person: no second CI.
func TestCICDLeavesMixedWorkflow(t *testing.T) {
	old := "name: ship\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: go test ./...\n      - run: ./deploy.sh\n"
	cs, err := kittest.CIWork(t, kittest.CIWithFiles(kittest.CIGoRepo, ".github/workflows/ship.yml", old), kittest.CIGoService, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !cs.Empty() {
		t.Errorf("a second CI was added beside a mixed workflow: %v", cs.Paths())
	}
}

func TestCICDDefaultBranch(t *testing.T) {
	master := "on:\n  push:\n    branches: [master]\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo lint\n"
	cs, err := kittest.CIWork(t, kittest.CIWithFiles(kittest.CIGoRepo, ".github/workflows/lint.yml", master), kittest.CIGoService, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := cs.Get(CIWorkflowPath); f == nil || !strings.Contains(string(f.Content), "branches: [master]") {
		t.Errorf("the repository pushes on master, CI does not follow:\n%v", cs.Paths())
	}
	cs, err = kittest.CIWork(t, kittest.CIWithFiles(kittest.CIGoRepo, ".git/refs/remotes/origin/HEAD", "ref: refs/remotes/origin/trunk\n"), kittest.CIGoService, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := cs.Get(CIWorkflowPath); f == nil || !strings.Contains(string(f.Content), "branches: [trunk]") {
		t.Errorf("origin/HEAD names trunk, CI does not follow")
	}
	cs, err = kittest.CIWork(t, kittest.CIGoRepo, kittest.CIGoService, map[string]string{"default_branch": "develop"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := cs.Get(CIWorkflowPath); f == nil || !strings.Contains(string(f.Content), "branches: [develop]") {
		t.Errorf("params default_branch ignored")
	}
}

func TestCICDBadInput(t *testing.T) {
	cases := map[string]func() error{
		"unknown workflow": func() error {
			_, err := kittest.CIWork(t, kittest.CIGoRepo, kittest.CIGoService, map[string]string{"workflows": "ci,deploy"}, nil)
			return err
		},
		"unknown registry": func() error {
			_, err := kittest.CIWork(t, kittest.CIGoRepo, kittest.CIGoService, map[string]string{"workflows": "image", "registry": "quay"}, nil)
			return err
		},
		"bad branch": func() error {
			_, err := kittest.CIWork(t, kittest.CIGoRepo, kittest.CIGoService, map[string]string{"default_branch": "main\n  evil: x"}, nil)
			return err
		},
		"image without Dockerfile": func() error {
			_, err := kittest.CIWork(t, kittest.CIGoRepo, kittest.CIGoService, map[string]string{"workflows": "image"}, nil)
			return err
		},
		"no services": func() error {
			_, err := kittest.CIWork(t, kittest.CIGoRepo, nil, nil, nil)
			return err
		},
		"unknown language": func() error {
			_, err := kittest.CIWork(t, kittest.CIGoRepo, []stack.Service{{Name: "x", Dir: ".", Language: "cobol"}}, nil, nil)
			return err
		},
	}
	for name, f := range cases {
		if err := f(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestCICDDockerHub(t *testing.T) {
	files := kittest.CIWithFiles(kittest.CIGoRepo, "Dockerfile", "FROM golang:1.22\n")
	cs, err := kittest.CIWork(t, files, kittest.CIGoService, map[string]string{"workflows": "image", "registry": "dockerhub"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := cs.Get(ImageWorkflowPath)
	if f == nil {
		t.Fatalf("no image workflow: %v", cs.Paths())
	}
	s := string(f.Content)
	for _, want := range []string{"secrets.DOCKERHUB_USERNAME", "secrets.DOCKERHUB_TOKEN", "docker.io/"} {
		if !strings.Contains(s, want) {
			t.Errorf("image.yml lacks %q", want)
		}
	}
	if strings.Contains(s, "packages: write") || cs.Get(CIWorkflowPath) != nil {
		t.Errorf("Docker Hub image workflow grants packages: write or writes CI unasked:\n%s", s)
	}
	if !strings.Contains(f.Note, "DOCKERHUB_TOKEN") {
		t.Errorf("note does not name the secrets to create: %q", f.Note)
	}
	kittest.CICheckWorkflow(t, f.Path, f.Content, cicdMode(t))
}

func TestCIScalar(t *testing.T) {
	for in, want := range map[string]string{
		"go test ./...":               "go test ./...",
		"3.10":                        `"3.10"`,
		"20":                          `"20"`,
		"true":                        `"true"`,
		"a: b":                        `"a: b"`,
		"x # y":                       `"x # y"`,
		"[x]":                         `"[x]"`,
		"${{ secrets.GITHUB_TOKEN }}": "${{ secrets.GITHUB_TOKEN }}",
		"*alias":                      `"*alias"`,
		"line\nbreak":                 `"line\nbreak"`,
	} {
		if got := kit.YAMLScalar(in); got != want {
			t.Errorf("ciScalar(%q) = %s, want %s", in, got, want)
		}
	}
}

// An existing image workflow is patched (pins only: its job keeps its own
// permissions) or left alone; never replaced, never doubled by image.yml.
func TestCICDImageWorkflowPreserved(t *testing.T) {
	docker := `name: docker
on:
  push:
    branches: [main]
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      packages: write
    steps:
      - uses: actions/checkout@v6
      - uses: docker/login-action@v3
        with:
          registry: ghcr.io
          username: ${{ github.actor }}
          password: ${{ secrets.GITHUB_TOKEN }}
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: ghcr.io/acme/x:main
`
	params := map[string]string{"workflows": "image"}
	base := kittest.CIWithFiles(kittest.CIGoRepo, "Dockerfile", "FROM golang:1.22\n")
	cs, err := kittest.CIWork(t, kittest.CIWithFiles(base, ".github/workflows/docker.yml", docker), kittest.CIGoService, params, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := cs.Get(".github/workflows/docker.yml")
	if len(cs.Files) != 1 || f == nil || f.Op != change.Modify {
		t.Fatalf("want docker.yml patched and nothing else, got %v", cs.Paths())
	}
	if strings.Contains(string(f.Content), "@v3\n") || !strings.Contains(string(f.Content), "# v3.5.0") || strings.Count(string(f.Content), "permissions:") != 1 {
		t.Errorf("docker.yml not pinned in place:\n%s", f.Content)
	}

	// With no permissions anywhere, contents: read would break the push:
	// it is left alone, and no image.yml is added beside it.
	bare := strings.Replace(docker, "    permissions:\n      contents: read\n      packages: write\n", "", 1)
	cs, err = kittest.CIWork(t, kittest.CIWithFiles(base, ".github/workflows/docker.yml", bare), kittest.CIGoService, params, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !cs.Empty() {
		t.Errorf("a second image workflow or a rewrite: %v", cs.Paths())
	}
}

// A workflow that runs the unit's own make target covers it, though it
// names no go test: no second CI is written beside it.
func TestCICDMakeTargetCovers(t *testing.T) {
	wf := "name: build\non: [push, pull_request]\npermissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n"
	e := ciExisting{Path: ".github/workflows/build.yml", content: wf}
	withMake := stack.Service{Name: "x", Dir: ".", Language: stack.Go, Test: "make test"}
	if !ciRunsTestsOf(e, withMake) {
		t.Error("make test in the workflow does not cover a unit tested by make test")
	}
	withoutMake := stack.Service{Name: "x", Dir: ".", Language: stack.Go, Test: "go test ./..."}
	if ciRunsTestsOf(e, withoutMake) {
		t.Error("make test covers a unit that is not tested by make")
	}
}
