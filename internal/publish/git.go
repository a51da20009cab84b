package publish

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Errors OpenGit and CheckClean wrap, so a front door can tell them apart
// with errors.Is.
var (
	ErrNoGit     = errors.New("git is not installed")
	ErrNotRepo   = errors.New("not inside a git repository")
	ErrNoCommits = errors.New("the repository has no commits yet")
	ErrDirty     = errors.New("the working tree has uncommitted changes")
)

// Git publishes a run's result as local branches of one repository, one
// branch per finished task, each a single commit on HEAD. It writes objects
// and refs only: the working tree, the index and the current branch stay as
// they are. Publish calls on one Git should not overlap.
type Git struct {
	r        runner
	toplevel string
	prefix   string

	mu       sync.Mutex
	branches []BranchResult
}

// OpenGit opens the repository that contains dir. dir may be a
// subdirectory (a service in a monorepo): Toplevel is then the repository
// root and Prefix the path of dir inside it. The repository must have at
// least one commit, since branches are built on HEAD.
func OpenGit(dir string) (*Git, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, fmt.Errorf("%w (install git, or use --dry-run / --out): %w", ErrNoGit, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", dir, err)
	}
	if fi, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory: give the repository's directory", dir)
	}
	ctx := context.Background()
	r := runner{dir: abs}
	top, err := r.line(ctx, "rev-parse", "--show-toplevel")
	if err == nil && top == "" {
		err = errors.New("git printed no top-level directory")
	}
	var ge *gitError
	if errors.As(err, &ge) && strings.Contains(ge.stderr, "dubious ownership") {
		return nil, fmt.Errorf("git refuses %s because another user owns it (if you trust it: git config --global --add safe.directory %s): %w",
			dir, abs, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s is %w (run git init, or use --dry-run / --out): %w", dir, ErrNotRepo, err)
	}
	prefix, err := r.line(ctx, "rev-parse", "--show-prefix")
	if err != nil {
		return nil, fmt.Errorf("find %s inside the repository: %w", dir, err)
	}
	g := &Git{r: runner{dir: filepath.FromSlash(top)}, toplevel: filepath.FromSlash(top),
		prefix: strings.TrimSuffix(filepath.ToSlash(prefix), "/")}
	if _, err := g.Head(); err != nil {
		return nil, err
	}
	return g, nil
}

// Toplevel returns the repository's root directory.
func (g *Git) Toplevel() string { return g.toplevel }

// Prefix returns the opened directory relative to Toplevel in slash form
// without a trailing slash ("services/api"), or "" at the root.
func (g *Git) Prefix() string { return g.prefix }

// Head returns the commit HEAD points at. A repository without commits
// gives an error wrapping ErrNoCommits.
func (g *Git) Head() (string, error) {
	return g.head(context.Background())
}

func (g *Git) head(ctx context.Context) (string, error) {
	sha, err := g.r.line(ctx, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	if err != nil || sha == "" {
		if err != nil && exitCode(err) != 1 {
			return "", fmt.Errorf("read HEAD of %s: %w", g.toplevel, err)
		}
		return "", fmt.Errorf("%s: %w (commit something first, or use --out)", g.toplevel, ErrNoCommits)
	}
	return sha, nil
}

// maxDirtyListed bounds the paths CheckClean names.
const maxDirtyListed = 5

// CheckClean returns an error wrapping ErrDirty when the repository has
// tracked changes (staged or not) or untracked files that are not ignored.
// Branches are built from HEAD while the plan was made from the files on
// disk, so the two must agree.
func (g *Git) CheckClean() error {
	out, err := g.r.run(context.Background(), nil, nil, "status", "--porcelain=v1", "-z", "--untracked-files=normal", "--ignore-submodules=none")
	if err != nil {
		return fmt.Errorf("check the working tree of %s: %w", g.toplevel, err)
	}
	paths := dirtyPaths(out)
	if len(paths) == 0 {
		return nil
	}
	listed := paths
	if len(listed) > maxDirtyListed {
		listed = listed[:maxDirtyListed]
	}
	more := ""
	if n := len(paths) - len(listed); n > 0 {
		more = fmt.Sprintf(" and %d more", n)
	}
	return fmt.Errorf("%w in %s (%s%s): commit or stash them first, since branches are built from HEAD and the plan was made from the files on disk",
		ErrDirty, g.toplevel, strings.Join(listed, ", "), more)
}

// dirtyPaths parses `git status --porcelain=v1 -z`: "XY path\0", where a
// rename or copy is followed by its source path as a separate field.
func dirtyPaths(out string) []string {
	var paths []string
	fields := strings.Split(out, "\x00")
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if len(f) < 4 {
			continue
		}
		paths = append(paths, f[3:])
		if f[0] == 'R' || f[0] == 'C' {
			i++ // skip the source path
		}
	}
	return paths
}
