package publish

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// syntheticRepo makes a repository whose one commit has n files (all the
// same blob, written through a scratch index, so it is quick to build).
func syntheticRepo(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	git := func(stdin string, args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("", "init", "-q", "-b", "main")
	git("", "config", "user.name", "Bench")
	git("", "config", "user.email", "bench@example.com")
	blob := git("package x\n", "hash-object", "-w", "--stdin")
	var info strings.Builder
	for i := range n {
		fmt.Fprintf(&info, "100644 %s\tsrc/d%03d/f%06d.go\n", blob, i%500, i)
	}
	git(info.String(), "update-index", "--add", "--index-info")
	tree := git("", "write-tree")
	commit := git("", "commit-tree", tree, "-m", "synthetic")
	git("", "update-ref", "refs/heads/main", commit)
	git("", "reset", "-q") // make the index match HEAD
	return dir
}

// BenchmarkPublishBranches publishes two tasks (three files) into a
// repository of BENCH_PUBLISH_FILES files (default 10,000), alternating
// the content so every iteration writes new commits.
func BenchmarkPublishBranches(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git is not installed")
	}
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("BENCH_PUBLISH_FILES")); err == nil && v > 0 {
		n = v
	}
	b.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	b.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	g, err := OpenGit(syntheticRepo(b, n))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		v := strconv.Itoa(i % 2)
		r := result("bench", task{id: "ci", mode: "ci-pipeline", put: map[string]string{".github/workflows/ci.yml": v}},
			task{id: "container", mode: "container-engineer", put: map[string]string{"Dockerfile": v, ".dockerignore": v}})
		got, err := g.PublishBranches(ctx, r)
		if err != nil {
			b.Fatal(err)
		}
		if i > 0 && got[0].Action != Updated {
			b.Fatalf("iteration %d: %s, want updated", i, got[0].Action)
		}
	}
	b.ReportMetric(float64(n), "repo-files")
}
