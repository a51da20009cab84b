package stack

import "testing"

// TestPythonUnits covers Python layouts: a FastAPI app object, the src
// layout with [project.scripts] and a PORT default (issue #10), Flask
// with and without gunicorn, Django, a Celery worker, a Typer CLI and a
// library.
func TestPythonUnits(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  unitWant
	}{
		{
			name: "fastapi app object in app/main.py",
			files: map[string]string{
				"pyproject.toml":  "[project]\nname = \"inventory-api\"\ndependencies = [\"fastapi\", \"uvicorn\"]\n",
				"uv.lock":         "",
				"app/__init__.py": "",
				"app/main.py":     "from fastapi import FastAPI\n\napp = FastAPI(title=\"x\")\n",
			},
			want: unitWant{dir: ".", kind: KindService, kindReason: "app = FastAPI() in app/main.py",
				entry: "app/main.py", entryWhy: "app = FastAPI() in app/main.py, served as app.main:app; no port stated, so the server's default 8000",
				start: "uvicorn app.main:app --host 0.0.0.0 --port 8000"},
		},
		{
			name: "src layout with [project.scripts] and a PORT default",
			files: map[string]string{
				"pyproject.toml":            "[project]\nname = \"inventory\"\ndependencies = [\"httpx\"]\n[project.scripts]\ninventory = \"inventory.main:main\"\ninventory-admin = \"inventory.admin:main\"\n",
				"src/inventory/main.py":     "import os\n\ndef main():\n    port = int(os.environ.get(\"PORT\", \"8085\"))\n    HTTPServer((\"\", port), Handler).serve_forever()\n",
				"src/inventory/admin.py":    "def main(): pass\n",
				"src/inventory/__init__.py": "",
			},
			want: unitWant{dir: ".", kind: KindService, kindReason: "HTTPServer call in src/inventory/main.py",
				entry: "src/inventory/main.py", entryWhy: `[project.scripts] inventory = "inventory.main:main" (named like the project)`,
				start: "inventory"},
		},
		{
			name: "a script whose module only reads a PORT default",
			files: map[string]string{
				"pyproject.toml":   "[project]\nname = \"relay\"\n[project.scripts]\nrelay = \"relay.run:main\"\n",
				"src/relay/run.py": "import os\nPORT = int(os.getenv(\"PORT\", \"7001\"))\n",
			},
			want: unitWant{dir: ".", kind: KindService, kindReason: "port 7001 stated in src/relay/run.py",
				entry: "src/relay/run.py", entryWhy: `[project.scripts] relay = "relay.run:main" (named like the project)`, start: "relay"},
		},
		{
			name: "src layout app object",
			files: map[string]string{
				"pyproject.toml":     "[project]\nname = \"orders\"\ndependencies = [\"starlette\", \"uvicorn\"]\n",
				"src/orders/app.py":  "from starlette.applications import Starlette\napplication = Starlette()\n",
				"src/orders/main.py": "print('hi')\n",
				"tests/app.py":       "app = FastAPI()\n",
			},
			want: unitWant{dir: ".", kind: KindService, kindReason: "application = Starlette() in src/orders/app.py",
				entry: "src/orders/app.py", entryWhy: "served as orders.app:application",
				start: "uvicorn orders.app:application --app-dir src --host 0.0.0.0 --port 8000"},
		},
		{
			name: "litestar app object in api.py",
			files: map[string]string{
				"requirements.txt": "litestar\nuvicorn\n",
				"svc/api.py":       "from litestar import Litestar\napi = Litestar(route_handlers=[])\n",
			},
			want: unitWant{dir: ".", kind: KindService, kindReason: "api = Litestar() in svc/api.py",
				entry: "svc/api.py", entryWhy: "served as svc.api:api", start: "uvicorn svc.api:api --host 0.0.0.0 --port 8000"},
		},
		{
			name: "flask with gunicorn and a port in app.py",
			files: map[string]string{
				"pyproject.toml": "[tool.poetry]\nname = \"notes\"\n[tool.poetry.dependencies]\nflask = \"^3\"\ngunicorn = \"^22\"\n",
				"app.py":         "from flask import Flask\napp = Flask(__name__)\nif __name__ == '__main__':\n    app.run(port=5000)\n",
			},
			want: unitWant{dir: ".", kind: KindService, kindReason: "app = Flask() in app.py",
				entry: "app.py", entryWhy: "app = Flask() in app.py, served as app:app", start: "gunicorn --bind 0.0.0.0:5000 app:app"},
		},
		{
			name: "flask factory without gunicorn",
			files: map[string]string{
				"requirements.txt": "flask\n",
				"web/app.py":       "from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n",
				"web/__init__.py":  "",
			},
			want: unitWant{dir: ".", kind: KindService, kindReason: "Flask factory create_app() in web/app.py",
				entry: "web/app.py", entryWhy: "served as web.app:create_app(); gunicorn is not a dependency",
				start: "flask --app 'web.app:create_app()' run --host 0.0.0.0 --port 8000"},
		},
		{
			name: "django with gunicorn",
			files: map[string]string{
				"requirements.txt": "django\ngunicorn\n",
				"manage.py":        "",
				"shop/wsgi.py":     "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n",
				"shop/settings.py": "",
			},
			want: unitWant{dir: ".", kind: KindService, kindReason: "a Django project (manage.py, shop/wsgi.py)",
				entry: "shop.wsgi", entryWhy: "Django project shop", start: "gunicorn --bind 0.0.0.0:8000 shop.wsgi"},
		},
		{
			name: "celery worker",
			files: map[string]string{
				"requirements.txt": "celery\nredis\n",
				"Procfile":         "worker: celery -A tasks worker\n",
			},
			want: unitWant{dir: ".", kind: KindWorker, kindReason: "the Procfile's worker process (celery -A tasks worker)",
				entry: "", start: ""},
		},
		{
			name: "typer cli",
			files: map[string]string{
				"pyproject.toml": "[project]\nname = \"mytool\"\ndependencies = [\"typer\"]\n[project.scripts]\nmytool = \"mytool.cli:app\"\n",
			},
			want: unitWant{dir: ".", kind: KindCLI, kindReason: "[project.scripts] with typer, no web framework",
				entry: "mytool.cli", entryWhy: "named like the project", start: "mytool"},
		},
		{
			name: "library",
			files: map[string]string{
				"pyproject.toml":       "[project]\nname = \"retrying\"\ndependencies = [\"attrs\"]\n",
				"requirements.txt":     "pytest\nmkdocs-material\n",
				"mkdocs.yml":           "site_name: retrying\n",
				"src/retrying/core.py": "",
			},
			want: unitWant{dir: ".", kind: KindLibrary, kindReason: "a Python package with nothing to run"},
		},
		{
			name: "fastapi run from [tool.fastapi]",
			files: map[string]string{
				"pyproject.toml": "[project]\nname = \"x\"\ndependencies = [\"fastapi[standard]\"]\n[tool.fastapi]\nentrypoint = \"x.api:server\"\n",
			},
			want: unitWant{dir: ".", kind: KindService, kindReason: "[tool.fastapi] entrypoint x.api:server",
				entry: "x.api", entryWhy: "[tool.fastapi]", start: "fastapi run --host 0.0.0.0 --port 8000"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkUnit(t, mustDetect(t, tt.files, Options{}), tt.want)
		})
	}
}

// TestPythonOptionalDepsDoNotMakeAServer: black's optional "d" extra
// pulls aiohttp for blackd; the program is still a click CLI.
func TestPythonOptionalDepsDoNotMakeAServer(t *testing.T) {
	repo := mustDetect(t, map[string]string{
		"pyproject.toml":        "[project]\nname = \"black\"\ndependencies = [\"click>=8\"]\n[project.optional-dependencies]\nd = [\"aiohttp>=3.10\"]\n[project.scripts]\nblack = \"black:patched_main\"\nblackd = \"blackd:patched_main [d]\"\n",
		"src/black/__init__.py": "def patched_main(): pass\n",
	}, Options{})
	checkUnit(t, repo, unitWant{dir: ".", kind: KindCLI, kindReason: "[project.scripts] with click, no web framework",
		entry: "src/black/__init__.py", entryWhy: `[project.scripts] black = "black:patched_main" (named like the project); 2 scripts in all`, start: "black"})
}

// TestPythonServerCalls: a call that serves makes a service, a
// command-line app.run(main) (absl) does not.
func TestPythonServerCalls(t *testing.T) {
	tests := []struct {
		main string
		kind Kind
		why  string
	}{
		{"import uvicorn\nuvicorn.run(\"x:app\")\n", KindService, "uvicorn.run call in main.py"},
		{"app.run(host='0.0.0.0', port=int(os.environ['PORT']))\n", KindService, "run call in main.py"},
		{"from aiohttp import web\nweb.run_app(make())\n", KindService, "web.run_app call in main.py"},
		{"from absl import app\napp.run(main)\n", KindCLI, "a program with no web framework or port"},
	}
	for _, tt := range tests {
		repo := mustDetect(t, map[string]string{"requirements.txt": "requests\n", "main.py": tt.main}, Options{})
		checkUnit(t, repo, unitWant{dir: ".", kind: tt.kind, kindReason: tt.why, entry: "main.py",
			entryWhy: "conventional entry file", start: "python main.py"})
	}
}

func TestStartServer(t *testing.T) {
	for start, want := range map[string]string{
		"uvicorn app.main:app --host 0.0.0.0 --port {port}":  "uvicorn",
		"gunicorn --chdir src --bind 0.0.0.0:{port} app:app": "gunicorn",
		"fastapi run --host 0.0.0.0 --port {port}":           "fastapi run",
		"flask --app 'app:create_app()' run --port {port}":   "flask run",
		"sanic app.server:app --host 0.0.0.0 --port {port}":  "sanic",
		"python manage.py runserver 0.0.0.0:{port}":          "runserver",
		"hypercorn app:app --bind 0.0.0.0:{port}":            "hypercorn",
		"": "the server",
	} {
		if got := startServer(start); got != want {
			t.Errorf("startServer(%q) = %q, want %q", start, got, want)
		}
	}
}
