package stack

import (
	"path"
	"strings"
)

// pyInfo gathers what the Python manifests of one directory say.
type pyInfo struct {
	name       string
	version    string
	versionSrc string
	deps       map[string]bool
	poetry     bool
	manifest   string
	pytestConf bool
	ruffConf   bool
	// scripts are [project.scripts] and [tool.poetry.scripts]: name →
	// "module:function".
	scripts map[string]string
	// fastapiEntry is [tool.fastapi] entrypoint ("app.main:app").
	fastapiEntry string
	// mainDeps are the dependencies the program runs with: not the
	// optional, development or test ones. They tell what the unit is.
	mainDeps map[string]bool
	// setuptools is set when setup.py or setup.cfg made the unit: its
	// install_requires are what a distributed package needs, so a web
	// framework there (a Django plugin) does not make a service.
	setuptools bool
}

// pythonService reads pyproject.toml, requirements*.txt and Pipfile, or,
// without them, setup.py and setup.cfg (python_setup.go).
func (d *detector) pythonService(dir string) *Service {
	info := &pyInfo{deps: map[string]bool{}, mainDeps: map[string]bool{}, scripts: map[string]string{}}
	hasProject := d.readPyproject(dir, info)
	hasReqs := d.readRequirements(dir, info)
	hasPipfile := d.readPipfile(dir, info)
	manage := d.idx.has(join(dir, "manage.py"))
	hasSetup := !hasProject && !hasReqs && !hasPipfile && !manage && d.readSetuptools(dir, info)
	if !hasProject && !hasReqs && !hasPipfile && !manage && !hasSetup {
		return nil
	}
	if info.manifest == "" {
		info.manifest = "manage.py"
	}
	s := &Service{Dir: dir, Language: Python, Manifest: info.manifest, Module: info.name}
	for dep := range info.deps {
		if h, ok := pythonHints[dep]; ok {
			s.addHint(h)
		}
	}
	if manage {
		s.addHint(hint{framework: "django"})
	}
	d.pythonVersion(s, info)
	d.pythonPackageManager(s, info)
	run := ""
	switch s.PackageManager {
	case "uv", "poetry", "pipenv":
		run = s.PackageManager + " run "
	}
	switch {
	case info.deps["pytest"] || info.pytestConf || d.idx.dirs[join(dir, "tests")] || d.idx.dirs[join(dir, "test")] ||
		d.idx.has(join(dir, "pytest.ini")) || d.idx.has(join(dir, "conftest.py")):
		s.Test = run + "pytest"
	case manage:
		s.Test = run + "python manage.py test"
	}
	switch {
	case info.deps["ruff"] || info.ruffConf:
		s.Lint = run + "ruff check ."
	case info.deps["flake8"]:
		s.Lint = run + "flake8"
	}
	if web := d.procfileProcess(dir, "web"); web != "" {
		s.Start = web
		scriptPort(s, web, "Procfile")
		s.Entry = asgiTarget(web)
	}
	d.pythonEntry(s, manage, info)
	return s
}

// pythonVersion prefers .python-version in the directory, then the
// manifests, then runtime.txt, then a .python-version above.
func (d *detector) pythonVersion(s *Service, info *pyInfo) {
	if p := join(s.Dir, ".python-version"); d.idx.has(p) {
		if data, ok := d.r.read(p); ok {
			if v := pythonFileVersion(string(data)); v != "" {
				s.Version, s.VersionSource = v, ".python-version"
				return
			}
		}
	}
	if info.version != "" {
		s.Version, s.VersionSource = info.version, info.versionSrc
		return
	}
	for _, name := range []string{"runtime.txt", ".python-version"} {
		p := d.findUp(s.Dir, name)
		if p == "" {
			continue
		}
		if data, ok := d.r.read(p); ok {
			if v := pythonFileVersion(string(data)); v != "" {
				s.Version, s.VersionSource = v, rel(s.Dir, p)
				if path.Dir(p) == s.Dir {
					s.VersionSource = name
				}
				return
			}
		}
	}
}

// pythonPackageManager: uv.lock → uv, poetry.lock or [tool.poetry] →
// poetry, Pipfile → pipenv, else pip. Lock files may sit in a workspace
// root above.
func (d *detector) pythonPackageManager(s *Service, info *pyInfo) {
	for _, l := range []struct{ file, pm string }{{"uv.lock", "uv"}, {"poetry.lock", "poetry"}, {"Pipfile.lock", "pipenv"}} {
		if p := d.findUp(s.Dir, l.file); p != "" {
			s.PackageManager = l.pm
			if path.Dir(p) == s.Dir {
				s.Lockfile = l.file
			} else {
				s.WorkspaceLock = p
			}
			return
		}
	}
	switch {
	case info.poetry:
		s.PackageManager = "poetry"
	case d.idx.has(join(s.Dir, "Pipfile")):
		s.PackageManager = "pipenv"
	default:
		s.PackageManager = "pip"
	}
}

// asgiTarget returns the app a uvicorn/gunicorn/hypercorn command serves
// ("uvicorn app.main:app --port 8000" → "app.main:app").
func asgiTarget(cmd string) string {
	fields := strings.Fields(cmd)
	valued := map[string]bool{"--port": true, "-p": true, "--host": true, "-b": true, "--bind": true,
		"-w": true, "--workers": true, "-k": true, "--worker-class": true, "-c": true, "--config": true}
	for i := 0; i < len(fields); i++ {
		if fields[i] != "uvicorn" && fields[i] != "gunicorn" && fields[i] != "hypercorn" {
			continue
		}
		for j := i + 1; j < len(fields); j++ {
			f := fields[j]
			if valued[f] {
				j++
				continue
			}
			if strings.HasPrefix(f, "-") {
				continue
			}
			return f
		}
	}
	return ""
}
