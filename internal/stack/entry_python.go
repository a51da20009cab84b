package stack

import (
	"fmt"
	"path"
	"regexp"
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

// pyAppNames are the files an ASGI/WSGI app object usually lives in.
var pyAppNames = map[string]int{"main.py": 0, "app.py": 1, "server.py": 2, "api.py": 3, "asgi.py": 4, "wsgi.py": 5}

// reAppObject finds "app = FastAPI(" and its kin; group 1 is the name,
// group 2 the class.
var reAppObject = regexp.MustCompile(`(?m)^(\w+)\s*(?::\s*[\w.\[\]]+\s*)?=\s*(FastAPI|Starlette|Litestar|Quart|Flask|Sanic|falcon\.App|falcon\.asgi\.App|APIFlask)\(`)

// reAppFactory finds a Flask application factory.
var reAppFactory = regexp.MustCompile(`(?m)^def (create_app|make_app)\(`)

// asgiClasses are the app classes served by an ASGI server.
var asgiClasses = map[string]bool{"FastAPI": true, "Starlette": true, "Litestar": true, "Quart": true, "falcon.asgi.App": true}

// Entry holds a path or module that a Dockerfile line can take as is
// ("app/main.py", "inventory.main"): the import target with its colon
// ("app.main:app") is in Start and EntryReason, because the container
// specialist refuses ':' and '()' in Entry.

// pyApp is an app object found in a source file.
type pyApp struct {
	file    string // relative to the unit ("app/main.py")
	module  string // "app.main"
	appDir  string // "src" for a src layout, else ""
	attr    string // "app", or "create_app()"
	class   string // "FastAPI"
	factory bool
}

// target is the import string servers take ("app.main:app").
func (a pyApp) target() string { return a.module + ":" + a.attr }

// pyModule turns a file path relative to the unit into a module path and
// the directory to import from ("src/inv/main.py" → "inv.main", "src").
func pyModule(file string) (module, appDir string) {
	file = strings.TrimSuffix(file, ".py")
	if rest, ok := strings.CutPrefix(file, "src/"); ok {
		file, appDir = rest, "src"
	}
	file = strings.TrimSuffix(file, "/__init__")
	return strings.ReplaceAll(file, "/", "."), appDir
}

// pythonAppObjects reads the usual app files of the unit and returns the
// app objects, best first: shallow files first, main.py before app.py.
func (d *detector) pythonAppObjects(s *Service) []pyApp {
	var files []string
	for p := range d.idx.files {
		if _, ok := pyAppNames[baseName(p)]; !ok || !within(p, s.Dir) {
			continue
		}
		rel := strings.TrimPrefix(p, s.Dir+"/")
		if s.Dir == "." {
			rel = p
		}
		if depth(rel) > pyAppDepth || folderOf(path.Dir(rel), fixtureFolders) != "" || folderOf(path.Dir(rel), exampleFolders) != "" {
			continue
		}
		files = append(files, rel)
	}
	sort.Slice(files, func(i, j int) bool {
		if di, dj := depth(files[i]), depth(files[j]); di != dj {
			return di < dj
		}
		if ni, nj := pyAppNames[baseName(files[i])], pyAppNames[baseName(files[j])]; ni != nj {
			return ni < nj
		}
		return files[i] < files[j]
	})
	if len(files) > maxPyAppFiles {
		files = files[:maxPyAppFiles]
	}
	var apps []pyApp
	for _, f := range files {
		data, ok := d.r.head(join(s.Dir, f), pySourceBytes)
		if !ok {
			continue
		}
		module, appDir := pyModule(f)
		if m := reAppObject.FindSubmatch(data); m != nil {
			apps = append(apps, pyApp{file: f, module: module, appDir: appDir, attr: string(m[1]), class: string(m[2])})
			continue
		}
		if m := reAppFactory.FindSubmatch(data); m != nil && strings.Contains(string(data), "Flask") {
			apps = append(apps, pyApp{file: f, module: module, appDir: appDir, attr: string(m[1]) + "()", class: "Flask", factory: true})
		}
	}
	return apps
}

// djangoProject returns the Django project package of a unit with
// manage.py: the folder holding wsgi.py (or asgi.py) next to settings.
func (d *detector) djangoProject(s *Service) (module, file string) {
	var found []string
	for _, name := range []string{"wsgi.py", "asgi.py"} {
		for p := range d.idx.files {
			if baseName(p) != name || !within(p, s.Dir) {
				continue
			}
			rel := strings.TrimPrefix(p, s.Dir+"/")
			if s.Dir == "." {
				rel = p
			}
			if depth(rel) == 2 || (depth(rel) == 3 && strings.HasPrefix(rel, "src/")) {
				found = append(found, rel)
			}
		}
		if len(found) > 0 {
			break
		}
	}
	if len(found) == 0 {
		return "", ""
	}
	sort.Strings(found)
	module, _ = pyModule(path.Dir(found[0]) + ".py")
	return module, found[0]
}

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
	if web != "" {
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
	if s.Entry == "" && s.Start == "" {
		u.add(KindLibrary, "a Python package with nothing to run (no app object, script, __main__.py or main.py)")
	}
}

// pythonAppEntry serves the best app object: uvicorn for ASGI apps,
// gunicorn for WSGI apps (flask run when gunicorn is not a dependency).
func (d *detector) pythonAppEntry(s *Service, info *pyInfo) bool {
	apps := d.pythonAppObjects(s)
	if len(apps) == 0 {
		return false
	}
	a := apps[0]
	s.Entry = a.file
	what := fmt.Sprintf("%s = %s() in %s", a.attr, a.class, a.file)
	if a.factory {
		what = fmt.Sprintf("Flask factory %s in %s", a.attr, a.file)
	}
	s.EntryReason = what + ", served as " + a.target()
	if len(apps) > 1 {
		s.EntryReason += fmt.Sprintf(" (first of %d app objects; also %s)", len(apps), apps[1].target())
	}
	d.unit(s.Dir).add(KindService, "%s", what)
	d.pythonFilePort(s, a.file)
	switch {
	case asgiClasses[a.class] && info.deps["hypercorn"] && !info.deps["uvicorn"]:
		s.Start = "hypercorn " + a.target() + " --bind 0.0.0.0:" + portToken
		if a.appDir != "" {
			s.Start = "hypercorn --root-path " + a.appDir + " " + a.target() + " --bind 0.0.0.0:" + portToken
		}
	case asgiClasses[a.class]:
		s.Start = "uvicorn " + a.target() + " --host 0.0.0.0 --port " + portToken
		if a.appDir != "" {
			s.Start = "uvicorn " + a.target() + " --app-dir " + a.appDir + " --host 0.0.0.0 --port " + portToken
		}
	case a.class == "Sanic":
		s.Start = "sanic " + a.target() + " --host 0.0.0.0 --port " + portToken
	case info.deps["gunicorn"] || a.class != "Flask" && a.class != "APIFlask":
		s.Start = "gunicorn --bind 0.0.0.0:" + portToken + " " + quoteFactory(a)
		if a.appDir != "" {
			s.Start = "gunicorn --chdir " + a.appDir + " --bind 0.0.0.0:" + portToken + " " + quoteFactory(a)
		}
	default:
		s.Start = "flask --app " + quoteFactory(a) + " run --host 0.0.0.0 --port " + portToken
		s.EntryReason += "; gunicorn is not a dependency, so flask run (add gunicorn for production)"
	}
	return true
}

// quoteFactory quotes a factory target for the shell ("'app:create_app()'").
func quoteFactory(a pyApp) string {
	if a.factory {
		return "'" + a.target() + "'"
	}
	return a.target()
}

// pythonDjangoEntry serves a Django project with gunicorn (or uvicorn
// for an ASGI-only project).
func (d *detector) pythonDjangoEntry(s *Service, info *pyInfo) bool {
	module, file := d.djangoProject(s)
	if module == "" {
		return false
	}
	u := d.unit(s.Dir)
	u.add(KindService, "a Django project (manage.py, %s)", file)
	switch {
	case baseName(file) == "asgi.py" || (!info.deps["gunicorn"] && info.deps["uvicorn"]):
		s.Entry = module + ".asgi"
		s.Start = "uvicorn " + s.Entry + ":application --host 0.0.0.0 --port " + portToken
	case info.deps["gunicorn"]:
		s.Entry = module + ".wsgi"
		s.Start = "gunicorn --bind 0.0.0.0:" + portToken + " " + s.Entry
	default:
		s.Entry = "manage.py"
		s.Start = "python manage.py runserver 0.0.0.0:" + portToken
		s.EntryReason = fmt.Sprintf("Django project %s; gunicorn is not a dependency, so runserver (for development: add gunicorn)", module)
		return true
	}
	s.EntryReason = fmt.Sprintf("Django project %s (manage.py, %s)", module, file)
	return true
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
// port source was read: the stated port, else the server's default.
func fillStartPort(s *Service) {
	if !strings.Contains(s.Start, portToken) {
		return
	}
	port := s.Port
	if port == 0 {
		port = defaultServerPort
		s.EntryReason += fmt.Sprintf("; no port stated, so the server's default %d", port)
	}
	s.Start = strings.ReplaceAll(s.Start, portToken, strconv.Itoa(port))
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
