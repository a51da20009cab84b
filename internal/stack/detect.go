package stack

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// The default caps of Detect.
const (
	// DefaultMaxFiles is the number of directory entries walked before the
	// walk stops and the Repo is marked Truncated.
	DefaultMaxFiles = 200_000
	// DefaultMaxBytes is the number of manifest bytes read in all.
	DefaultMaxBytes = 2 << 20
	// MaxFileBytes is the largest single file Detect reads; a larger
	// manifest gives a Warning and is skipped.
	MaxFileBytes = 256 << 10
	// maxWarnings bounds the warnings a Repo carries.
	maxWarnings = 50
)

// Options bound and focus detection.
type Options struct {
	// Dir restricts detection to a subtree (the monorepo case: --repo
	// points at one service); "" or "." means the whole repository.
	// Services are reported only under Dir (or, when Dir has none, the
	// nearest service that contains Dir); artifacts in Dir's ancestors
	// (root compose files, Dockerfiles) and the root's .github/workflows
	// are still listed. Paths in the Repo stay relative to the root.
	Dir string
	// MaxFiles caps the directory entries walked; 0 means the default.
	MaxFiles int
	// MaxBytes caps the manifest bytes read; 0 means the default.
	MaxBytes int64
}

// Detect walks the repository (skipping .git, node_modules, vendor and
// other dependency or build directories) and reads the manifests it needs.
// Malformed or oversized manifests become Warnings, never errors: Detect
// fails only when fsys or opts.Dir cannot be used at all, or when a read
// failed (workspace.Failed: a remote workspace's 5xx or timeout), which
// is an error wrapping a *workspace.ReadError, never taken for absence.
func Detect(fsys fs.FS, opts Options) (*Repo, error) {
	if fsys == nil {
		return nil, errors.New("stack: no repository to detect (nil fs.FS)")
	}
	focus, err := cleanDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	if focus != "." {
		st, err := fs.Stat(fsys, focus)
		if err != nil {
			return nil, fmt.Errorf("stack: focus directory %q: %w; pass a directory that exists in the repository", focus, err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("stack: focus %q is a file; pass its directory instead", focus)
		}
	}
	maxFiles := opts.MaxFiles
	if maxFiles <= 0 {
		maxFiles = DefaultMaxFiles
	}
	maxBytes := opts.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	d := &detector{
		fsys:  fsys,
		focus: focus,
		r:     newReader(fsys, maxBytes, MaxFileBytes),
		idx:   newIndex(),
		facts: map[string]*dirFacts{},
	}
	w := &walker{fsys: fsys, idx: d.idx, max: maxFiles}
	if err := w.run(focus); err != nil {
		return nil, err
	}
	if w.failed != nil {
		return nil, fmt.Errorf("stack: %w", w.failed)
	}
	repo := &Repo{}
	repo.Services, repo.Unsupported = d.unsupported(d.services())
	d.finishModel(repo)
	if focus != "." {
		repo.Focus = focus
	}
	repo.Artifacts = d.artifacts()
	if d.r.failed != nil {
		// A file that could not be read is not absent: detecting without
		// it would describe another repository.
		return nil, fmt.Errorf("stack: %w", d.r.failed)
	}
	repo.FilesSeen = w.seen
	repo.Truncated = w.truncated
	warnings := append(w.warnings, d.r.warnings...)
	if w.truncated {
		warnings = append(warnings, fmt.Sprintf("walk stopped after %d entries (the file cap): results are partial; focus on a subdirectory or raise the cap", w.seen))
	}
	if s := d.r.budgetWarning(); s != "" {
		warnings = append(warnings, s)
	}
	sort.Strings(warnings)
	if len(warnings) > maxWarnings {
		more := len(warnings) - maxWarnings
		warnings = append(warnings[:maxWarnings:maxWarnings], fmt.Sprintf("... and %d more warnings", more))
	}
	repo.Warnings = warnings
	repo.BytesRead = d.r.used
	if repo.Services == nil {
		repo.Services = []Service{}
	}
	return repo, nil
}

// cleanDir turns opts.Dir into a clean fs.FS path or says what is wrong.
func cleanDir(dir string) (string, error) {
	dir = strings.ReplaceAll(strings.TrimSpace(dir), "\\", "/")
	if dir == "" {
		return ".", nil
	}
	if strings.HasPrefix(dir, "/") {
		return "", fmt.Errorf("stack: focus directory %q must be relative to the repository root, e.g. services/api", dir)
	}
	dir = path.Clean(dir)
	if !fs.ValidPath(dir) {
		return "", fmt.Errorf("stack: focus directory %q leaves the repository; pass a path inside it, e.g. services/api", dir)
	}
	return dir, nil
}

// detector holds the state of one Detect call after the walk.
type detector struct {
	fsys  fs.FS
	focus string
	r     *reader
	idx   *index
	// facts caches what each analysed directory tells its children
	// (versions and lock files to inherit).
	facts map[string]*dirFacts
	// units holds what each language analyser learnt about a unit's
	// kind (kind.go).
	units map[string]*unitFacts
	// gradleRoots maps Gradle subprojects with no build file of their own
	// to the root build file that configures them (gradle_members.go).
	gradleRoots map[string]string
}

// dirFacts is what a manifest directory hands down to nested services.
type dirFacts struct {
	javaVersion, javaSource string
	rustVersion, rustSource string
	rustEdition             string
}

// inFocus reports whether dir lies in the focus subtree.
func (d *detector) inFocus(dir string) bool {
	return within(dir, d.focus)
}

// within reports whether dir is base or below it.
func within(dir, base string) bool {
	if base == "." || dir == base {
		return true
	}
	return strings.HasPrefix(dir, base+"/")
}

// rel returns the path of target relative to dir; both are clean
// slash paths and target lies in dir or one of its ancestors' trees.
func rel(dir, target string) string {
	if dir == "." {
		return target
	}
	up := strings.Count(dir, "/") + 1
	return strings.Repeat("../", up) + strings.TrimPrefix(target, "./")
}

// join is path.Join that keeps "." roots short.
func join(dir, name string) string {
	if dir == "." || dir == "" {
		return name
	}
	return dir + "/" + name
}

// ancestors returns dir's parents from the nearest up to ".", dir
// excluded.
func ancestors(dir string) []string {
	var out []string
	for dir != "." {
		dir = path.Dir(dir)
		out = append(out, dir)
	}
	return out
}

// findUp looks for name in dir and then its ancestors and returns its
// path, or "".
func (d *detector) findUp(dir, name string) string {
	if p := join(dir, name); d.idx.has(p) {
		return p
	}
	for _, a := range ancestors(dir) {
		if p := join(a, name); d.idx.has(p) {
			return p
		}
	}
	return ""
}
