package publish

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
)

// buildTree writes the tree of base with the ChangeSet applied and returns
// its id. It works in a temporary index file, so the user's index and
// working tree are never read or written.
func (g *Git) buildTree(ctx context.Context, base string, cs *change.ChangeSet) (string, error) {
	tmp, err := os.MkdirTemp("", "devops-lead-index-")
	if err != nil {
		return "", fmt.Errorf("create a temporary index: %w", err)
	}
	defer os.RemoveAll(tmp)
	idx := []string{"GIT_INDEX_FILE=" + filepath.Join(tmp, "index")}
	if _, err := g.r.run(ctx, nil, idx, "read-tree", base); err != nil {
		return "", fmt.Errorf("read the tree of HEAD: %w", err)
	}
	modes, err := g.modes(ctx, idx, cs)
	if err != nil {
		return "", err
	}
	var info strings.Builder
	var removed []string
	for _, f := range cs.Files {
		if err := engine.CheckPath(f.Path); err != nil {
			return "", err
		}
		if f.Op == change.Delete {
			removed = append(removed, f.Path)
			continue
		}
		blob, err := g.r.run(ctx, f.Content, nil, "hash-object", "-w", "--stdin")
		if err != nil {
			return "", fmt.Errorf("store %s: %w", f.Path, err)
		}
		fmt.Fprintf(&info, "%s %s\t%s\x00", fileMode(modes[f.Path], f.Content), strings.TrimSpace(blob), f.Path)
	}
	if len(removed) > 0 {
		args := append([]string{"update-index", "--force-remove", "--"}, removed...)
		if _, err := g.r.run(ctx, nil, idx, args...); err != nil {
			return "", fmt.Errorf("delete %s: %w", strings.Join(removed, ", "), err)
		}
	}
	if info.Len() > 0 {
		if _, err := g.r.run(ctx, []byte(info.String()), idx, "update-index", "-z", "--index-info"); err != nil {
			return "", fmt.Errorf("add the files (a file may clash with a directory of the same name): %w", err)
		}
	}
	tree, err := g.r.run(ctx, nil, idx, "write-tree")
	if err != nil {
		return "", fmt.Errorf("write the tree (a new file may clash with a directory of the same name): %w", err)
	}
	return strings.TrimSpace(tree), nil
}

// modes returns the index modes of the ChangeSet's paths that exist in
// the temporary index.
func (g *Git) modes(ctx context.Context, idx []string, cs *change.ChangeSet) (map[string]string, error) {
	args := append([]string{"ls-files", "--stage", "-z", "--"}, cs.Paths()...)
	out, err := g.r.run(ctx, nil, idx, args...)
	if err != nil {
		return nil, fmt.Errorf("read the files of HEAD: %w", err)
	}
	modes := map[string]string{}
	for _, e := range strings.Split(out, "\x00") {
		// "<mode> <object> <stage>\t<path>"
		meta, path, ok := strings.Cut(e, "\t")
		if !ok {
			continue
		}
		if mode, _, ok := strings.Cut(meta, " "); ok {
			modes[path] = mode
		}
	}
	return modes, nil
}

// fileMode keeps an existing regular file's mode and makes a new file
// executable when it starts with "#!" (a script such as .ci/run).
func fileMode(existing string, content []byte) string {
	switch existing {
	case "100644", "100755":
		return existing
	}
	if strings.HasPrefix(string(content), "#!") {
		return "100755"
	}
	return "100644"
}
