package stack

import (
	"encoding/json"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
	"golang.org/x/mod/modfile"
)

// localDeps returns the directories, relative to the repository root,
// of the service's local dependencies outside its own directory: go.mod
// replace targets that are paths, Cargo path dependencies, Poetry and uv
// path sources, `-e ../lib` requirements, and npm file:/link:
// dependencies. A path that leaves the repository gives a warning: no
// build context can hold it.
func (d *detector) localDeps(s *Service) []string {
	var rels []string
	src := manifestPath(s)
	switch s.Language {
	case Go:
		rels = d.goReplaceDirs(join(s.Dir, "go.mod"))
		src = join(s.Dir, "go.mod")
	case Rust:
		rels = d.cargoPathDeps(join(s.Dir, "Cargo.toml"))
		src = join(s.Dir, "Cargo.toml")
	case Python:
		rels = d.pythonPathDeps(s.Dir)
	case Node:
		rels = d.nodePathDeps(join(s.Dir, "package.json"))
		src = join(s.Dir, "package.json")
	}
	var out []string
	for _, r := range rels {
		target := path.Join(s.Dir, r)
		if !fs.ValidPath(target) {
			d.r.warn(src, "local dependency %q is outside the repository; no build context can hold it: publish it or move it into the repository", r)
			continue
		}
		if !within(target, s.Dir) {
			out = addUnique(out, target)
		}
	}
	sort.Strings(out)
	return out
}

// goReplaceDirs returns the directory targets of go.mod replace
// directives, as written.
func (d *detector) goReplaceDirs(p string) []string {
	data, ok := d.readIndexed(p)
	if !ok {
		return nil
	}
	f, err := modfile.Parse(p, data, nil)
	if err != nil {
		return nil
	}
	var out []string
	for _, r := range f.Replace {
		if r.New.Version == "" && modfile.IsDirectoryPath(r.New.Path) && !path.IsAbs(r.New.Path) {
			out = append(out, r.New.Path)
		}
	}
	return out
}

// cargoPathDeps returns the path of every dependency table entry with
// one: [dependencies], [dev-dependencies], [build-dependencies], their
// [target.*] forms and [workspace.dependencies].
func (d *detector) cargoPathDeps(p string) []string {
	data, ok := d.readIndexed(p)
	if !ok {
		return nil
	}
	var ct map[string]any
	if toml.Unmarshal(data, &ct) != nil {
		return nil
	}
	var out []string
	collect := func(tbl any) {
		m, _ := tbl.(map[string]any)
		for _, key := range []string{"dependencies", "dev-dependencies", "build-dependencies"} {
			deps, _ := m[key].(map[string]any)
			for _, spec := range deps {
				if sm, ok := spec.(map[string]any); ok {
					if pth, ok := sm["path"].(string); ok && pth != "" {
						out = append(out, pth)
					}
				}
			}
		}
	}
	collect(ct)
	collect(ct["workspace"])
	if targets, ok := ct["target"].(map[string]any); ok {
		for _, t := range targets {
			collect(t)
		}
	}
	return out
}

// pythonPathDeps returns Poetry path dependencies (all groups), uv path
// sources and editable or relative requirement lines.
func (d *detector) pythonPathDeps(dir string) []string {
	var out []string
	if data, ok := d.readIndexed(join(dir, "pyproject.toml")); ok {
		var pp struct {
			Tool struct {
				Poetry *struct {
					Dependencies    map[string]any `toml:"dependencies"`
					DevDependencies map[string]any `toml:"dev-dependencies"`
					Group           map[string]struct {
						Dependencies map[string]any `toml:"dependencies"`
					} `toml:"group"`
				} `toml:"poetry"`
				UV struct {
					Sources map[string]any `toml:"sources"`
				} `toml:"uv"`
			} `toml:"tool"`
		}
		if toml.Unmarshal(data, &pp) == nil {
			add := func(m map[string]any) {
				for _, spec := range m {
					if sm, ok := spec.(map[string]any); ok {
						if pth, ok := sm["path"].(string); ok && pth != "" {
							out = append(out, pth)
						}
					}
				}
			}
			if po := pp.Tool.Poetry; po != nil {
				add(po.Dependencies)
				add(po.DevDependencies)
				for _, g := range po.Group {
					add(g.Dependencies)
				}
			}
			add(pp.Tool.UV.Sources)
		}
	}
	if data, ok := d.readIndexed(join(dir, "requirements.txt")); ok {
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			line = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(line, "--editable"), "-e"))
			if strings.HasPrefix(line, "./") || strings.HasPrefix(line, "../") {
				out = append(out, strings.Fields(line)[0])
			}
		}
	}
	return out
}

// nodePathDeps returns the paths of file:, link: and portal: dependencies.
func (d *detector) nodePathDeps(p string) []string {
	data, ok := d.readIndexed(p)
	if !ok {
		return nil
	}
	var pj map[string]json.RawMessage
	if json.Unmarshal(data, &pj) != nil {
		return nil
	}
	var out []string
	for _, key := range []string{"dependencies", "devDependencies", "optionalDependencies"} {
		var deps map[string]any
		_ = json.Unmarshal(pj[key], &deps)
		for _, v := range deps {
			s, _ := v.(string)
			for _, proto := range []string{"file:", "link:", "portal:"} {
				if rest, ok := strings.CutPrefix(s, proto); ok && !strings.HasSuffix(rest, ".tgz") {
					out = append(out, rest)
				}
			}
		}
	}
	return out
}

// toolFamily lists the workspace tools of each language.
var toolFamily = map[Language][]string{
	Go: {"go"}, Rust: {"cargo"}, Python: {"uv", "poetry", "pip", "pipenv"},
	Node: {"npm", "yarn", "pnpm", "bun"}, Java: {"maven", "gradle"},
}

// inFamily reports whether a workspace tool belongs to the language.
func inFamily(lang Language, tool string) bool {
	for _, t := range toolFamily[lang] {
		if t == tool {
			return true
		}
	}
	return false
}

// pathWorkspaces adds, for each service whose local dependencies lie
// outside it and outside a workspace of its language that holds it, a
// workspace of the service and those dependencies rooted at their lowest
// common ancestor (go.mod replace ../libs, Cargo, Poetry or npm path
// dependencies).
func (d *detector) pathWorkspaces(repo *Repo, roots []Workspace, local map[string][]string) {
	for _, s := range repo.Services {
		deps := local[s.Dir]
		if len(deps) == 0 {
			continue
		}
		covered := false
		for _, w := range roots {
			if !inFamily(s.Language, w.Tool) || !within(s.Dir, w.Dir) {
				continue
			}
			all := true
			for _, t := range deps {
				all = all && within(t, w.Dir)
			}
			if all {
				covered = true
				break
			}
		}
		if covered {
			continue
		}
		tool := s.PackageManager
		if s.Language == Go {
			tool = "go"
		}
		members := append([]string{s.Dir}, deps...)
		sort.Strings(members)
		repo.Workspaces = mergeWorkspace(repo.Workspaces, Workspace{Dir: lca(members...), Tool: tool, Members: members})
	}
	sortWorkspaces(repo.Workspaces)
}

// buildContext sets s.Context: the lowest common ancestor of the service
// directory, its local dependencies, the directory of its workspace lock
// and the workspace root it builds from. A service that installs from a
// workspace lock gets WorkspaceLock when it had none.
func (d *detector) buildContext(s *Service, roots []Workspace, local []string) {
	if s.WorkspaceLock != "" && d.notMember(s, roots) {
		s.WorkspaceLock = "" // a lock above, but of a workspace that leaves s out
	}
	dirs := append([]string{s.Dir}, local...)
	if s.WorkspaceLock != "" {
		dirs = append(dirs, path.Dir(s.WorkspaceLock))
	}
	if root := d.workspaceRoot(s, roots); root != nil {
		dirs = append(dirs, root.Dir)
		if s.Lockfile == "" && s.WorkspaceLock == "" && root.Lockfile != "" && root.Tool != "go" {
			s.WorkspaceLock = root.Lockfile
		}
	}
	s.Context = lca(dirs...)
}

// rootManifest is the manifest that says whether a directory is a
// workspace root, per language with lock files above members.
var rootManifest = map[Language]string{Node: "package.json", Python: "pyproject.toml", Rust: "Cargo.toml"}

// notMember reports whether s is left out by the project that owns
// s.WorkspaceLock: the lock's directory has a manifest of the service's
// language, and no workspace rooted there lists s (an excluded crate, a
// project nested in a uv project that does not include it, a package
// below a Node root without workspaces). A lock with no manifest beside
// it is given the benefit of the doubt.
func (d *detector) notMember(s *Service, roots []Workspace) bool {
	lockDir := path.Dir(s.WorkspaceLock)
	m := rootManifest[s.Language]
	if m == "" || !d.idx.has(join(lockDir, m)) {
		return false
	}
	for _, w := range roots {
		if w.Dir == lockDir && inFamily(s.Language, w.Tool) && slices.Contains(w.Members, s.Dir) {
			return false
		}
	}
	return true
}

// workspaceRoot returns the outermost workspace the service must be
// built from, or nil. Cargo, Maven and Gradle members always build from
// their root (its manifest, parent pom or settings, and lock); Node and
// uv members when they have no lock of their own or depend on another
// member; go.work members when they require another member's module.
func (d *detector) workspaceRoot(s *Service, roots []Workspace) *Workspace {
	var root *Workspace
	dir := s.Dir
	for range 8 { // nested Maven aggregators; bounded
		var next *Workspace
		for i := range roots {
			w := &roots[i]
			if w.Dir == dir || !inFamily(s.Language, w.Tool) || !slices.Contains(w.Members, dir) {
				continue
			}
			if d.needsRoot(s, w) {
				next = w
				break
			}
		}
		if next == nil {
			break
		}
		root, dir = next, next.Dir
	}
	return root
}

// needsRoot reports whether the member s builds only with workspace w.
func (d *detector) needsRoot(s *Service, w *Workspace) bool {
	switch w.Tool {
	case "cargo", "maven", "gradle":
		return true
	case "go":
		return d.requiresMember(s, w)
	}
	if s.Lockfile == "" && w.Lockfile != "" {
		return true
	}
	switch s.Language {
	case Node:
		return d.nodeNeedsSibling(s, w)
	case Python:
		return d.uvWorkspaceSource(s)
	}
	return false
}

// requiresMember reports whether the Go module in s requires the module
// of another go.work member.
func (d *detector) requiresMember(s *Service, w *Workspace) bool {
	p := join(s.Dir, "go.mod")
	data, ok := d.readIndexed(p)
	if !ok {
		return false
	}
	f, err := modfile.ParseLax(p, data, nil)
	if err != nil {
		return false
	}
	mods := map[string]bool{}
	for _, m := range w.Members {
		if m == s.Dir {
			continue
		}
		if md, ok := d.readIndexed(join(m, "go.mod")); ok {
			if mp := modfile.ModulePath(md); mp != "" {
				mods[mp] = true
			}
		}
	}
	for _, r := range f.Require {
		if mods[r.Mod.Path] {
			return true
		}
	}
	return false
}

// nodeNeedsSibling reports whether a workspace package depends on
// another member (a workspace: version or a member's package name).
func (d *detector) nodeNeedsSibling(s *Service, w *Workspace) bool {
	data, ok := d.readIndexed(join(s.Dir, "package.json"))
	if !ok {
		return false
	}
	var pj map[string]json.RawMessage
	if json.Unmarshal(data, &pj) != nil {
		return false
	}
	deps := map[string]string{}
	for _, key := range []string{"dependencies", "devDependencies", "optionalDependencies"} {
		var m map[string]any
		_ = json.Unmarshal(pj[key], &m)
		for n, v := range m {
			vs, _ := v.(string)
			if strings.HasPrefix(vs, "workspace:") {
				return true
			}
			deps[n] = vs
		}
	}
	for i, m := range w.Members {
		if i == 64 || m == s.Dir {
			continue
		}
		md, ok := d.readIndexed(join(m, "package.json"))
		if !ok {
			continue
		}
		var other struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(md, &other) == nil && other.Name != "" {
			if _, dep := deps[other.Name]; dep {
				return true
			}
		}
	}
	return false
}

// uvWorkspaceSource reports whether a pyproject takes a dependency from
// the workspace ([tool.uv.sources] x = { workspace = true }).
func (d *detector) uvWorkspaceSource(s *Service) bool {
	data, ok := d.readIndexed(join(s.Dir, "pyproject.toml"))
	if !ok {
		return false
	}
	var pp struct {
		Tool struct {
			UV struct {
				Sources map[string]any `toml:"sources"`
			} `toml:"uv"`
		} `toml:"tool"`
	}
	if toml.Unmarshal(data, &pp) != nil {
		return false
	}
	for _, src := range pp.Tool.UV.Sources {
		if m, ok := src.(map[string]any); ok && m["workspace"] == true {
			return true
		}
	}
	return false
}
