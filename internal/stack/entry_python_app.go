package stack

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
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
