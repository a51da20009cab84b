package stack

import (
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
)

// setuptools projects: a setup.py and/or setup.cfg beside a package folder,
// with no pyproject.toml. Such a directory is a Python unit when no unit of
// another language encloses it (a helper setup.py deep in a Go repository's
// tools/ is not the product).

var (
	reSetupName     = regexp.MustCompile(`\bname\s*=\s*['"]([^'"\n]+)['"]`)
	reSetupRequires = regexp.MustCompile(`\bpython_requires\s*=\s*['"]([^'"\n]+)['"]`)
	reSetupPackages = regexp.MustCompile(`\bpackages\s*=\s*\[([^\]]*)\]`)
	// reSetupList finds the list that follows a keyword argument or a
	// dictionary key: install_requires=[...], "console_scripts": [...].
	reSetupConsole = regexp.MustCompile(`['"]console_scripts['"]\s*:\s*\[([^\]]*)\]`)
	reSetupInstall = regexp.MustCompile(`\binstall_requires\s*=\s*\[([^\]]*)\]`)
	reSetupTests   = regexp.MustCompile(`\b(?:tests_require|extras_require)\s*=\s*[\[{]([^\]}]*)`)
	reScriptSpec   = regexp.MustCompile(`^\s*([\w.\-]+)\s*=\s*([\w.]+(?::[\w.]+)?)`)
)

// otherUnitManifests are the manifests of the other languages: a setup.py
// below one of them is that unit's helper, not a Python unit.
var otherUnitManifests = []string{"go.mod", "package.json", "Cargo.toml", "pom.xml", "build.gradle", "build.gradle.kts"}

// readSetuptools reads dir/setup.py and dir/setup.cfg when the directory
// has no pyproject.toml, has a package folder and lies in no unit of
// another language. It reports whether they make dir a Python unit.
func (d *detector) readSetuptools(dir string, info *pyInfo) bool {
	py, cfg := join(dir, "setup.py"), join(dir, "setup.cfg")
	hasPy, hasCfg := d.idx.has(py), d.idx.has(cfg)
	if (!hasPy && !hasCfg) || d.idx.has(join(dir, "pyproject.toml")) || d.otherUnitAbove(dir) {
		return false
	}
	var packages []string
	manifest := ""
	if hasCfg {
		if data, ok := d.r.read(cfg); ok {
			if readSetupCfg(string(data), info, &packages) {
				manifest = "setup.cfg"
			}
		}
	}
	if hasPy {
		if data, ok := d.r.read(py); ok {
			readSetupPy(string(data), info, &packages)
		}
		manifest = "setup.py"
	}
	if manifest == "" || !d.hasPackageFolder(dir, packages) {
		return false
	}
	if info.version != "" && info.versionSrc == "" {
		info.versionSrc = manifest
	}
	info.manifest = manifest
	info.setuptools = true
	return true
}

// otherUnitAbove reports whether dir or one of its ancestors holds the
// manifest of a unit in another language.
func (d *detector) otherUnitAbove(dir string) bool {
	for _, a := range append([]string{dir}, ancestors(dir)...) {
		for _, m := range otherUnitManifests {
			if d.idx.has(join(a, m)) {
				return true
			}
		}
	}
	return false
}

// hasPackageFolder reports whether dir (or dir/src) holds a package: a
// folder named in packages=[...] or one with an __init__.py.
func (d *detector) hasPackageFolder(dir string, packages []string) bool {
	for _, p := range packages {
		top, _, _ := strings.Cut(p, ".")
		if d.idx.dirs[join(dir, top)] || d.idx.dirs[join(dir, "src/"+top)] {
			return true
		}
	}
	for _, base := range []string{dir, join(dir, "src")} {
		if !d.idx.dirs[base] {
			continue
		}
		entries, err := fs.ReadDir(d.fsys, base)
		if err != nil {
			d.r.fail(base, err)
			continue
		}
		for _, e := range entries {
			if !e.IsDir() || skipDir(e.Name()) || fixtureFolders[strings.ToLower(e.Name())] {
				continue
			}
			init := path.Join(base, e.Name(), "__init__.py")
			st, err := fs.Stat(d.fsys, init)
			if err == nil && st.Mode().IsRegular() {
				return true
			}
			d.r.fail(init, err)
		}
	}
	return false
}

// quotedIn returns the quoted strings of a Python list's body.
func quotedIn(body string) []string {
	var out []string
	for _, m := range reQuoted.FindAllStringSubmatch(body, -1) {
		out = append(out, strings.TrimSpace(m[1]))
	}
	return out
}

// readSetupPy takes the name, python_requires, packages, requirements and
// console scripts that a setup() call states as literals.
func readSetupPy(text string, info *pyInfo, packages *[]string) {
	if m := reSetupName.FindStringSubmatch(text); m != nil && info.name == "" {
		info.name = strings.TrimSpace(m[1])
	}
	if m := reSetupRequires.FindStringSubmatch(text); m != nil {
		if v := pythonMinor(m[1]); v != "" {
			info.version, info.versionSrc = v, "setup.py"
		}
	}
	if m := reSetupPackages.FindStringSubmatch(text); m != nil {
		*packages = append(*packages, quotedIn(m[1])...)
	}
	if m := reSetupInstall.FindStringSubmatch(text); m != nil {
		for _, r := range quotedIn(m[1]) {
			addReq(info, r, true)
		}
	}
	for _, m := range reSetupTests.FindAllStringSubmatch(text, -1) {
		for _, r := range quotedIn(m[1]) {
			addReq(info, r, false)
		}
	}
	if m := reSetupConsole.FindStringSubmatch(text); m != nil {
		for _, spec := range quotedIn(m[1]) {
			addScriptSpec(info, spec)
		}
	}
}

// addReq records a requirement; main ones are those the program runs with.
func addReq(info *pyInfo, req string, main bool) {
	n := pyName(req)
	if n == "" {
		return
	}
	info.deps[n] = true
	if main {
		info.mainDeps[n] = true
	}
}

// addScriptSpec records one "name = module:function" console script.
func addScriptSpec(info *pyInfo, spec string) {
	if m := reScriptSpec.FindStringSubmatch(spec); m != nil {
		info.scripts[m[1]] = m[2]
	}
}

// readSetupCfg reads the [metadata] and [options] sections of setup.cfg;
// it reports whether the file describes a project (has either section).
func readSetupCfg(text string, info *pyInfo, packages *[]string) bool {
	sections := iniSections(text)
	_, meta := sections["metadata"]
	_, opts := sections["options"]
	if name := sections["metadata"]["name"]; name != "" && info.name == "" {
		info.name = name
	}
	if v := pythonMinor(sections["options"]["python_requires"]); v != "" && info.version == "" {
		info.version, info.versionSrc = v, "setup.cfg"
	}
	for _, p := range iniList(sections["options"]["packages"]) {
		if p != "find:" && p != "find_namespace:" {
			*packages = append(*packages, p)
		}
	}
	for _, r := range iniList(sections["options"]["install_requires"]) {
		addReq(info, r, true)
	}
	for _, r := range iniList(sections["options"]["tests_require"]) {
		addReq(info, r, false)
	}
	for _, extra := range sections["options.extras_require"] {
		for _, r := range iniList(extra) {
			addReq(info, r, false)
		}
	}
	for _, spec := range iniList(sections["options.entry_points"]["console_scripts"]) {
		addScriptSpec(info, spec)
	}
	return meta || opts
}

// iniSections parses an INI file into section → key → value; indented
// lines continue the previous value, one item a line.
func iniSections(text string) map[string]map[string]string {
	out := map[string]map[string]string{}
	var cur map[string]string
	key := ""
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";") {
			continue
		}
		if strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]") {
			name := strings.ToLower(strings.TrimSpace(trimmed[1 : len(trimmed)-1]))
			if out[name] == nil {
				out[name] = map[string]string{}
			}
			cur, key = out[name], ""
			continue
		}
		if cur == nil {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && key != "" {
			cur[key] += "\n" + trimmed
			continue
		}
		k, v, ok := strings.Cut(trimmed, "=")
		if !ok {
			k, v, ok = strings.Cut(trimmed, ":")
		}
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(k))
		cur[key] = strings.TrimSpace(v)
	}
	return out
}

// iniList splits a setup.cfg list value: one item a line, or, on a single
// line, items separated by commas.
func iniList(v string) []string {
	lines := strings.Split(v, "\n")
	if len(lines) == 1 {
		lines = strings.Split(v, ",")
	}
	var out []string
	for _, item := range lines {
		if item = strings.TrimSpace(item); item != "" && !strings.HasPrefix(item, "#") {
			out = append(out, item)
		}
	}
	sort.Strings(out)
	return out
}
