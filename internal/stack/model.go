package stack

import (
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Limits of the source reading done for the environment contract, the
// port and the health path. These reads are optional: when the budget is
// short they are skipped without a warning, so manifests always come
// first.
const (
	// maxSourceFiles is the number of source files read per service.
	maxSourceFiles = 16
	// sourceHeadBytes is how much of one source file is read.
	sourceHeadBytes = 32 << 10
	// maxEnvVars is the number of environment variables kept per service.
	maxEnvVars = 64
)

// sourceExts are the source files the walk keeps names of, besides .go.
var sourceExts = []string{".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".py", ".rs"}

// toolConfigs are the configuration files of build and test tools: what
// they read from the environment is not the service's contract.
var toolConfigs = map[string]bool{"jest": true, "vitest": true, "vite": true, "playwright": true, "cypress": true,
	"eslint": true, "prettier": true, "babel": true, "webpack": true, "rollup": true, "tailwind": true,
	"postcss": true, "next": true, "nuxt": true, "svelte": true, "astro": true, "tsup": true, "commitlint": true,
	"lint-staged": true, "stylelint": true, "karma": true, "metro": true, "esbuild": true}

// pythonTooling are Python files of packaging and test tools.
var pythonTooling = map[string]bool{"conftest.py": true, "setup.py": true, "noxfile.py": true, "fabfile.py": true}

// isSourceName reports whether the lower-case file name is a source file
// worth indexing: not a test, spec, type declaration or tool config.
func isSourceName(lower string) bool {
	if pythonTooling[lower] {
		return false
	}
	if tool, _, ok := strings.Cut(lower, ".config."); ok && toolConfigs[tool] {
		return false
	}
	ok := false
	for _, ext := range sourceExts {
		if strings.HasSuffix(lower, ext) {
			ok = true
			break
		}
	}
	if !ok || strings.HasSuffix(lower, ".d.ts") || strings.HasPrefix(lower, "test_") ||
		strings.Contains(lower, ".test.") || strings.Contains(lower, ".spec.") || strings.HasSuffix(lower, "_test.py") {
		return false
	}
	return true
}

// noteSource records a source file name of dir, a few per directory.
func (x *index) noteSource(dir, name string) {
	if x.srcFiles == nil {
		x.srcFiles = map[string][]string{}
	}
	if len(x.srcFiles[dir]) < maxSrcNamesPerDir {
		x.srcFiles[dir] = append(x.srcFiles[dir], name)
	}
}

// optRead reads the head of a file only when it fits in three quarters of
// the byte budget, so optional reads never starve the manifests and never
// produce a budget warning.
func (d *detector) optRead(p string, n int64) ([]byte, bool) {
	if _, cached := d.r.cache[p]; !cached {
		st, err := fs.Stat(d.fsys, p)
		if err != nil || !st.Mode().IsRegular() {
			d.r.fail(p, err)
			return nil, false
		}
		want := min(st.Size(), n)
		if d.r.used+want > d.r.max*3/4 {
			return nil, false
		}
	}
	return d.r.head(p, n)
}

// sourceFacts reads a few source and config files of the service and
// takes from them what the manifests do not say: the environment the code
// reads, a health path and, when none is known yet, the port. It runs
// before commonPorts, so code beats an .env example or an EXPOSE line.
func (d *detector) sourceFacts(s *Service) {
	env := newEnvSet()
	var health healthFinder
	files := d.sourceFiles(s)
	for i := 0; i < len(files); i++ {
		p := files[i]
		data, ok := d.optRead(p, sourceHeadBytes)
		if !ok {
			continue
		}
		relPath := strings.TrimPrefix(p, s.Dir+"/")
		if s.Dir == "." {
			relPath = p
		}
		code := stripCommentLines(string(data), langOf(p))
		switch {
		case langOf(p) == Node:
			files = insertSources(files, i+1, d.nodeImports(s.Dir, p, code))
		case langOf(p) == Go && s.Language == Go && d.isMainDir(s, path.Dir(p)):
			files = insertSources(files, i+1, d.goImports(s, code))
		}
		env.fromSource(code, relPath)
		health.scan(code, relPath)
		if s.Port == 0 {
			setPort(s, code, strictPortPatterns[langOf(p)], relPath)
		}
	}
	if s.Language == Java {
		d.springFacts(s, env)
	}
	env.fromEnvExamples(d, s)
	if s.Port == 0 {
		envPort(s, env)
	}
	s.Env = env.list()
	if s.HealthPath == "" {
		s.HealthPath, s.HealthSource = health.best()
	}
}

// isMainDir reports whether dir (a repository path) is one of the
// service's main packages.
func (d *detector) isMainDir(s *Service, dir string) bool {
	for _, m := range s.Mains {
		if path.Clean(join(s.Dir, strings.TrimPrefix(m, "./"))) == dir {
			return true
		}
	}
	return false
}

// langOf tells the language of a source file by its extension.
func langOf(p string) Language {
	switch path.Ext(p) {
	case ".go":
		return Go
	case ".py":
		return Python
	case ".rs":
		return Rust
	case ".java", ".kt":
		return Java
	}
	return Node
}

// goSourceDirs are the packages, besides the mains, where Go services
// read their configuration and register routes.
var goSourceDirs = []string{"internal/config", "config", "pkg/config", "internal/server", "server",
	"internal/api", "api", "internal/http", "internal/handler", "internal/handlers", "handlers",
	"internal/router", "routes", "router"}

// nodeSourceDirs are where Node services keep their entry and config.
var nodeSourceDirs = []string{".", "src", "src/config", "config", "src/app", "app", "lib", "server", "src/server",
	"src/health", "src/routes", "routes", "src/api"}

// pythonSourceDirs are where Python services keep their app and settings.
var pythonSourceDirs = []string{".", "app", "app/core", "app/api", "src", "api", "core", "config"}

// sourcePriority puts the files that usually read the environment or
// start the server first, so the per-service cap keeps them.
var sourcePriority = map[string]int{
	"main": 0, "server": 1, "app": 2, "index": 3, "config": 4, "settings": 4, "env": 4,
	"environment": 4, "asgi": 5, "wsgi": 5, "__main__": 5, "health": 6, "routes": 6, "router": 6,
}

// sourceFiles lists the files sourceFacts reads for s, best first, at
// most maxSourceFiles, as repository paths.
func (d *detector) sourceFiles(s *Service) []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if len(out) < maxSourceFiles && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	addDir := func(dir string, names []string) {
		names = append([]string(nil), names...)
		sort.SliceStable(names, func(i, j int) bool { return namePriority(names[i]) < namePriority(names[j]) })
		for _, n := range names {
			add(join(dir, n))
		}
	}
	switch s.Language {
	case Go:
		mains := s.Mains
		if len(mains) > 4 {
			mains = mains[:4]
		}
		for _, m := range mains {
			dir := path.Clean(join(s.Dir, strings.TrimPrefix(m, "./")))
			addDir(dir, d.idx.goFiles[dir])
		}
		for _, sub := range goSourceDirs {
			dir := join(s.Dir, sub)
			addDir(dir, d.idx.goFiles[dir])
		}
	case Node:
		if e := d.entryPath(s); e != "" {
			add(e)
		}
		for _, sub := range nodeSourceDirs {
			dir := path.Clean(join(s.Dir, sub))
			addDir(dir, d.nodeNames(dir))
		}
	case Python:
		if e := d.entryPath(s); e != "" {
			add(e)
		}
		dirs := append([]string(nil), pythonSourceDirs...)
		if mod := strings.ReplaceAll(s.Module, "-", "_"); mod != "" {
			dirs = append(dirs, mod, "src/"+mod)
		}
		for _, sub := range dirs {
			dir := path.Clean(join(s.Dir, sub))
			addDir(dir, d.pyNames(dir))
		}
		// src layout and Django projects: the packages one level down,
		// and a Django settings package (settings/common.py, base.py...).
		for _, parent := range []string{s.Dir, join(s.Dir, "src")} {
			for _, child := range d.childDirs(parent) {
				settingsPkg := join(child, "settings")
				if names := d.pyNames(settingsPkg); len(names) > 0 {
					addDir(settingsPkg, names)
				}
				if d.knownSource(join(child, "settings.py")) || parent != s.Dir {
					addDir(child, d.pyNames(child))
				}
			}
		}
	case Rust:
		dir := join(s.Dir, "src")
		addDir(dir, d.idx.srcFiles[dir])
	case Java:
		for _, p := range d.javaSources(s.Dir) {
			add(p)
		}
	}
	return out
}

// javaSources returns a bounded list of a Java unit's sources under
// src/main/java and src/main/kotlin: the application class, controllers
// and configuration first, since they read the environment and map the
// health route.
func (d *detector) javaSources(dir string) []string {
	var files []string
	for _, sub := range []string{"src/main/java", "src/main/kotlin"} {
		base := join(dir, sub)
		if !d.idx.dirs[base] {
			continue
		}
		entries := 0
		_ = fs.WalkDir(d.fsys, base, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if entries++; entries > maxJavaEntries {
				return fs.SkipAll
			}
			if !e.IsDir() && (strings.HasSuffix(p, ".java") || strings.HasSuffix(p, ".kt")) {
				files = append(files, p)
			}
			return nil
		})
	}
	rank := func(p string) int {
		b := path.Base(p)
		switch {
		case strings.Contains(b, "Application"):
			return 0
		case strings.Contains(b, "Health"):
			return 1
		case strings.Contains(b, "Controller") || strings.Contains(b, "Resource") || strings.Contains(b, "Config"):
			return 2
		}
		return 3
	}
	sort.SliceStable(files, func(i, j int) bool {
		if ri, rj := rank(files[i]), rank(files[j]); ri != rj {
			return ri < rj
		}
		return files[i] < files[j]
	})
	return files
}

// namePriority ranks a file name by sourcePriority (unknown names last).
func namePriority(name string) int {
	base := strings.TrimSuffix(name, path.Ext(name))
	if p, ok := sourcePriority[strings.ToLower(base)]; ok {
		return p
	}
	return 10
}

// nodeNames returns the JavaScript and TypeScript file names of dir.
func (d *detector) nodeNames(dir string) []string {
	var out []string
	for _, n := range d.idx.srcFiles[dir] {
		if langOf(n) == Node {
			out = append(out, n)
		}
	}
	return out
}

// pyNames returns the Python file names of dir.
func (d *detector) pyNames(dir string) []string {
	var out []string
	for _, n := range d.idx.srcFiles[dir] {
		if strings.HasSuffix(n, ".py") {
			out = append(out, n)
		}
	}
	return out
}

// childDirs returns the walked directories directly below dir, sorted,
// at most 8.
func (d *detector) childDirs(dir string) []string {
	var out []string
	for p := range d.idx.srcFiles {
		if p != dir && path.Dir(p) == dir {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	if len(out) > 8 {
		out = out[:8]
	}
	return out
}

// entryPath returns the service's entry as a repository path of a file
// the walk saw ("app.main:app" → "app/main.py"), or "".
func (d *detector) entryPath(s *Service) string {
	e := s.Entry
	if e == "" || strings.Contains(e, "..") {
		return ""
	}
	if s.Language == Python && !strings.HasSuffix(e, ".py") {
		mod, _, _ := strings.Cut(e, ":")
		e = strings.ReplaceAll(mod, ".", "/") + ".py"
	}
	for _, p := range []string{join(s.Dir, path.Clean(e)), join(s.Dir, "src/"+path.Clean(e))} {
		if d.idx.has(p) || d.knownSource(p) {
			return p
		}
	}
	return ""
}

// knownSource reports whether the walk kept the source file at p.
func (d *detector) knownSource(p string) bool {
	dir, name := path.Dir(p), baseName(p)
	for _, n := range d.idx.srcFiles[dir] {
		if n == name {
			return true
		}
	}
	return false
}

// finishModel completes the repository model once every service is
// known: the workspaces, each service's runtime dependencies, versions
// from .tool-versions and CI, the default port of the server the Start
// command runs or of the web framework when nothing states one (compose
// ports are read in analyse, before the kind), and the build context.
func (d *detector) finishModel(repo *Repo) {
	roots := d.workspaces()
	repo.Workspaces = append([]Workspace(nil), roots...)
	local := map[string][]string{}
	for i := range repo.Services {
		s := &repo.Services[i]
		d.runtimeDeps(s)
		d.toolVersions(s)
		fillStartPort(s)
		if u := d.unit(s.Dir); s.Port == 0 && u.defaultPort != 0 {
			s.Port, s.PortSource = u.defaultPort, u.defaultWhy
		}
		s.sortHints()
		local[s.Dir] = d.localDeps(s)
	}
	d.librariesOfOthers(repo, roots, local)
	d.pathWorkspaces(repo, roots, local)
	for i := range repo.Services {
		s := &repo.Services[i]
		d.buildContext(s, roots, local[s.Dir])
		s.Image = d.imageOf(s.Dir)
	}
	for i := range repo.Unsupported {
		u := &repo.Unsupported[i]
		u.Image = d.imageOf(u.Dir)
	}
	if len(repo.Workspaces) == 0 {
		repo.Workspaces = nil
	}
}

// librariesOfOthers makes a Rust crate with a library target (src/lib.rs)
// that other units build on by path (directly, or through the workspace's
// [workspace.dependencies]) a library, though it also has a binary or a
// web framework: lemmy's crates/utils serves nothing; crates/server does.
func (d *detector) librariesOfOthers(repo *Repo, roots []Workspace, local map[string][]string) {
	usedBy := map[string]string{}
	for dir, deps := range local {
		for _, dep := range deps {
			if usedBy[dep] == "" || dir < usedBy[dep] {
				usedBy[dep] = dir
			}
		}
	}
	for _, w := range roots {
		if w.Tool != "cargo" {
			continue
		}
		for _, r := range d.cargoPathDeps(join(w.Dir, "Cargo.toml")) {
			if dep := path.Join(w.Dir, r); usedBy[dep] == "" {
				usedBy[dep] = w.Dir
			}
		}
	}
	for i := range repo.Services {
		s := &repo.Services[i]
		by, used := usedBy[s.Dir]
		if !used || s.Language != Rust || !d.idx.has(join(s.Dir, "src/lib.rs")) {
			continue
		}
		if s.Kind != KindService && s.Kind != KindWorker && s.Kind != KindCLI {
			continue
		}
		who := dirLabelOf(by) + " depends on it by path"
		if by == "." || by == s.Dir {
			who = "the workspace lists it in [workspace.dependencies]"
		}
		s.Kind = KindLibrary
		s.KindReason = "a library crate (src/lib.rs) other units build on: " + who + "; its binaries are helpers"
	}
}

// dirLabelOf names a directory for people ("the repository root" for ".").
func dirLabelOf(dir string) string {
	if dir == "." {
		return "the repository root"
	}
	return dir
}
