package validate

import (
	"encoding/json"
	"path"
	"regexp"
	"sort"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
	"gopkg.in/yaml.v3"
)

var (
	cargoRe   = regexp.MustCompile(`\bcargo\s+(build|install|fetch|chef|test|run)\b`)
	nodeRunRe = regexp.MustCompile(`\b(npm|pnpm|bun)\s+(ci|install|i)\b|\byarn\b`)
)

// cargoDepTables are the tables of a Cargo.toml that name dependencies;
// cargo resolves the path dependencies of all of them to build the lock.
var cargoDepTables = []string{"dependencies", "dev-dependencies", "build-dependencies"}

// pathManifest is how one package manager's manifest ties a package to
// paths outside it: path dependencies, and a workspace root whose lock file
// the install needs.
type pathManifest struct {
	manifest string         // Cargo.toml, pyproject.toml
	tool     *regexp.Regexp // a RUN that installs or builds with it
	rule     *Rule
	pathDeps func(doc map[string]any) []cargoDep
	root     func(cx *buildContext, pkg string, doc map[string]any) string
	// Words of the messages.
	depVerb, cannot, workspace, lockfiles, fix string
}

// pathManifests are the manifests checkManifests reads.
var pathManifests = []pathManifest{
	{manifest: "Cargo.toml", tool: cargoRe, rule: &ruleDockerfileCargoContext, pathDeps: cargoPathDeps,
		root:    func(cx *buildContext, pkg string, doc map[string]any) string { return cx.cargoWorkspaceRoot(pkg, doc) },
		depVerb: "depends on %s by path %s", cannot: "so cargo cannot find it in the image",
		workspace: "Cargo workspace", lockfiles: "Cargo.toml and Cargo.lock", fix: "run cargo build -p <crate> there"},
	{manifest: "pyproject.toml", tool: pythonRunRe, rule: &ruleDockerfilePythonContext, pathDeps: pythonPathDeps,
		root:    func(cx *buildContext, pkg string, doc map[string]any) string { return cx.uvWorkspaceRoot(pkg, doc) },
		depVerb: "takes %s from the path %s", cannot: "so the install in the image cannot find it",
		workspace: "uv workspace", lockfiles: "pyproject.toml and uv.lock", fix: "run uv sync --package <name> there"},
}

// checkManifests reads each manifest of pm the Dockerfile copies (when a
// RUN uses its tool): a path dependency outside the context, or a
// workspace (and its lock file) above the context, cannot build in the
// image.
func (cx *buildContext) checkManifests(df *dockerfile, copied []string, pm pathManifest) []Finding {
	if !df.runsTool(pm.tool) {
		return nil
	}
	var out []Finding
	for _, mf := range cx.manifests(copied, pm.manifest) {
		doc, ok := cx.readTOML(mf)
		if !ok {
			continue
		}
		pkg := path.Dir(mf)
		line := cx.firstLineOf(df, mf)
		for _, dep := range pm.pathDeps(doc) {
			target := path.Join(pkg, dep.path)
			if inside(cx.dir, target) {
				continue
			}
			out = append(out, pm.rule.at(df.path, line, 1,
				"%s "+pm.depVerb+" (%s), outside the build context %s, %s; build from a directory that holds both (docker build -f %s %s)",
				cx.show(mf), dep.name, dep.path, cx.show(target), cx.show(cx.dir), pm.cannot, cx.show(cx.df), cx.show(commonDir(cx.dir, target))))
		}
		if root := pm.root(cx, pkg, doc); root != "" && !inside(cx.dir, root) {
			out = append(out, pm.rule.at(df.path, line, 1,
				"%s is a member of the %s at %s, whose %s lie outside the build context %s; build from the workspace root (docker build -f %s %s) and %s",
				cx.show(mf), pm.workspace, cx.show(root), pm.lockfiles, cx.show(cx.dir), cx.show(cx.df), cx.show(root), pm.fix))
		}
	}
	return out
}

func (cx *buildContext) readTOML(p string) (map[string]any, bool) {
	data, ok := cx.repo.readFile(p)
	if !ok {
		return nil, false
	}
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		return nil, false
	}
	return doc, true
}

type cargoDep struct{ name, path string }

// cargoPathDeps lists the path dependencies of a Cargo.toml, in its
// dependency tables and in target-specific ones, sorted.
func cargoPathDeps(doc map[string]any) []cargoDep {
	var tables []map[string]any
	for _, t := range cargoDepTables {
		if m, ok := doc[t].(map[string]any); ok {
			tables = append(tables, m)
		}
	}
	if targets, ok := doc["target"].(map[string]any); ok {
		for _, tv := range targets {
			if tm, ok := tv.(map[string]any); ok {
				for _, t := range cargoDepTables {
					if m, ok := tm[t].(map[string]any); ok {
						tables = append(tables, m)
					}
				}
			}
		}
	}
	return pathDepsIn(tables)
}

// pathDepsIn lists the relative path entries of dependency tables
// (name = { path = "../x" }), once each, sorted.
func pathDepsIn(tables []map[string]any) []cargoDep {
	seen := map[cargoDep]bool{}
	var out []cargoDep
	for _, t := range tables {
		for name, v := range t {
			if m, ok := v.(map[string]any); ok {
				if p, ok := m["path"].(string); ok && p != "" && !path.IsAbs(p) {
					if d := (cargoDep{name, path.Clean(p)}); !seen[d] {
						seen[d] = true
						out = append(out, d)
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name+out[i].path < out[j].name+out[j].path })
	return out
}

// cargoWorkspaceRoot returns the directory of the workspace the crate
// belongs to, or "" when it is its own root or in none: package.workspace
// when set, else the nearest directory above whose Cargo.toml has a
// [workspace] listing the crate among its members.
func (cx *buildContext) cargoWorkspaceRoot(crate string, doc map[string]any) string {
	if _, own := doc["workspace"]; own {
		return ""
	}
	if pkg, ok := doc["package"].(map[string]any); ok {
		if w, ok := pkg["workspace"].(string); ok && w != "" && !path.IsAbs(w) {
			return path.Join(crate, w)
		}
	}
	for d := crate; d != "."; {
		d = path.Dir(d)
		up, ok := cx.readTOML(path.Join(d, "Cargo.toml"))
		if !ok {
			continue
		}
		ws, ok := up["workspace"].(map[string]any)
		if !ok {
			continue
		}
		rel := relSlash(d, crate)
		if matchesAny(stringList(ws["exclude"]), rel) {
			return ""
		}
		if matchesAny(stringList(ws["members"]), rel) {
			return d
		}
		return "" // cargo stops at the first workspace root above
	}
	return ""
}

// nodeLockfiles are the lockfiles of npm, pnpm, yarn and bun.
var nodeLockfiles = []string{"package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock", "bun.lockb"}

// checkNodeWorkspace reads each package.json the Dockerfile copies: when
// it has no lockfile of its own inside the context and a workspace root
// above the context lists it and holds the lockfile, the image installs
// without the lock (or fails with npm ci and frozen lockfiles).
func (cx *buildContext) checkNodeWorkspace(df *dockerfile, copied []string) []Finding {
	if !df.runsTool(nodeRunRe) {
		return nil
	}
	var out []Finding
	for _, pj := range cx.manifests(copied, "package.json") {
		pkg := path.Dir(pj)
		root, lock := cx.nodeWorkspaceAbove(pkg)
		if root == "" {
			continue
		}
		out = append(out, ruleDockerfileNodeWorkspace.at(df.path, cx.firstLineOf(df, pj), 1,
			"%s belongs to the workspace at %s, whose lockfile %s lies outside the build context %s, so the install in the image is not locked "+
				"(npm ci and frozen installs fail); build from the workspace root (docker build -f %s %s) and install the one package",
			cx.show(pj), cx.show(root), cx.show(lock), cx.show(cx.dir), cx.show(cx.df), cx.show(root)))
	}
	return out
}

// nodeWorkspaceAbove returns the workspace root above the context that
// lists pkg and holds a lockfile, with that lockfile; "" when a lockfile
// inside the context comes first or there is no such root.
func (cx *buildContext) nodeWorkspaceAbove(pkg string) (root, lock string) {
	for d := pkg; ; d = path.Dir(d) {
		lf := cx.lockfileIn(d)
		if inside(cx.dir, d) {
			if lf != "" {
				return "", ""
			}
		} else if globs, ok := cx.nodeWorkspaceGlobs(d); ok {
			if lf != "" && matchesAny(globs, relSlash(d, pkg)) {
				return d, lf
			}
			return "", ""
		}
		if d == "." {
			return "", ""
		}
	}
}

func (cx *buildContext) lockfileIn(dir string) string {
	for _, l := range nodeLockfiles {
		if ok, isDir := cx.repo.stat(path.Join(dir, l)); ok && !isDir {
			return path.Join(dir, l)
		}
	}
	return ""
}

// nodeWorkspaceGlobs reads the workspace patterns of a directory: the
// package.json workspaces (a list, or an object with packages) or
// pnpm-workspace.yaml packages; ok is false when it declares none.
func (cx *buildContext) nodeWorkspaceGlobs(dir string) ([]string, bool) {
	if data, ok := cx.repo.readFile(path.Join(dir, "pnpm-workspace.yaml")); ok {
		var w struct {
			Packages []string `yaml:"packages"`
		}
		if yaml.Unmarshal(data, &w) == nil && len(w.Packages) > 0 {
			return w.Packages, true
		}
	}
	data, ok := cx.repo.readFile(path.Join(dir, "package.json"))
	if !ok {
		return nil, false
	}
	var p struct {
		Workspaces json.RawMessage `json:"workspaces"`
	}
	if json.Unmarshal(data, &p) != nil || len(p.Workspaces) == 0 {
		return nil, false
	}
	var list []string
	if json.Unmarshal(p.Workspaces, &list) == nil && len(list) > 0 {
		return list, true
	}
	var obj struct {
		Packages []string `json:"packages"`
	}
	if json.Unmarshal(p.Workspaces, &obj) == nil && len(obj.Packages) > 0 {
		return obj.Packages, true
	}
	return nil, false
}

// matchesAny reports whether rel matches one of the workspace patterns
// and none of the negated ones (!pattern).
func matchesAny(patterns []string, rel string) bool {
	hit := false
	for _, p := range patterns {
		if neg, ok := strings.CutPrefix(p, "!"); ok {
			if workspaceGlob(neg).MatchString(rel) {
				return false
			}
			continue
		}
		if workspaceGlob(p).MatchString(rel) {
			hit = true
		}
	}
	return hit
}

// stringList reads a TOML array of strings.
func stringList(v any) []string {
	arr, _ := v.([]any)
	var out []string
	for _, x := range arr {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

var ruleDockerfilePythonContext = register(Rule{
	ID: "dockerfile-context-python", Kind: KindDockerfile, Severity: Error,
	Summary: "a pyproject.toml the image installs must have its path dependencies and its uv workspace (uv.lock) inside the build context",
	Help:    "build from the uv workspace root or the directory holding the path dependencies (docker build -f <pkg>/Dockerfile <root>) and install the one package there (uv sync --package <pkg>)",
})

var pythonRunRe = regexp.MustCompile(`\b(uv|poetry|pip|pip3|pdm)\s+(sync|install|lock|export)\b`)

// pythonPathDeps lists the path sources of a pyproject.toml: uv's
// [tool.uv.sources] and poetry's dependency tables.
func pythonPathDeps(doc map[string]any) []cargoDep {
	var tables []map[string]any
	tool, _ := doc["tool"].(map[string]any)
	if uv, ok := tool["uv"].(map[string]any); ok {
		if src, ok := uv["sources"].(map[string]any); ok {
			tables = append(tables, src)
		}
	}
	if poetry, ok := tool["poetry"].(map[string]any); ok {
		for _, k := range []string{"dependencies", "dev-dependencies"} {
			if m, ok := poetry[k].(map[string]any); ok {
				tables = append(tables, m)
			}
		}
		if groups, ok := poetry["group"].(map[string]any); ok {
			for _, g := range groups {
				if gm, ok := g.(map[string]any); ok {
					if m, ok := gm["dependencies"].(map[string]any); ok {
						tables = append(tables, m)
					}
				}
			}
		}
	}
	return pathDepsIn(tables)
}

// uvWorkspaceRoot returns the uv workspace above pkg that lists it among
// its members and holds uv.lock, or "" (pkg is its own root, or in none).
func (cx *buildContext) uvWorkspaceRoot(pkg string, doc map[string]any) string {
	if uvWorkspace(doc) != nil {
		return ""
	}
	for d := pkg; d != "."; {
		d = path.Dir(d)
		up, ok := cx.readTOML(path.Join(d, "pyproject.toml"))
		if !ok {
			continue
		}
		ws := uvWorkspace(up)
		if ws == nil {
			continue
		}
		rel := relSlash(d, pkg)
		if matchesAny(stringList(ws["exclude"]), rel) || !matchesAny(stringList(ws["members"]), rel) {
			return ""
		}
		if ok, _ := cx.repo.stat(path.Join(d, "uv.lock")); !ok {
			return ""
		}
		return d
	}
	return ""
}

// uvWorkspace returns the [tool.uv.workspace] table, or nil.
func uvWorkspace(doc map[string]any) map[string]any {
	tool, _ := doc["tool"].(map[string]any)
	uv, _ := tool["uv"].(map[string]any)
	ws, _ := uv["workspace"].(map[string]any)
	return ws
}
