package stack

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	toml "github.com/pelletier/go-toml/v2"
	"golang.org/x/mod/modfile"
	"gopkg.in/yaml.v3"
)

// maxMembers bounds the members listed for one workspace.
const maxMembers = 256

// workspaces finds the multi-package roots the walk saw: go.work, Cargo
// [workspace], package.json workspaces, pnpm-workspace.yaml,
// [tool.uv.workspace], Maven <modules> and Gradle settings includes.
// They are sorted by directory and tool.
func (d *detector) workspaces() []Workspace {
	var files []string
	for p := range d.idx.files {
		switch baseName(p) {
		case "go.work", "Cargo.toml", "package.json", "pnpm-workspace.yaml", "pyproject.toml",
			"pom.xml", "settings.gradle", "settings.gradle.kts":
			files = append(files, p)
		}
	}
	sort.Strings(files)
	var out []Workspace
	for _, p := range files {
		dir := path.Dir(p)
		var w *Workspace
		switch baseName(p) {
		case "go.work":
			w = d.goWork(p)
		case "Cargo.toml":
			w = d.cargoWorkspace(p)
		case "package.json":
			w = d.nodeWorkspace(p)
		case "pnpm-workspace.yaml":
			w = d.pnpmWorkspace(p)
		case "pyproject.toml":
			w = d.uvWorkspace(p)
		case "pom.xml":
			w = d.mavenModules(p)
		case "settings.gradle", "settings.gradle.kts":
			w = d.gradleSubprojects(p)
		}
		if w == nil {
			continue
		}
		w.Dir = dir
		out = mergeWorkspace(out, *w)
	}
	sortWorkspaces(out)
	return out
}

// mergeWorkspace adds w, or unites its members with a workspace of the
// same directory and tool (package.json workspaces and
// pnpm-workspace.yaml of one pnpm root).
func mergeWorkspace(list []Workspace, w Workspace) []Workspace {
	for i := range list {
		if list[i].Dir == w.Dir && list[i].Tool == w.Tool {
			for _, m := range w.Members {
				list[i].Members = addUnique(list[i].Members, m)
			}
			sort.Strings(list[i].Members)
			if list[i].Lockfile == "" {
				list[i].Lockfile = w.Lockfile
			}
			return list
		}
	}
	return append(list, w)
}

// sortWorkspaces orders workspaces by directory, then tool.
func sortWorkspaces(list []Workspace) {
	sort.Slice(list, func(i, j int) bool {
		if list[i].Dir != list[j].Dir {
			return list[i].Dir < list[j].Dir
		}
		return list[i].Tool < list[j].Tool
	})
}

// lockIn returns the repository path of name in dir when the walk saw it.
func (d *detector) lockIn(dir, name string) string {
	if p := join(dir, name); d.idx.has(p) {
		return p
	}
	return ""
}

// goWork reads a go.work: its use directives are the members.
func (d *detector) goWork(p string) *Workspace {
	data, ok := d.r.read(p)
	if !ok {
		return nil
	}
	f, err := modfile.ParseWork(p, data, nil)
	if err != nil {
		d.r.warn(p, "malformed go.work: %s; fix it so `go work sync` accepts it", strings.TrimPrefix(err.Error(), p+":"))
		return nil
	}
	dir := path.Dir(p)
	var lits []string
	for _, u := range f.Use {
		lits = append(lits, u.Path)
	}
	return &Workspace{Tool: "go", Members: d.expandMembers(dir, lits, "go.mod"), Lockfile: d.lockIn(dir, "go.work.sum")}
}

// cargoWorkspaceToml is the [workspace] table of a Cargo.toml.
type cargoWorkspaceToml struct {
	Package   map[string]any `toml:"package"`
	Workspace *struct {
		Members []string `toml:"members"`
		Exclude []string `toml:"exclude"`
	} `toml:"workspace"`
}

// cargoWorkspace reads a Cargo.toml's [workspace] members (globs) and
// exclude; a root that is also a package is a member itself.
func (d *detector) cargoWorkspace(p string) *Workspace {
	data, ok := d.r.read(p)
	if !ok {
		return nil
	}
	var ct cargoWorkspaceToml
	if toml.Unmarshal(data, &ct) != nil || ct.Workspace == nil {
		return nil
	}
	return d.tomlWorkspace(p, "cargo", "Cargo.toml", "Cargo.lock", ct.Workspace.Members, ct.Workspace.Exclude, ct.Package != nil)
}

// tomlWorkspace is a Cargo or uv workspace at manifest p: its member globs
// less its excludes, found by their manifest, plus the root itself when it
// is also a package.
func (d *detector) tomlWorkspace(p, tool, manifest, lock string, members, exclude []string, rootIsPackage bool) *Workspace {
	dir := path.Dir(p)
	pats := append([]string(nil), members...)
	for _, x := range exclude {
		pats = append(pats, "!"+x)
	}
	found := d.expandMembers(dir, pats, manifest)
	if rootIsPackage {
		found = addUnique(found, dir)
		sort.Strings(found)
	}
	return &Workspace{Tool: tool, Members: found, Lockfile: d.lockIn(dir, lock)}
}

// nodeWorkspace reads package.json "workspaces" (an array, or an object
// with "packages"); the tool is the one whose lock file sits beside it.
func (d *detector) nodeWorkspace(p string) *Workspace {
	data, ok := d.r.read(p)
	if !ok {
		return nil
	}
	var top struct {
		Workspaces     json.RawMessage `json:"workspaces"`
		PackageManager string          `json:"packageManager"`
	}
	if json.Unmarshal(data, &top) != nil || len(top.Workspaces) == 0 {
		return nil
	}
	var pats []string
	if json.Unmarshal(top.Workspaces, &pats) != nil {
		var obj struct {
			Packages []string `json:"packages"`
		}
		if json.Unmarshal(top.Workspaces, &obj) != nil {
			return nil
		}
		pats = obj.Packages
	}
	if len(pats) == 0 {
		return nil
	}
	dir := path.Dir(p)
	w := &Workspace{Tool: "npm", Members: d.expandMembers(dir, pats, "package.json")}
	for _, l := range nodeLocks {
		if lp := d.lockIn(dir, l.file); lp != "" {
			w.Tool, w.Lockfile = l.pm, lp
			return w
		}
	}
	if pm, _, _ := strings.Cut(top.PackageManager, "@"); pm == "yarn" || pm == "bun" || pm == "pnpm" {
		w.Tool = pm
	}
	return w
}

// pnpmWorkspace reads pnpm-workspace.yaml's packages.
func (d *detector) pnpmWorkspace(p string) *Workspace {
	data, ok := d.r.read(p)
	if !ok {
		return nil
	}
	var y struct {
		Packages []string `yaml:"packages"`
	}
	if err := yaml.Unmarshal(data, &y); err != nil {
		d.r.warn(p, "malformed pnpm-workspace.yaml: %v; fix the YAML", err)
		return nil
	}
	dir := path.Dir(p)
	return &Workspace{Tool: "pnpm", Members: d.expandMembers(dir, y.Packages, "package.json"), Lockfile: d.lockIn(dir, "pnpm-lock.yaml")}
}

// uvWorkspaceToml is the [tool.uv.workspace] table of a pyproject.toml.
type uvWorkspaceToml struct {
	Project map[string]any `toml:"project"`
	Tool    struct {
		UV struct {
			Workspace *struct {
				Members []string `toml:"members"`
				Exclude []string `toml:"exclude"`
			} `toml:"workspace"`
		} `toml:"uv"`
	} `toml:"tool"`
}

// uvWorkspace reads [tool.uv.workspace] members and exclude; a root with
// a [project] is a member itself.
func (d *detector) uvWorkspace(p string) *Workspace {
	data, ok := d.r.read(p)
	if !ok {
		return nil
	}
	var pp uvWorkspaceToml
	if toml.Unmarshal(data, &pp) != nil || pp.Tool.UV.Workspace == nil {
		return nil
	}
	return d.tomlWorkspace(p, "uv", "pyproject.toml", "uv.lock", pp.Tool.UV.Workspace.Members, pp.Tool.UV.Workspace.Exclude, pp.Project != nil)
}

// mavenModules reads a pom.xml's <modules>.
func (d *detector) mavenModules(p string) *Workspace {
	data, ok := d.r.read(p)
	if !ok {
		return nil
	}
	var pm struct {
		Modules []string `xml:"modules>module"`
	}
	if decodeXML(data, &pm) != nil || len(pm.Modules) == 0 {
		return nil
	}
	var lits []string
	for _, m := range pm.Modules {
		m = strings.TrimSpace(m)
		if strings.HasSuffix(m, ".xml") {
			m = path.Dir(m)
		}
		lits = append(lits, m)
	}
	return &Workspace{Tool: "maven", Members: d.expandMembers(path.Dir(p), lits, "")}
}

var (
	reGradleIncludeStmt = regexp.MustCompile(`(?m)^[ \t]*include\b[ \t]*(\(?)`)
	reQuoted            = regexp.MustCompile(`['"]([^'"\n]+)['"]`)
	reGradleProjectDir  = regexp.MustCompile(`project\(\s*['"]:?([\w:.\-]+)['"]\s*\)\.projectDir\s*=\s*(?:file|new\s+File)\(\s*(?:(?:rootDir|settingsDir)\s*,\s*)?['"]([^'"]+)['"]`)
)

// gradleSubprojects reads the include statements of settings.gradle(.kts):
// ":services:api" is the directory services/api unless a projectDir
// assignment says otherwise.
func (d *detector) gradleSubprojects(p string) *Workspace {
	data, ok := d.r.read(p)
	if !ok {
		return nil
	}
	text := string(data)
	dirs := map[string]string{}
	for _, m := range reGradleProjectDir.FindAllStringSubmatch(text, -1) {
		dirs[m[1]] = m[2]
	}
	var lits []string
	for _, loc := range reGradleIncludeStmt.FindAllStringSubmatchIndex(text, -1) {
		rest := text[loc[1]:]
		var stmt string
		if loc[3] > loc[2] { // include( ... )
			end := strings.IndexByte(rest, ')')
			if end < 0 {
				end = len(rest)
			}
			stmt = rest[:end]
		} else { // include 'a', 'b' (a trailing comma continues the line)
			for {
				line, after, found := strings.Cut(rest, "\n")
				stmt += line
				if !found || !strings.HasSuffix(strings.TrimSpace(line), ",") {
					break
				}
				rest = after
			}
		}
		for _, q := range reQuoted.FindAllStringSubmatch(stmt, -1) {
			name := strings.TrimPrefix(q[1], ":")
			if dir, ok := dirs[name]; ok {
				lits = append(lits, dir)
				continue
			}
			lits = append(lits, strings.ReplaceAll(name, ":", "/"))
		}
	}
	if len(lits) == 0 {
		return nil
	}
	return &Workspace{Tool: "gradle", Members: d.expandMembers(path.Dir(p), lits, "")}
}

// expandMembers turns member patterns, relative to root, into repository
// directories. A glob matches the walked directories that hold manifest
// (when manifest is not empty); a literal is kept when it holds manifest
// or was not walked (it is stated, so it is trusted). A pattern starting
// with "!" excludes. Paths that leave the repository are dropped.
func (d *detector) expandMembers(root string, pats []string, manifest string) []string {
	var out []string
	var excl []string
	for _, pat := range pats {
		neg := strings.HasPrefix(pat, "!")
		pat = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(pat), "!"), "./")
		if pat == "" {
			continue
		}
		full := path.Clean(join(root, strings.TrimSuffix(pat, "/")))
		if !fs.ValidPath(full) {
			continue
		}
		if neg {
			excl = append(excl, full)
			continue
		}
		if !strings.ContainsAny(full, "*?[{") {
			if manifest == "" || d.idx.has(join(full, manifest)) || !d.idx.dirs[full] {
				out = addUnique(out, full)
			}
			continue
		}
		for dir := range d.idx.dirs {
			if ok, _ := doublestar.Match(full, dir); ok && (manifest == "" || d.idx.has(join(dir, manifest))) {
				out = addUnique(out, dir)
			}
		}
	}
	kept := out[:0]
	for _, m := range out {
		excluded := false
		for _, x := range excl {
			if ok, _ := doublestar.Match(x, m); ok || within(m, x) {
				excluded = true
				break
			}
		}
		if !excluded {
			kept = append(kept, m)
		}
	}
	sort.Strings(kept)
	if len(kept) > maxMembers {
		kept = kept[:maxMembers]
	}
	return kept
}

// lca returns the lowest common ancestor of clean slash directories.
func lca(dirs ...string) string {
	if len(dirs) == 0 {
		return "."
	}
	common := strings.Split(dirs[0], "/")
	if dirs[0] == "." {
		return "."
	}
	for _, d := range dirs[1:] {
		if d == "." {
			return "."
		}
		parts := strings.Split(d, "/")
		n := 0
		for n < len(common) && n < len(parts) && common[n] == parts[n] {
			n++
		}
		common = common[:n]
	}
	if len(common) == 0 {
		return "."
	}
	return strings.Join(common, "/")
}

// decodeXML decodes an XML document strictly.
func decodeXML(data []byte, v any) error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	return dec.Decode(v)
}
