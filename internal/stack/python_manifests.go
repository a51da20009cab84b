package stack

import (
	"regexp"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
)

// pyproject is the part of pyproject.toml detection reads.
type pyproject struct {
	Project *struct {
		Name                 string              `toml:"name"`
		RequiresPython       string              `toml:"requires-python"`
		Dependencies         []string            `toml:"dependencies"`
		OptionalDependencies map[string][]string `toml:"optional-dependencies"`
		Scripts              map[string]any      `toml:"scripts"`
	} `toml:"project"`
	DependencyGroups map[string][]any `toml:"dependency-groups"`
	Tool             struct {
		Poetry *struct {
			Name            string         `toml:"name"`
			Dependencies    map[string]any `toml:"dependencies"`
			DevDependencies map[string]any `toml:"dev-dependencies"`
			Group           map[string]struct {
				Dependencies map[string]any `toml:"dependencies"`
			} `toml:"group"`
			Scripts map[string]any `toml:"scripts"`
		} `toml:"poetry"`
		FastAPI struct {
			Entrypoint string `toml:"entrypoint"`
		} `toml:"fastapi"`
		UV struct {
			DevDependencies []string `toml:"dev-dependencies"`
		} `toml:"uv"`
		Pytest map[string]any `toml:"pytest"`
		Ruff   map[string]any `toml:"ruff"`
	} `toml:"tool"`
}

// pipfile is the part of a Pipfile detection reads.
type pipfile struct {
	Packages    map[string]any `toml:"packages"`
	DevPackages map[string]any `toml:"dev-packages"`
	Requires    struct {
		PythonVersion     string `toml:"python_version"`
		PythonFullVersion string `toml:"python_full_version"`
	} `toml:"requires"`
}

var reReqName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*`)

// pyName normalises a requirement to its distribution name
// ("psycopg[binary]>=3" → "psycopg", "Flask_Cors" → "flask-cors").
func pyName(req string) string {
	n := reReqName.FindString(strings.TrimSpace(req))
	n = strings.ToLower(n)
	n = strings.NewReplacer("_", "-", ".", "-").Replace(n)
	return n
}

// docsOnly are packages of a docs build, not of a service.
var docsOnly = map[string]bool{
	"sphinx": true, "mkdocs": true, "mkdocs-material": true, "furo": true,
	"sphinx-rtd-theme": true, "myst-parser": true,
}

// readPyproject reads dir/pyproject.toml; it counts as a manifest only
// with a [project] or [tool.poetry] table.
func (d *detector) readPyproject(dir string, info *pyInfo) bool {
	p := join(dir, "pyproject.toml")
	if !d.idx.has(p) {
		return false
	}
	data, ok := d.r.read(p)
	if !ok {
		return true
	}
	var pp pyproject
	if err := toml.Unmarshal(data, &pp); err != nil {
		d.r.warn(p, "malformed pyproject.toml: %v; fix the TOML", err)
		info.manifest = "pyproject.toml"
		return true
	}
	info.pytestConf = pp.Tool.Pytest != nil
	info.ruffConf = pp.Tool.Ruff != nil
	found := false
	if pr := pp.Project; pr != nil {
		found = true
		info.name = pr.Name
		if v := pythonMinor(pr.RequiresPython); v != "" {
			info.version, info.versionSrc = v, "pyproject.toml"
		}
		for _, r := range pr.Dependencies {
			info.deps[pyName(r)] = true
			info.mainDeps[pyName(r)] = true
		}
		addScripts(info, pr.Scripts)
		for _, group := range pr.OptionalDependencies {
			for _, r := range group {
				info.deps[pyName(r)] = true
			}
		}
	}
	for _, group := range pp.DependencyGroups {
		for _, r := range group {
			if s, ok := r.(string); ok {
				info.deps[pyName(s)] = true
			}
		}
	}
	for _, r := range pp.Tool.UV.DevDependencies {
		info.deps[pyName(r)] = true
	}
	if po := pp.Tool.Poetry; po != nil {
		found = true
		info.poetry = true
		if info.name == "" {
			info.name = po.Name
		}
		add := func(m map[string]any) {
			for name := range m {
				info.deps[pyName(name)] = true
			}
		}
		add(po.Dependencies)
		for name := range po.Dependencies {
			info.mainDeps[pyName(name)] = true
		}
		add(po.DevDependencies)
		addScripts(info, po.Scripts)
		for _, g := range po.Group {
			add(g.Dependencies)
		}
		if py, ok := po.Dependencies["python"].(string); ok && info.version == "" {
			if v := pythonMinor(py); v != "" {
				info.version, info.versionSrc = v, "pyproject.toml"
			}
		}
	}
	info.fastapiEntry = strings.TrimSpace(pp.Tool.FastAPI.Entrypoint)
	if found {
		info.manifest = "pyproject.toml"
	}
	return found
}

// requirementFiles are read in this order; the first names the manifest.
var requirementFiles = []string{"requirements.txt", "requirements-dev.txt", "requirements_dev.txt",
	"dev-requirements.txt", "requirements-test.txt"}

// readRequirements reads the requirement files of dir. A requirements.txt
// that lists only documentation tools does not make a service.
func (d *detector) readRequirements(dir string, info *pyInfo) bool {
	main := join(dir, "requirements.txt")
	if !d.idx.has(main) {
		return false
	}
	service := false
	for _, name := range requirementFiles {
		p := join(dir, name)
		if !d.idx.has(p) {
			continue
		}
		data, ok := d.r.read(p)
		if !ok {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if i := strings.Index(line, "#"); i >= 0 {
				line = strings.TrimSpace(line[:i])
			}
			if line == "" || strings.HasPrefix(line, "-") {
				continue
			}
			n := pyName(line)
			if n == "" {
				continue
			}
			info.deps[n] = true
			if name == "requirements.txt" {
				// Beside a pyproject.toml that names the dependencies, a
				// requirements.txt is usually the development set.
				if info.manifest != "pyproject.toml" {
					info.mainDeps[n] = true
				}
				service = service || !docsOnly[n]
			}
		}
	}
	if service && info.manifest == "" {
		info.manifest = "requirements.txt"
	}
	return service
}

// readPipfile reads dir/Pipfile.
func (d *detector) readPipfile(dir string, info *pyInfo) bool {
	p := join(dir, "Pipfile")
	if !d.idx.has(p) {
		return false
	}
	if info.manifest == "" {
		info.manifest = "Pipfile"
	}
	data, ok := d.r.read(p)
	if !ok {
		return true
	}
	var pf pipfile
	if err := toml.Unmarshal(data, &pf); err != nil {
		d.r.warn(p, "malformed Pipfile: %v; fix the TOML", err)
		return true
	}
	for name := range pf.Packages {
		info.deps[pyName(name)] = true
		info.mainDeps[pyName(name)] = true
	}
	for name := range pf.DevPackages {
		info.deps[pyName(name)] = true
	}
	if info.version == "" {
		v := majorMinor(pf.Requires.PythonVersion)
		if v == "" {
			v = majorMinor(pf.Requires.PythonFullVersion)
		}
		if v != "" {
			info.version, info.versionSrc = v, "Pipfile"
		}
	}
	return true
}

// addScripts records console scripts: a "module:function" string, or a
// poetry table with a reference.
func addScripts(info *pyInfo, scripts map[string]any) {
	for name, v := range scripts {
		switch t := v.(type) {
		case string:
			info.scripts[name] = strings.TrimSpace(t)
		case map[string]any:
			if ref, ok := t["reference"].(string); ok {
				info.scripts[name] = strings.TrimSpace(ref)
			}
		}
	}
}
