package validate

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// MaxFileSize is the largest file Discover loads. A larger artifact is not
// checked; DiscoverAll reports it as a file-too-large finding instead.
const MaxFileSize = 1 << 20

// kindSniffSize is how much of an oversized file is read to tell its kind.
const kindSniffSize = 64 << 10

// skipDirs are the directories Discover never descends into while walking:
// version control, dependency trees, tool caches and Terraform's provider
// cache. A directory named on the command line is still walked.
var skipDirs = map[string]bool{
	".git":              true,
	".hg":               true,
	".svn":              true,
	"node_modules":      true,
	"bower_components":  true,
	".yarn":             true,
	".pnpm-store":       true,
	"vendor":            true,
	".terraform":        true,
	".terragrunt-cache": true,
	".venv":             true,
	".tox":              true,
	".nox":              true,
	"__pycache__":       true,
	".mypy_cache":       true,
	".pytest_cache":     true,
	".ruff_cache":       true,
	".gradle":           true,
	".next":             true,
	".nuxt":             true,
}

var ruleFileTooLarge = register(Rule{
	ID: "file-too-large", Kind: KindAny, Severity: Warning,
	Summary: "a file larger than 1 MiB is not checked",
	Help:    "split the file, or check it with the tool of its kind; generic YAML/JSON/TOML data files get a note instead of a warning",
})

// Discovery is what DiscoverAll found under the paths it was given.
type Discovery struct {
	// Files are the artifacts to check, with their content, sorted by path.
	Files []File
	// Skipped are findings for files that were not loaded (file-too-large),
	// sorted by path.
	Skipped []Finding
}

// Discover walks the given files and directories and returns the artifacts
// among them (see DiscoverAll) with their content, sorted by path. Files
// larger than MaxFileSize are left out; use DiscoverAll to learn of them.
func Discover(root string, paths []string) ([]File, error) {
	d, err := DiscoverAll(root, paths)
	return d.Files, err
}

// DiscoverAll walks the given files and directories and collects the
// artifacts among them: every file whose KindOf is not KindOther (workflows,
// Dockerfiles, Compose, Terraform, Kubernetes, Prometheus rules, Helm
// Chart.yaml and any other YAML, JSON or TOML file), and every file under
// the templates/ directory of a Helm chart (a directory holding
// Chart.yaml), whatever its name (_helpers.tpl, NOTES.txt). A file named
// explicitly in paths is always included, whatever its kind, so that the
// rules for every file (secrets) still apply to it. Helm charts are taken
// whole: when a chart's template, values.yaml or Chart.yaml is found, the
// chart's directory is walked too, so that Check can render it. While
// walking, Discover skips version control, dependency and cache
// directories (.git, node_modules, vendor, .terraform, .venv and the rest
// of skipDirs, and any Python virtual environment), symbolic links and the
// JSON files their tools read as JSON with comments (tsconfig.json,
// .vscode/*.json, devcontainer.json...). Relative paths are taken from
// root; returned paths are relative to root in slash form (with "../" for
// paths outside root). An empty paths means root itself. Each file is
// returned once, in path order.
func DiscoverAll(root string, paths []string) (Discovery, error) {
	if root == "" {
		root = "."
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return Discovery{}, fmt.Errorf("discover: resolve root %s: %w", root, err)
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	w := &walker{root: absRoot, seen: map[string]bool{}, chartDirs: map[string]string{}, charts: map[string]bool{}, walked: map[string]bool{}}
	for _, p := range paths {
		if err := w.add(p); err != nil {
			return Discovery{}, err
		}
	}
	if err := w.addCharts(); err != nil {
		return Discovery{}, err
	}
	sort.Slice(w.out.Files, func(i, j int) bool { return w.out.Files[i].Path < w.out.Files[j].Path })
	Sort(w.out.Skipped)
	return w.out, nil
}

type walker struct {
	root      string
	seen      map[string]bool
	out       Discovery
	chartDirs map[string]string // directory -> its chart's directory, "" for none
	charts    map[string]bool   // chart directories met, to be taken whole
	walked    map[string]bool   // chart directories walked whole
}

// add collects the artifacts under one command-line path.
func (w *walker) add(p string) error {
	abs := p
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(w.root, p)
	}
	info, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("discover: %s: %w (check the path exists and is readable)", p, err)
	}
	if !info.IsDir() {
		if !info.Mode().IsRegular() {
			w.notRegular(abs, info.Mode())
			return nil
		}
		return w.file(abs, info.Size(), true)
	}
	if li, err := os.Lstat(abs); err == nil && li.Mode()&fs.ModeSymlink != 0 {
		// A directory named through a symbolic link: a trailing separator
		// makes the walk follow the link at the top only.
		abs += string(filepath.Separator)
	}
	return filepath.WalkDir(abs, func(fp string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("discover: walk %s: %w (check the directory is readable)", fp, err)
		}
		if d.IsDir() {
			if fp != abs && (skipDirs[d.Name()] || isVirtualenv(fp)) {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Name() == "Chart.yaml" && d.Type().IsRegular() {
			w.walked[filepath.Dir(fp)] = true // a chart walked whole
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil // symbolic links are not followed
		}
		if !d.Type().IsRegular() {
			// FIFOs, sockets, devices: reading one could block forever.
			if maybeArtifact(w.rel(fp)) {
				w.notRegular(fp, d.Type())
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("discover: stat %s: %w", fp, err)
		}
		return w.file(fp, info.Size(), false)
	})
}

// file loads one candidate file and keeps it when it is an artifact.
func (w *walker) file(abs string, size int64, explicit bool) error {
	rel := w.rel(abs)
	if w.seen[rel] {
		return nil
	}
	template := w.chartFile(abs)
	// The kind of most files shows in the name alone: skip the read of
	// files that cannot be artifacts.
	if !explicit && !template && (!maybeArtifact(rel) || isJSONWithComments(rel)) {
		return nil
	}
	if info, err := os.Stat(abs); err == nil && !info.Mode().IsRegular() {
		w.notRegular(abs, info.Mode()) // replaced since it was listed
		return nil
	}
	limit := int64(MaxFileSize)
	if size > MaxFileSize {
		limit = kindSniffSize
	}
	content, err := readPrefix(abs, limit)
	if err != nil {
		return fmt.Errorf("discover: read %s: %w (check the file is readable)", rel, err)
	}
	kind := KindOf(rel, content)
	if kind == KindOther && !explicit && !template {
		return nil
	}
	w.seen[rel] = true
	if size > MaxFileSize || int64(len(content)) > MaxFileSize {
		f := ruleFileTooLarge.at(rel, 0, 0, "not checked: the file is %d bytes, more than the %d-byte limit", size, MaxFileSize)
		switch kind {
		case KindYAML, KindJSON, KindTOML, KindOther:
			if !template {
				f.Severity = Note
			}
		}
		w.out.Skipped = append(w.out.Skipped, f)
		return nil
	}
	w.out.Files = append(w.out.Files, File{Path: rel, Content: content})
	return nil
}

var ruleNotRegular = register(Rule{
	ID: "file-not-regular", Kind: KindAny, Severity: Warning,
	Summary: "only regular files are checked: a FIFO, socket or device is skipped, never read",
	Help:    "pass the regular file instead (a named pipe would block the reader until something writes to it)",
})

// notRegular records a skipped FIFO, socket or device.
func (w *walker) notRegular(abs string, mode fs.FileMode) {
	rel := w.rel(abs)
	if w.seen[rel] {
		return
	}
	w.seen[rel] = true
	what := "not a regular file"
	switch {
	case mode&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		what = "a socket"
	case mode&fs.ModeDevice != 0 || mode&fs.ModeCharDevice != 0:
		what = "a device"
	}
	w.out.Skipped = append(w.out.Skipped, ruleNotRegular.at(rel, 0, 0, "not checked: %s, not a regular file", what))
}

// rel returns abs relative to the root in slash form, or abs itself in
// slash form when no relative path exists (another volume).
func (w *walker) rel(abs string) string {
	r, err := filepath.Rel(w.root, abs)
	if err != nil {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(r)
}

// maybeArtifact reports whether KindOf could return a kind other than
// KindOther for a file at p, judging by the name alone.
func maybeArtifact(p string) bool {
	return KindOf(p, nil) != KindOther
}

// chartFile reports whether a file is under the templates/ directory of a
// Helm chart, and notes the chart to take whole when the file is one of
// its templates, its values.yaml or its Chart.yaml.
func (w *walker) chartFile(abs string) bool {
	slash := filepath.ToSlash(abs)
	base := path.Base(slash)
	if !strings.Contains(slash, "/templates/") && base != "values.yaml" && base != "Chart.yaml" {
		return false
	}
	root := w.chartOf(filepath.Dir(abs))
	if root == "" {
		return false
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return false
	}
	rel = filepath.ToSlash(rel)
	template := strings.HasPrefix(rel, "templates/")
	if template || rel == "values.yaml" || rel == "Chart.yaml" {
		w.charts[root] = true
	}
	return template
}

// chartOf returns the nearest directory from dir up that holds a
// Chart.yaml, or "".
func (w *walker) chartOf(dir string) string {
	if root, ok := w.chartDirs[dir]; ok {
		return root
	}
	root := ""
	if info, err := os.Stat(filepath.Join(dir, "Chart.yaml")); err == nil && info.Mode().IsRegular() {
		root = dir
	} else if parent := filepath.Dir(dir); parent != dir {
		root = w.chartOf(parent)
	}
	w.chartDirs[dir] = root
	return root
}

// addCharts walks the directory of every chart met but not walked whole,
// so that each chart is checked whole.
func (w *walker) addCharts() error {
	for {
		var todo []string
		for root := range w.charts {
			if !w.walked[root] {
				todo = append(todo, root)
			}
		}
		if len(todo) == 0 {
			return nil
		}
		sort.Strings(todo)
		for _, root := range todo {
			w.walked[root] = true
			if err := w.add(root); err != nil {
				return err
			}
		}
	}
}

// isVirtualenv reports whether dir is a Python virtual environment,
// whatever its name: it holds a pyvenv.cfg.
func isVirtualenv(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "pyvenv.cfg"))
	return err == nil
}

// jsoncNames are JSON files their tools read with comments and trailing
// commas allowed; a strict JSON parse would flag them falsely.
var jsoncNames = map[string]bool{
	"devcontainer.json":  true,
	".devcontainer.json": true,
	".eslintrc.json":     true,
	".babelrc.json":      true,
	"tslint.json":        true,
	"turbo.json":         true,
}

// isJSONWithComments reports whether a slash path names a JSON-with-
// comments file: tsconfig*.json, jsconfig*.json, the names above, or any
// JSON file under .vscode or .devcontainer.
func isJSONWithComments(p string) bool {
	lower := strings.ToLower(p)
	if !strings.HasSuffix(lower, ".json") {
		return false
	}
	base := path.Base(lower)
	if jsoncNames[base] || strings.HasPrefix(base, "tsconfig") || strings.HasPrefix(base, "jsconfig") {
		return true
	}
	for _, d := range []string{".vscode/", ".devcontainer/"} {
		if strings.HasPrefix(lower, d) || strings.Contains(lower, "/"+d) {
			return true
		}
	}
	return false
}

// readPrefix reads at most limit+1 bytes of a file, so that a file that
// grew past the limit since it was listed is still caught.
func readPrefix(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return data, nil
}

// isAbsSlash reports whether a slash-form path from Discover is absolute
// (outside any root), as "/x" or "C:/x".
func isAbsSlash(p string) bool {
	if strings.HasPrefix(p, "/") {
		return true
	}
	return len(p) >= 3 && p[1] == ':' && p[2] == '/'
}
