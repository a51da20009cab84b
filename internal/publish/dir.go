package publish

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
)

// DeletionsFile is the file in Dir.Out that lists the paths the plan
// deletes; Dir never deletes anything.
const DeletionsFile = "DELETIONS.txt"

// Dir publishes a run's result as files under an output directory, laid
// out as in the repository, for people to inspect or copy. It writes every
// file of every task that finished with changes (a later task wins a path
// two tasks write), lists deletions in DeletionsFile instead of deleting,
// and refuses paths that would leave Out, symbolic links included. Running
// it twice rewrites the same files.
type Dir struct {
	// Out is the output directory; it is created when missing.
	Out string

	mu        sync.Mutex
	written   []OutFile
	deletions []OutFile
}

// OutFile is one file of a Dir publication.
type OutFile struct {
	// Task is the id of the task the file comes from.
	Task string `json:"task"`
	// Path is slash-separated and relative to Out (and the repository).
	Path string    `json:"path"`
	Op   change.Op `json:"op"`
}

// Written returns the files the last Publish wrote, sorted by path.
func (d *Dir) Written() []OutFile {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]OutFile(nil), d.written...)
}

// Deletions returns the deletions the last Publish listed in
// DeletionsFile, sorted by path.
func (d *Dir) Deletions() []OutFile {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]OutFile(nil), d.deletions...)
}

// Publish implements engine.Publisher. Every path is checked before the
// first file is written; a symbolic link inside Out that leads outside it
// is refused when a write meets it.
func (d *Dir) Publish(ctx context.Context, r *engine.Result) error {
	if r == nil {
		return errors.New("publish: no result to publish")
	}
	if strings.TrimSpace(d.Out) == "" {
		return errors.New("publish: no output directory given (set --out)")
	}
	final := map[string]struct {
		task string
		f    *change.File
	}{}
	for _, tr := range publishable(r) {
		for _, f := range tr.ChangeSet.Files {
			if err := engine.CheckPath(f.Path); err != nil {
				return fmt.Errorf("task %q: %w", tr.Task.ID, err)
			}
			final[f.Path] = struct {
				task string
				f    *change.File
			}{tr.Task.ID, f}
		}
	}
	var written, deletions []OutFile
	for p, e := range final {
		of := OutFile{Task: e.task, Path: p, Op: e.f.Op}
		if e.f.Op == change.Delete {
			deletions = append(deletions, of)
		} else {
			written = append(written, of)
		}
	}
	sortOut(written)
	sortOut(deletions)
	if len(deletions) > 0 {
		if e, ok := final[DeletionsFile]; ok && e.f.Op != change.Delete {
			return fmt.Errorf("task %q writes %s, the file the output directory uses to list deletions: publish to branches instead", e.task, DeletionsFile)
		}
	}
	if err := os.MkdirAll(d.Out, 0o755); err != nil {
		return fmt.Errorf("create the output directory: %w", err)
	}
	root, err := os.OpenRoot(d.Out)
	if err != nil {
		return fmt.Errorf("open the output directory: %w", err)
	}
	defer root.Close()
	for _, of := range written {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := writeIn(root, of.Path, final[of.Path].f.Content); err != nil {
			return fmt.Errorf("task %q: write %s under %s: %w", of.Task, of.Path, d.Out, err)
		}
	}
	if len(deletions) > 0 {
		if err := writeIn(root, DeletionsFile, deletionList(deletions)); err != nil {
			return fmt.Errorf("write %s under %s: %w", DeletionsFile, d.Out, err)
		}
	}
	d.mu.Lock()
	d.written, d.deletions = written, deletions
	d.mu.Unlock()
	return nil
}

// writeIn writes one file inside root, creating its directories.
func writeIn(root *os.Root, name string, content []byte) error {
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return root.WriteFile(name, content, 0o644)
}

func deletionList(dels []OutFile) []byte {
	var b strings.Builder
	b.WriteString("# Files the devops-lead plan deletes. Nothing was deleted here:\n")
	b.WriteString("# delete them in the repository when you apply these files.\n")
	for _, d := range dels {
		fmt.Fprintf(&b, "%s\t(task %s)\n", d.Path, oneLine(d.Task))
	}
	return []byte(b.String())
}

func sortOut(fs []OutFile) {
	sort.Slice(fs, func(i, j int) bool { return fs[i].Path < fs[j].Path })
}
