package stack

import (
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/devops-lead/devops-lead/internal/workspace"
)

// skipDirs are directory names the walk never enters: dependencies,
// build output, tool caches, and test fixtures that are not the product.
var skipDirs = map[string]bool{
	"node_modules": true, "vendor": true, "target": true, "build": true,
	"dist": true, "venv": true, "__pycache__": true, "bin": true, "obj": true,
	"testdata": true,
}

// skipDir reports whether the walk leaves the directory named name alone.
// Hidden directories are skipped, except .github.
func skipDir(name string) bool {
	if skipDirs[name] {
		return true
	}
	return strings.HasPrefix(name, ".") && name != ".github"
}

// maxGoNamesPerDir bounds the .go file names kept per directory: a few
// are enough to find a main package.
const maxGoNamesPerDir = 8

// maxSrcNamesPerDir bounds the other source file names (.js, .ts, .py,
// .rs) kept per directory for the environment, port and health search.
const maxSrcNamesPerDir = 16

// index is what the walk keeps: the paths of the files detection may
// read, never the whole tree.
type index struct {
	files   map[string]bool     // interesting files by path
	dirs    map[string]bool     // every directory walked
	goFiles map[string][]string // dir -> a few non-test .go names
	cmdDirs map[string][]string // ".../cmd" -> its children with .go files
	tfDirs  map[string]bool

	// srcFiles keeps a few non-test .js/.ts/.py/.rs names per directory
	// (made on first use).
	srcFiles map[string][]string

	dockerfiles, dockerignores, compose, workflows []string
	charts, wrangler                               []string
	yaml                                           []yamlCandidate
	smallYAML                                      int
}

// yamlCandidate is a YAML file that may be a Kubernetes manifest or a
// Prometheus rule file; it is sniffed after the walk.
type yamlCandidate struct {
	path string
}

func newIndex() *index {
	return &index{
		files:   map[string]bool{},
		dirs:    map[string]bool{".": true},
		goFiles: map[string][]string{},
		cmdDirs: map[string][]string{},
		tfDirs:  map[string]bool{},
	}
}

func (x *index) has(p string) bool { return x.files[p] }

// walker walks the tree breadth first, so a cap stops deep trees before
// shallow manifests.
type walker struct {
	fsys      fs.FS
	idx       *index
	max       int
	seen      int
	truncated bool
	warnings  []string
	// failed is the first listing that failed (workspace.Failed).
	failed error
}

// noteFailed records a look-up that failed, as opposed to one that found
// nothing.
func (w *walker) noteFailed(p string, err error) {
	if w.failed == nil && workspace.Failed(err) {
		w.failed = &workspace.ReadError{Path: p, Err: err}
	}
}

// run walks focus recursively; for a focus below the root it also lists
// the files of each ancestor and walks the root's .github.
func (w *walker) run(focus string) error {
	if focus != "." {
		anc := ancestors(focus)
		for i := len(anc) - 1; i >= 0; i-- {
			if err := w.list(anc[i], false); err != nil {
				return err
			}
		}
		if !within(".github", focus) && w.idx.dirs[".github"] {
			if err := w.list(".github", true); err != nil {
				return err
			}
		}
	}
	return w.list(focus, true)
}

// list reads dir (and, when recursive, the directories below it that
// are not skipped). A failure to read the first directory is an error,
// as is a listing that failed (workspace.Failed: a remote workspace's
// 5xx); deeper directories that cannot be listed by their nature
// (permissions) become warnings.
func (w *walker) list(start string, recursive bool) error {
	queue := []string{start}
	for len(queue) > 0 && !w.truncated {
		dir := queue[0]
		queue = queue[1:]
		entries, err := fs.ReadDir(w.fsys, dir)
		if err != nil {
			if workspace.Failed(err) {
				return fmt.Errorf("stack: %w", &workspace.ReadError{Path: dir, Err: err})
			}
			if dir == start {
				return fmt.Errorf("stack: read directory %q: %w; check the repository path and its permissions", dir, err)
			}
			w.warnings = append(w.warnings, fmt.Sprintf("%s: cannot list directory: %v", dir, err))
			continue
		}
		var subdirs []string
		chart := false
		for _, e := range entries {
			if w.seen >= w.max {
				w.truncated = true
				break
			}
			w.seen++
			name := e.Name()
			p := join(dir, name)
			if e.IsDir() {
				// src/bin holds Rust binaries, not build output.
				if skipDir(name) && (name != "bin" || baseName(dir) != "src") {
					if name == "build" {
						w.peekPackaging(p)
					}
					continue
				}
				w.idx.dirs[p] = true
				if recursive {
					subdirs = append(subdirs, p)
				}
				continue
			}
			if name == "Chart.yaml" {
				chart = true
			}
			w.idx.note(dir, name, e)
		}
		// A Helm chart's templates are not plain YAML: do not look inside.
		if !chart {
			queue = append(queue, subdirs...)
		}
	}
	return nil
}

// packagingDirs are the folders of build/ that hold packaging files in
// the Go project layout (build/package/Dockerfile, build/ci), not build
// output.
var packagingDirs = []string{"package", "ci"}

// peekPackaging looks into the packaging folders of a build/ folder, which
// the walk otherwise skips as build output, for Dockerfiles: one level,
// never further, and build/ itself is not listed.
func (w *walker) peekPackaging(build string) {
	for _, name := range packagingDirs {
		dir := join(build, name)
		if st, err := fs.Stat(w.fsys, dir); err != nil || !st.IsDir() {
			w.noteFailed(dir, err)
			continue
		}
		entries, err := fs.ReadDir(w.fsys, dir)
		if err != nil {
			w.noteFailed(dir, err)
			continue
		}
		for _, e := range entries {
			if w.seen >= w.max {
				w.truncated = true
				return
			}
			w.seen++
			if p := join(dir, e.Name()); !e.IsDir() && isDockerfile(e.Name()) {
				w.idx.files[p] = true
				w.idx.dockerfiles = append(w.idx.dockerfiles, p)
			}
		}
	}
}

// interestingNames are the base names detection may read or test for.
var interestingNames = map[string]bool{
	// Go
	"go.mod": true, "go.sum": true, "go.work": true,
	// Node
	"package.json": true, "package-lock.json": true, "npm-shrinkwrap.json": true,
	"yarn.lock": true, "pnpm-lock.yaml": true, "pnpm-workspace.yaml": true,
	"bun.lockb": true, "bun.lock": true, ".nvmrc": true, ".node-version": true,
	"index.js": true, "server.js": true, "app.js": true, "main.js": true,
	"index.mjs": true, "server.mjs": true, "index.ts": true, "server.ts": true,
	"app.ts": true, "main.ts": true,
	// Python
	"pyproject.toml": true, "requirements.txt": true, "requirements-dev.txt": true,
	"requirements_dev.txt": true, "dev-requirements.txt": true, "requirements-test.txt": true,
	"Pipfile": true, "Pipfile.lock": true, "uv.lock": true, "poetry.lock": true,
	".python-version": true, "runtime.txt": true, "manage.py": true, "app.py": true,
	"main.py": true, "server.py": true, "wsgi.py": true, "asgi.py": true,
	"__main__.py": true, "pytest.ini": true, "setup.py": true, "setup.cfg": true, "conftest.py": true, "Procfile": true,
	// Rust
	"Cargo.toml": true, "Cargo.lock": true, "rust-toolchain.toml": true,
	"rust-toolchain": true, "main.rs": true,
	// Java
	"pom.xml": true, "mvnw": true, "build.gradle": true, "build.gradle.kts": true,
	"settings.gradle": true, "settings.gradle.kts": true, "gradlew": true,
	"application.properties": true, "application.yml": true, "application.yaml": true,
	// any
	"Makefile": true, "makefile": true, "GNUmakefile": true,
	".env.example": true, ".env.sample": true, ".env.template": true, ".env.dist": true,
	// kinds and entries (kind.go, entry*.go)
	"action.yml": true, "action.yaml": true, ".goreleaser.yml": true, ".goreleaser.yaml": true,
	"tsconfig.json": true, "nest-cli.json": true, "lib.rs": true, "mkdocs.yml": true,
	"mkdocs.yaml": true, "hugo.toml": true, "hugo.yaml": true, "hugo.json": true, "api.py": true,
	"config.yaml": true, "config.yml": true, "default.yaml": true, "default.yml": true,
	"defaults.hjson": true, "config.hjson": true,
	// workspaces and versions (workspace.go, version.go)
	"go.work.sum": true, ".tool-versions": true,
}

// note records a file the walk met.
func (x *index) note(dir, name string, e fs.DirEntry) {
	p := join(dir, name)
	lower := strings.ToLower(name)
	if interestingNames[name] || unsupportedName(name) || (strings.HasSuffix(name, ".rs") && baseName(dir) == "bin" && baseName(path.Dir(dir)) == "src") {
		x.files[p] = true
	}
	switch {
	case strings.HasSuffix(name, ".go"):
		if !strings.HasSuffix(name, "_test.go") {
			if len(x.goFiles[dir]) == 0 && path.Base(path.Dir(dir)) == "cmd" {
				parent := path.Dir(dir)
				x.cmdDirs[parent] = append(x.cmdDirs[parent], dir)
			}
			if len(x.goFiles[dir]) < maxGoNamesPerDir {
				x.goFiles[dir] = append(x.goFiles[dir], name)
			}
		}
		return
	case isSourceName(lower):
		x.noteSource(dir, name)
		return
	case strings.HasSuffix(lower, ".tf"):
		x.tfDirs[dir] = true
		return
	case isDockerfile(name):
		x.files[p] = true
		x.dockerfiles = append(x.dockerfiles, p)
		return
	case lower == ".dockerignore" || strings.HasSuffix(lower, ".dockerignore"):
		x.dockerignores = append(x.dockerignores, p)
		return
	case isCompose(lower):
		x.compose = append(x.compose, p)
		return
	case lower == "wrangler.toml" || lower == "wrangler.json" || lower == "wrangler.jsonc":
		x.wrangler = append(x.wrangler, p)
		return
	case name == "Chart.yaml":
		x.charts = append(x.charts, dir)
		return
	}
	if !strings.HasSuffix(lower, ".yaml") && !strings.HasSuffix(lower, ".yml") {
		return
	}
	if dir == ".github/workflows" {
		x.workflows = append(x.workflows, p)
		return
	}
	if dir == ".github" || strings.HasPrefix(dir, ".github/") || notManifestYAML[lower] || strings.HasPrefix(lower, "application") {
		return
	}
	if likelyManifestDir(dir) || likelyRuleFile(dir, lower) {
		x.yaml = append(x.yaml, yamlCandidate{path: p})
		return
	}
	// Elsewhere only small YAML files are worth a look, and few of them.
	if x.smallYAML >= maxSmallYAML {
		return
	}
	if info, err := e.Info(); err == nil && info.Size() <= smallYAMLBytes {
		x.smallYAML++
		x.yaml = append(x.yaml, yamlCandidate{path: p})
	}
}
