package publish

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
)

// isolateGit makes git ignore the machine's configuration and identity,
// so tests see only what they set up.
func isolateGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(home, "gitconfig"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_OPTIONAL_LOCKS", "0")
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(home))
	for _, k := range []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",
		"GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// run runs git in dir and returns its trimmed output, failing the test on
// error.
func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimRight(string(out), "\n")
}

// writeFiles writes files (slash paths → content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// newRepo returns a repository with one commit holding files, on branch
// main, with a configured user.
func newRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	isolateGit(t)
	dir := t.TempDir()
	run(t, dir, "init", "-q", "-b", "main")
	run(t, dir, "config", "user.name", "Ada Tester")
	run(t, dir, "config", "user.email", "ada@example.com")
	writeFiles(t, dir, files)
	run(t, dir, "add", "-A")
	run(t, dir, "commit", "-q", "-m", "initial")
	return dir
}

// state is what publishing must not touch.
type state struct {
	head, branch, status, index string
}

func snapshot(t *testing.T, dir string) state {
	t.Helper()
	idx, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}
	return state{
		head:   run(t, dir, "rev-parse", "HEAD"),
		branch: run(t, dir, "symbolic-ref", "HEAD"),
		status: run(t, dir, "status", "--porcelain", "--untracked-files=all"),
		index:  string(idx),
	}
}

// task is a shorthand for a done task with a ChangeSet.
type task struct {
	id, mode string
	put      map[string]string
	del      []string
	status   engine.Status
}

func result(title string, tasks ...task) *engine.Result {
	r := &engine.Result{Issue: engine.Issue{Title: title}, Plan: &engine.Plan{}}
	for _, tk := range tasks {
		cs := change.New(tk.id, tk.mode)
		for p, c := range tk.put {
			cs.Put(p, []byte(c), nil, "")
		}
		for _, p := range tk.del {
			cs.Remove(p, []byte("old"), "")
		}
		st := tk.status
		if st == "" {
			st = engine.StatusDone
		}
		t := engine.Task{ID: tk.id, Mode: tk.mode, Title: "Task " + tk.id, Goal: "Goal of " + tk.id}
		r.Plan.Tasks = append(r.Plan.Tasks, t)
		r.Tasks = append(r.Tasks, engine.TaskResult{Task: t, Status: st, ChangeSet: cs, Rounds: 1})
	}
	return r
}

// treeFiles lists a commit's files.
func treeFiles(t *testing.T, dir, rev string) []string {
	t.Helper()
	out := run(t, dir, "ls-tree", "-r", "--name-only", rev)
	if out == "" {
		return nil
	}
	return strings.Split(out, "\n")
}
