// Command gen100k writes a synthetic monorepo (100,000 files by default)
// into a directory and commits it with git, for the stack detection and
// `devops-lead run` benchmarks.
//
//	go run ./bench/gen100k -out /tmp/repo100k [-files 100000] [-git=false]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/devops-lead/devops-lead/bench/gen"
)

func main() {
	out := flag.String("out", "", "directory to write the repository into (created if missing; must be empty)")
	files := flag.Int("files", 100_000, "number of files to write")
	doGit := flag.Bool("git", true, "git init the directory and commit the files")
	flag.Parse()
	if err := run(*out, *files, *doGit); err != nil {
		fmt.Fprintln(os.Stderr, "gen100k:", err)
		os.Exit(1)
	}
}

func run(out string, files int, doGit bool) error {
	if out == "" {
		return fmt.Errorf("-out is required: the directory to write the repository into")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", out, err)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return fmt.Errorf("read %s: %w", out, err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s is not empty; pass a new or empty directory", out)
	}
	start := time.Now()
	if err := gen.Generate(out, files); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %d files in %s\n", files, time.Since(start).Round(time.Millisecond))
	if !doGit {
		return nil
	}
	start = time.Now()
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"add", "-A"},
		// No background gc or maintenance: it would race the caller's cleanup.
		{"-c", "user.name=gen100k", "-c", "user.email=gen100k@example.invalid", "-c", "commit.gpgsign=false",
			"-c", "gc.auto=0", "-c", "maintenance.auto=false", "commit", "-q", "-m", "synthetic monorepo"},
	} {
		cmd := exec.Command("git", append([]string{"-C", out}, args...)...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("git %s: %w (is git installed?)", args[0], err)
		}
	}
	fmt.Fprintf(os.Stderr, "committed in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}
