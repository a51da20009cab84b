package stack

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// portToken stands for the service's port in a Start command until the
// port is known (filled by fillStartPort once every port source is read).
const portToken = "{port}"

// defaultServerPort is the port uvicorn and gunicorn listen on by default.
const defaultServerPort = 8000

// Limits on the Python files read to find an app object.
const (
	maxPyAppFiles = 8
	pyAppDepth    = 3
	pySourceBytes = 12 << 10
)

// Python dependency names that tell what a unit is.
var (
	pyWebFrameworks = []string{"django", "fastapi", "flask", "starlette", "litestar", "quart", "sanic",
		"aiohttp", "tornado", "falcon", "bottle", "pyramid", "apiflask", "streamlit", "gradio"}
	pyWorkerDeps = []string{"celery", "rq", "dramatiq", "arq", "huey", "faust-streaming",
		"python-telegram-bot", "aiogram", "discord-py", "temporalio", "apscheduler"}
	pyCLIDeps = []string{"click", "typer", "fire", "docopt", "cyclopts", "rich-click", "cleo"}
)

// firstDep returns the first of names in deps, or "".
func firstDep(deps map[string]bool, names []string) string {
	for _, n := range names {
		if deps[n] {
			return n
		}
	}
	return ""
}

// pythonEntry finds the program and how to start it, best first: the
// Procfile's web process (already in Start), an ASGI/WSGI app object, a
// Django project, [tool.fastapi], a [project.scripts] entry, a package
// with __main__.py, a conventional file. It also records the kind facts.
func (d *detector) pythonEntry(s *Service, manage bool, info *pyInfo) {
	u := d.unit(s.Dir)
	web := firstDep(info.mainDeps, pyWebFrameworks)
	if dep := firstDep(info.mainDeps, []string{"mkdocs", "mkdocs-material", "sphinx"}); dep != "" && web == "" {
		if cfg := d.siteConfig(s.Dir); cfg != "" || dep == "sphinx" {
			u.add(KindSite, "depends on %s: a docs site", dep)
		}
	}
	switch {
	case s.Start != "":
		s.EntryReason = "the Procfile's web process"
		u.add(KindService, "the Procfile's web process")
	case d.pythonAppEntry(s, info):
	case manage && d.pythonDjangoEntry(s, info):
	case info.fastapiEntry != "":
		s.Entry, _, _ = strings.Cut(info.fastapiEntry, ":")
		s.Start = "fastapi run --host 0.0.0.0 --port " + portToken
		s.EntryReason = "[tool.fastapi] entrypoint in pyproject.toml"
		u.add(KindService, "[tool.fastapi] entrypoint %s", info.fastapiEntry)
	case d.pythonScriptEntry(s, info):
	case manage:
		s.Entry = "manage.py"
		s.Start = "python manage.py runserver 0.0.0.0:" + portToken
		s.EntryReason = "manage.py with no project wsgi.py found; runserver is for development"
		u.add(KindService, "a Django project (manage.py)")
	default:
		d.pythonFileEntry(s)
	}
	if web != "" && !info.setuptools {
		u.add(KindService, "depends on %s", web)
	}
	if cmd := d.procfileProcess(s.Dir, "worker"); cmd != "" {
		u.add(KindWorker, "the Procfile's worker process (%s)", cmd)
	}
	if dep := firstDep(info.mainDeps, pyWorkerDeps); dep != "" {
		u.add(KindWorker, "depends on %s and no web framework", dep)
	}
	if len(info.scripts) > 0 {
		if dep := firstDep(info.mainDeps, pyCLIDeps); dep != "" {
			u.add(KindCLI, "[project.scripts] with %s, no web framework", dep)
		}
	}
	if info.mainDeps["grpcio"] {
		u.addWeak(KindService, "depends on grpcio")
	}
}

// pythonScriptEntry runs the best [project.scripts] entry: the one named
// like the project or the directory, else the first by name.
func (d *detector) pythonScriptEntry(s *Service, info *pyInfo) bool {
	if len(info.scripts) == 0 {
		return false
	}
	names := make([]string, 0, len(info.scripts))
	for n := range info.scripts {
		names = append(names, n)
	}
	sort.Strings(names)
	best, why := names[0], ""
	for _, n := range names {
		if pyName(n) == pyName(info.name) && info.name != "" {
			best, why = n, " (named like the project)"
			break
		}
		if n == baseName(s.Dir) {
			best, why = n, " (named like the directory)"
		}
	}
	target := info.scripts[best]
	mod, _, _ := strings.Cut(target, ":")
	s.Entry = mod
	s.Start = best
	s.EntryReason = fmt.Sprintf("[project.scripts] %s = %q%s", best, target, why)
	if len(names) > 1 {
		s.EntryReason += fmt.Sprintf("; %d scripts in all", len(names))
	}
	if mod != "" {
		file := strings.ReplaceAll(mod, ".", "/") + ".py"
		for _, f := range []string{"src/" + file, file, "src/" + strings.TrimSuffix(file, ".py") + "/__init__.py"} {
			if d.pythonFilePort(s, f) {
				s.Entry = f
				break
			}
		}
	}
	return true
}

// pythonFileEntry takes a package with __main__.py, then a conventional
// file (main.py, app.py...).
func (d *detector) pythonFileEntry(s *Service) {
	var pkgs []string
	for p := range d.idx.files {
		if baseName(p) != "__main__.py" {
			continue
		}
		pkgDir := path.Dir(p)
		parent := path.Dir(pkgDir)
		if parent == s.Dir || parent == join(s.Dir, "src") {
			pkgs = append(pkgs, baseName(pkgDir))
		}
	}
	sort.Strings(pkgs)
	if len(pkgs) > 0 {
		s.Entry = pkgs[0]
		s.Start = "python -m " + pkgs[0]
		s.EntryReason = "package " + pkgs[0] + " has __main__.py"
	}
	for _, f := range []string{"main.py", "app.py", "server.py", "app/main.py", "src/main.py", "asgi.py", "wsgi.py"} {
		if !d.idx.has(join(s.Dir, f)) {
			continue
		}
		if s.Entry == "" {
			s.Entry = f
			s.Start = "python " + f
			s.EntryReason = f + " is the conventional entry file"
		}
		d.sourcePort(s, f)
		d.serverCall(s, f, rePyServe)
		break
	}
}

// pythonFilePort reads a port from a Python file of the unit; it reports
// whether the file was read.
func (d *detector) pythonFilePort(s *Service, file string) bool {
	data, ok := d.r.head(join(s.Dir, file), pySourceBytes)
	if !ok {
		return false
	}
	setPort(s, string(data), portPatterns[Python], file)
	d.serverCall(s, file, rePyServe)
	return true
}

// fillStartPort puts the port into a Start command built before every
// port source was read: the stated port, else the server's default, which
// then becomes the service's port with a PortSource saying so (the Start
// command passes it, so the service listens there).
func fillStartPort(s *Service) {
	if !strings.Contains(s.Start, portToken) {
		return
	}
	port := s.Port
	if port == 0 {
		port = defaultServerPort
		s.EntryReason += fmt.Sprintf("; no port stated, so the server's default %d", port)
		s.Port, s.PortSource = port, startServer(s.Start)+"'s default: no port stated"
	}
	s.Start = strings.ReplaceAll(s.Start, portToken, strconv.Itoa(port))
}

// startServer names the server a Start command runs ("uvicorn",
// "gunicorn", "fastapi run", "flask run", "runserver").
func startServer(start string) string {
	f := strings.Fields(start)
	switch {
	case len(f) == 0:
		return "the server"
	case slices.Contains(f, "runserver"):
		return "runserver"
	case f[0] == "flask" || (f[0] == "fastapi" && len(f) > 1 && f[1] == "run"):
		return f[0] + " run"
	}
	return f[0]
}

// procfileProcess returns the command of the Procfile's process named
// name ("worker"), or "".
func (d *detector) procfileProcess(dir, name string) string {
	p := join(dir, "Procfile")
	if !d.idx.has(p) {
		return ""
	}
	data, ok := d.r.read(p)
	if !ok {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if cmd, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return strings.TrimSpace(cmd)
		}
	}
	return ""
}
