package publish

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var baseFiles = map[string]string{
	"README.md":   "# demo\n",
	"cmd/main.go": "package main\n\nfunc main() {}\n",
	"old.yml":     "old: true\n",
}

func openGit(t *testing.T, dir string) *Git {
	t.Helper()
	g, err := OpenGit(dir)
	if err != nil {
		t.Fatalf("OpenGit: %v", err)
	}
	return g
}

func TestPublishCreatesBranchesWithoutTouchingTheWorkingTree(t *testing.T) {
	dir := newRepo(t, baseFiles)
	before := snapshot(t, dir)
	g := openGit(t, dir)
	r := result("Add CI and a container!",
		task{id: "container", mode: "container-engineer", put: map[string]string{"Dockerfile": "FROM scratch\n"}},
		task{id: "ci", mode: "ci-pipeline", put: map[string]string{
			".github/workflows/ci.yml": "name: ci\n", "README.md": "# demo\n\nCI added.\n"}},
		task{id: "k8s", mode: "kubernetes", status: "failed", put: map[string]string{"k8s/a.yaml": "x"}},
	)
	got, err := g.PublishBranches(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, dir); after != before {
		t.Errorf("publishing changed the repository's working state:\nbefore %+v\nafter  %+v", before, after)
	}
	want := []struct{ task, branch string }{
		{"container", "devops-lead/add-ci-and-a-container/container-engineer"},
		{"ci", "devops-lead/add-ci-and-a-container/ci-pipeline"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d branches, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		b := got[i]
		if b.Task != w.task || b.Branch != w.branch || b.Action != Created || b.Base != before.head {
			t.Errorf("branch %d = %+v, want task %s branch %s created on %s", i, b, w.task, w.branch, before.head)
		}
		if tip := run(t, dir, "rev-parse", "refs/heads/"+w.branch); tip != b.Commit {
			t.Errorf("%s points at %s, result says %s", w.branch, tip, b.Commit)
		}
		if parent := run(t, dir, "rev-parse", w.branch+"^"); parent != before.head {
			t.Errorf("%s parent = %s, want HEAD %s", w.branch, parent, before.head)
		}
	}
	if !reflect.DeepEqual(g.Branches(), got) {
		t.Errorf("Branches() = %+v, want the published %+v", g.Branches(), got)
	}
	ci := "devops-lead/add-ci-and-a-container/ci-pipeline"
	if files := treeFiles(t, dir, ci); !reflect.DeepEqual(files, []string{".github/workflows/ci.yml", "README.md", "cmd/main.go", "old.yml"}) {
		t.Errorf("ci branch files = %v", files)
	}
	if c := run(t, dir, "show", ci+":README.md"); c != "# demo\n\nCI added." {
		t.Errorf("README.md on the ci branch = %q", c)
	}
	if files := treeFiles(t, dir, "devops-lead/add-ci-and-a-container/container-engineer"); !reflect.DeepEqual(files, []string{"Dockerfile", "README.md", "cmd/main.go", "old.yml"}) {
		t.Errorf("container branch files = %v", files)
	}
	msg := run(t, dir, "log", "-1", "--format=%B", ci)
	for _, s := range []string{"Task ci\n\nGoal of ci\n", "- .github/workflows/ci.yml (added)", "Planned by devops-lead for: Add CI and a container!", "Devops-Lead-Task: ci"} {
		if !strings.Contains(msg, s) {
			t.Errorf("commit message lacks %q:\n%s", s, msg)
		}
	}
	if a := run(t, dir, "log", "-1", "--format=%an <%ae>", ci); a != "Ada Tester <ada@example.com>" {
		t.Errorf("author = %s, want the repository's configured user", a)
	}
	if out := run(t, dir, "branch", "--list", "devops-lead/*k8s*", "devops-lead/*/kubernetes"); out != "" {
		t.Errorf("a failed task got a branch: %s", out)
	}
}

func TestPublishIsIdempotentAndUpdates(t *testing.T) {
	dir := newRepo(t, baseFiles)
	g := openGit(t, dir)
	ctx := context.Background()
	mk := func(content string) []BranchResult {
		t.Helper()
		got, err := g.PublishBranches(ctx, result("add ci", task{id: "ci", mode: "ci-pipeline", put: map[string]string{"ci.yml": content}}))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("got %d branches, want 1", len(got))
		}
		return got
	}
	first := mk("v1\n")
	second := mk("v1\n")
	if second[0].Action != Unchanged || second[0].Commit != first[0].Commit {
		t.Errorf("rerun = %+v, want unchanged at %s", second[0], first[0].Commit)
	}
	third := mk("v2\n")
	if third[0].Action != Updated || third[0].Commit == first[0].Commit {
		t.Errorf("changed content = %+v, want updated to a new commit", third[0])
	}
	if c := run(t, dir, "show", "devops-lead/add-ci/ci-pipeline:ci.yml"); c != "v2" {
		t.Errorf("ci.yml = %q after the update", c)
	}
	if n := run(t, dir, "rev-list", "--count", "main..devops-lead/add-ci/ci-pipeline"); n != "1" {
		t.Errorf("the branch has %s commits beyond main, want 1 (an update replaces, never stacks)", n)
	}
	// HEAD moves on: the same files go on the new HEAD.
	writeFiles(t, dir, map[string]string{"NEWS": "news\n"})
	run(t, dir, "add", "NEWS")
	run(t, dir, "commit", "-q", "-m", "news")
	fourth := mk("v2\n")
	head := run(t, dir, "rev-parse", "HEAD")
	if fourth[0].Action != Updated || fourth[0].Base != head {
		t.Errorf("after HEAD moved = %+v, want updated on %s", fourth[0], head)
	}
	if n := run(t, dir, "branch", "--list", "devops-lead/*"); strings.Count(n, "\n") != 0 {
		t.Errorf("more than one branch for one request:\n%s", n)
	}
}

func TestPublishSharedModeAndDeletion(t *testing.T) {
	dir := newRepo(t, baseFiles)
	g := openGit(t, dir)
	got, err := g.PublishBranches(context.Background(), result("Ship it",
		task{id: "api", mode: "container-engineer", put: map[string]string{"api/Dockerfile": "FROM a\n"}, del: []string{"old.yml"}},
		task{id: "web", mode: "container-engineer", put: map[string]string{"web/Dockerfile": "FROM b\n"}},
	))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{got[0].Branch, got[1].Branch}
	want := []string{"devops-lead/ship-it/container-engineer-api", "devops-lead/ship-it/container-engineer-web"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("branches = %v, want %v", names, want)
	}
	if files := treeFiles(t, dir, want[0]); !reflect.DeepEqual(files, []string{"README.md", "api/Dockerfile", "cmd/main.go"}) {
		t.Errorf("api branch files = %v, want old.yml deleted", files)
	}
	if _, err := os.Stat(filepath.Join(dir, "old.yml")); err != nil {
		t.Errorf("the deletion reached the working tree: %v", err)
	}
}

func TestPublishMonorepoSubdirectory(t *testing.T) {
	dir := newRepo(t, map[string]string{"services/api/go.mod": "module api\n", "services/web/package.json": "{}\n"})
	g := openGit(t, filepath.Join(dir, "services", "api"))
	if g.Prefix() != "services/api" {
		t.Errorf("Prefix = %q, want services/api", g.Prefix())
	}
	if g.Toplevel() != dir {
		t.Errorf("Toplevel = %q, want %q", g.Toplevel(), dir)
	}
	if _, err := g.PublishBranches(context.Background(), result("containerize the api",
		task{id: "container", mode: "container-engineer", put: map[string]string{"services/api/Dockerfile": "FROM x\n"}})); err != nil {
		t.Fatal(err)
	}
	files := treeFiles(t, dir, "devops-lead/containerize-the-api/container-engineer")
	want := []string{"services/api/Dockerfile", "services/api/go.mod", "services/web/package.json"}
	if !reflect.DeepEqual(files, want) {
		t.Errorf("files = %v, want %v", files, want)
	}
	if root := openGit(t, dir); root.Prefix() != "" {
		t.Errorf("Prefix at the root = %q, want empty", root.Prefix())
	}
}

func TestPublishRefusesForeignBranch(t *testing.T) {
	dir := newRepo(t, baseFiles)
	g := openGit(t, dir)
	r := result("add ci", task{id: "ci", mode: "ci-pipeline", put: map[string]string{"ci.yml": "x\n"}})
	const br = "devops-lead/add-ci/ci-pipeline"
	run(t, dir, "branch", br)
	head := run(t, dir, "rev-parse", br)
	_, err := g.PublishBranches(context.Background(), r)
	if err == nil || !strings.Contains(err.Error(), "not made by devops-lead") {
		t.Fatalf("err = %v, want a refusal naming the foreign branch", err)
	}
	if now := run(t, dir, "rev-parse", br); now != head {
		t.Errorf("the foreign branch moved from %s to %s", head, now)
	}
	// A person's commit on top of a devops-lead commit is refused too.
	run(t, dir, "branch", "-D", br)
	if _, err := g.PublishBranches(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	tree := run(t, dir, "rev-parse", br+"^{tree}")
	human := run(t, dir, "commit-tree", tree, "-p", br, "-m", "my own tweak")
	run(t, dir, "update-ref", "refs/heads/"+br, human)
	if _, err := g.PublishBranches(context.Background(), r); err == nil || !strings.Contains(err.Error(), human[:12]) {
		t.Errorf("err = %v, want a refusal naming commit %.12s", err, human)
	}
}

func TestPublishChecksBeforeMovingAnything(t *testing.T) {
	dir := newRepo(t, baseFiles)
	g := openGit(t, dir)
	r := result("add ci",
		task{id: "ci", mode: "ci-pipeline", put: map[string]string{"ci.yml": "x\n"}},
		task{id: "bad", mode: "bad..mode", put: map[string]string{"b.yml": "x\n"}},
	)
	_, err := g.PublishBranches(context.Background(), r)
	if err == nil || !strings.Contains(err.Error(), "not a valid branch name") {
		t.Fatalf("err = %v, want an invalid branch name", err)
	}
	if out := run(t, dir, "branch", "--list", "devops-lead/*"); out != "" {
		t.Errorf("a branch was written although a later task was refused: %s", out)
	}
}

func TestPublishRefusesCheckedOutBranch(t *testing.T) {
	dir := newRepo(t, baseFiles)
	g := openGit(t, dir)
	ctx := context.Background()
	if _, err := g.PublishBranches(ctx, result("add ci", task{id: "ci", mode: "ci-pipeline", put: map[string]string{"ci.yml": "1\n"}})); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "switch", "-q", "devops-lead/add-ci/ci-pipeline")
	_, err := g.PublishBranches(ctx, result("add ci", task{id: "ci", mode: "ci-pipeline", put: map[string]string{"ci.yml": "2\n"}}))
	if err == nil || !strings.Contains(err.Error(), "checked out") {
		t.Errorf("err = %v, want a refusal to move the checked-out branch", err)
	}
}

func TestPublishDefaultIdentityAndScriptMode(t *testing.T) {
	dir := newRepo(t, baseFiles)
	run(t, dir, "config", "--unset", "user.name")
	run(t, dir, "config", "--unset", "user.email")
	g := openGit(t, dir)
	if _, err := g.PublishBranches(context.Background(), result("add ci",
		task{id: "ci", mode: "ci-pipeline", put: map[string]string{".ci/run": "#!/bin/sh\necho ok\n", "ci.yml": "x\n"}})); err != nil {
		t.Fatal(err)
	}
	const br = "devops-lead/add-ci/ci-pipeline"
	if a := run(t, dir, "log", "-1", "--format=%an <%ae>|%cn <%ce>", br); a != "devops-lead <devops-lead@users.noreply.github.com>|devops-lead <devops-lead@users.noreply.github.com>" {
		t.Errorf("identity = %s, want devops-lead's", a)
	}
	if m := run(t, dir, "ls-tree", br, ".ci/run"); !strings.HasPrefix(m, "100755 ") {
		t.Errorf(".ci/run entry = %q, want mode 100755", m)
	}
	if m := run(t, dir, "ls-tree", br, "ci.yml"); !strings.HasPrefix(m, "100644 ") {
		t.Errorf("ci.yml entry = %q, want mode 100644", m)
	}
}

func TestCheckClean(t *testing.T) {
	dir := newRepo(t, map[string]string{"a.txt": "a\n", ".gitignore": "*.log\n"})
	g := openGit(t, dir)
	if err := g.CheckClean(); err != nil {
		t.Fatalf("clean repository: %v", err)
	}
	writeFiles(t, dir, map[string]string{"debug.log": "ignored\n"})
	if err := g.CheckClean(); err != nil {
		t.Errorf("an ignored file made the tree dirty: %v", err)
	}
	writeFiles(t, dir, map[string]string{"a.txt": "changed\n"})
	err := g.CheckClean()
	if !errors.Is(err, ErrDirty) || !strings.Contains(err.Error(), "a.txt") || !strings.Contains(err.Error(), "commit or stash") {
		t.Errorf("modified file: err = %v", err)
	}
	run(t, dir, "checkout", "--", "a.txt")
	writeFiles(t, dir, map[string]string{"n1": "", "n2": "", "n3": "", "n4": "", "n5": "", "n6": "", "n7": ""})
	err = g.CheckClean()
	if !errors.Is(err, ErrDirty) || !strings.Contains(err.Error(), "n1, n2, n3, n4, n5 and 2 more") {
		t.Errorf("untracked files: err = %v, want five named and 2 more", err)
	}
}

func TestOpenGitErrors(t *testing.T) {
	isolateGit(t)
	plain := t.TempDir()
	if _, err := OpenGit(plain); !errors.Is(err, ErrNotRepo) || !strings.Contains(err.Error(), "git init") {
		t.Errorf("plain directory: err = %v, want ErrNotRepo saying to run git init", err)
	}
	empty := t.TempDir()
	run(t, empty, "init", "-q")
	if _, err := OpenGit(empty); !errors.Is(err, ErrNoCommits) || !strings.Contains(err.Error(), "commit something first") {
		t.Errorf("no commits: err = %v, want ErrNoCommits", err)
	}
	if _, err := OpenGit(filepath.Join(plain, "missing")); err == nil {
		t.Error("a missing directory opened")
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := OpenGit(plain); !errors.Is(err, ErrNoGit) {
		t.Errorf("no git on PATH: err = %v, want ErrNoGit", err)
	}
}

func TestPublishMovesAMergedDevopsLeadBranch(t *testing.T) {
	dir := newRepo(t, baseFiles)
	g := openGit(t, dir)
	ctx := context.Background()
	const br = "devops-lead/add-ci/ci-pipeline"
	if _, err := g.PublishBranches(ctx, result("add ci", task{id: "ci", mode: "ci-pipeline", put: map[string]string{"ci.yml": "1\n"}})); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "merge", "-q", "--ff-only", br)
	got, err := g.PublishBranches(ctx, result("add ci", task{id: "ci", mode: "ci-pipeline", put: map[string]string{"ci.yml": "2\n"}}))
	if err != nil {
		t.Fatalf("a merged devops-lead branch was refused: %v", err)
	}
	if got[0].Action != Updated || got[0].Base != run(t, dir, "rev-parse", "HEAD") {
		t.Errorf("result = %+v, want updated on the new HEAD", got[0])
	}
}

func TestPublishKeepsIdentityFromEnvironment(t *testing.T) {
	dir := newRepo(t, baseFiles)
	run(t, dir, "config", "--unset", "user.name")
	run(t, dir, "config", "--unset", "user.email")
	t.Setenv("GIT_AUTHOR_NAME", "Env Author")
	t.Setenv("GIT_AUTHOR_EMAIL", "env@example.com")
	g := openGit(t, dir)
	if _, err := g.PublishBranches(context.Background(), result("add ci", task{id: "ci", mode: "ci-pipeline", put: map[string]string{"ci.yml": "x\n"}})); err != nil {
		t.Fatal(err)
	}
	want := "Env Author <env@example.com>|devops-lead <devops-lead@users.noreply.github.com>"
	if a := run(t, dir, "log", "-1", "--format=%an <%ae>|%cn <%ce>", "devops-lead/add-ci/ci-pipeline"); a != want {
		t.Errorf("identity = %s, want %s", a, want)
	}
}

func TestOpenGitExplainsDubiousOwnership(t *testing.T) {
	dir := newRepo(t, baseFiles)
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Skipf("cannot give the repository to another user: %v", err)
	}
	defer os.Chown(dir, os.Getuid(), os.Getgid())
	_, err := OpenGit(dir)
	if err == nil || !strings.Contains(err.Error(), "safe.directory") {
		t.Errorf("err = %v, want advice on safe.directory", err)
	}
}
