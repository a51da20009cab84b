package stack

import (
	"reflect"
	"strings"
	"testing"
)

func TestDirectDepsAndCgo(t *testing.T) {
	tests := []struct {
		name       string
		files      map[string]string
		deps       []string
		frameworks []string
	}{
		{
			name: "go app on go-sqlite3 needs cgo and no mysql",
			files: map[string]string{
				"go.mod":  "module example.com/notes\n\ngo 1.22\n\nrequire (\n\tgithub.com/mattn/go-sqlite3 v1.14.22\n\tgithub.com/gin-gonic/gin v1.10.0\n\tgithub.com/go-sql-driver/mysql v1.8.1 // indirect\n)\n",
				"main.go": "package main\n",
			},
			frameworks: []string{"cgo", "gin"},
		},
		{
			name: "mongo driver marked indirect is no backing service",
			files: map[string]string{
				"go.mod":  "module example.com/cli\n\ngo 1.22\n\nrequire github.com/spf13/cobra v1.8.0\n\nrequire (\n\tgo.mongodb.org/mongo-driver v1.15.0 // indirect\n\tgithub.com/confluentinc/confluent-kafka-go/v2 v2.3.0 // indirect\n)\n",
				"main.go": "package main\n",
			},
		},
		{
			name: "pure-Go sqlite and a direct postgres driver",
			files: map[string]string{
				"go.mod":  "module example.com/app\n\ngo 1.22\n\nrequire (\n\tmodernc.org/sqlite v1.29.0\n\tgithub.com/jackc/pgx/v5 v5.5.0\n)\n",
				"main.go": "package main\n",
			},
			deps: []string{"postgres"},
		},
		{
			name: "confluent kafka is kafka and cgo",
			files: map[string]string{
				"go.mod":  "module example.com/c\n\ngo 1.22\n\nrequire github.com/confluentinc/confluent-kafka-go/v2 v2.3.0\n",
				"main.go": "package main\n",
			},
			deps:       []string{"kafka"},
			frameworks: []string{"cgo"},
		},
		{
			name: "node devDependencies give no backing service",
			files: map[string]string{
				"package.json": `{"name":"api","scripts":{"start":"node index.js"},"dependencies":{"express":"^4","better-sqlite3":"^9","pg":"^8"},"devDependencies":{"ioredis":"^5","mongodb-memory-server":"^9","mysql2":"^3"},"peerDependencies":{"mongoose":"^8"}}`,
				"index.js":     "",
			},
			deps:       []string{"postgres"},
			frameworks: []string{"express"},
		},
		{
			name:  "bullmq keeps its jobs in redis",
			files: map[string]string{"package.json": `{"name":"worker","main":"dist/worker.js","dependencies":{"bullmq":"^5"}}`},
			deps:  []string{"redis"},
		},
		{
			name:  "bull keeps its jobs in redis",
			files: map[string]string{"package.json": `{"name":"jobs","main":"index.js","dependencies":{"bull":"^4"}}`},
			deps:  []string{"redis"},
		},
		{
			name:  "rq keeps its jobs in redis",
			files: map[string]string{"requirements.txt": "rq==1.16\n", "main.py": ""},
			deps:  []string{"redis"},
		},
		{
			name: "asynq keeps its jobs in redis",
			files: map[string]string{
				"go.mod":  "module example.com/q\n\ngo 1.22\n\nrequire github.com/hibiken/asynq v0.24.1\n",
				"main.go": "package main\n",
			},
			deps: []string{"redis"},
		},
		{
			name: "python dev groups and dev requirement files give no backing service",
			files: map[string]string{
				"pyproject.toml":       "[project]\nname = \"svc\"\ndependencies = [\"fastapi\", \"aiosqlite\"]\n\n[project.optional-dependencies]\ndev = [\"redis\"]\npostgres = [\"asyncpg\"]\n\n[dependency-groups]\ntest = [\"pymongo\"]\n",
				"requirements-dev.txt": "pika\n",
				"main.py":              "",
			},
			deps:       []string{"postgres"},
			frameworks: []string{"fastapi"},
		},
		{
			name: "poetry main dependencies only",
			files: map[string]string{
				"pyproject.toml": "[tool.poetry]\nname = \"svc\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\nredis = \"^5\"\n\n[tool.poetry.group.dev.dependencies]\npsycopg = \"^3\"\n",
				"main.py":        "",
			},
			deps: []string{"redis"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := mustDetect(t, tt.files, Options{})
			s := repo.Service(".")
			if s == nil {
				t.Fatalf("no root service: %s", dump(repo.Services))
			}
			if !reflect.DeepEqual(s.Deps, tt.deps) {
				t.Errorf("deps %q, want %q", s.Deps, tt.deps)
			}
			if !reflect.DeepEqual(s.Frameworks, tt.frameworks) {
				t.Errorf("frameworks %q, want %q", s.Frameworks, tt.frameworks)
			}
		})
	}
}

func TestPortsAndHealth(t *testing.T) {
	tests := []struct {
		name       string
		files      map[string]string
		dir        string
		port       int
		portSource string
		health     string
		// start and healthSource, when set, are the Start command and
		// the HealthSource wanted.
		start, healthSource string
	}{
		{
			name: "express listen in a src file that is not the entry",
			files: map[string]string{
				"package.json":     `{"name":"api","main":"dist/index.js","scripts":{"build":"tsc"}}`,
				"src/index.ts":     "import { app } from './app'\napp.listen(process.env.PORT || 4141)\n",
				"src/app.ts":       "app.get('/healthz', (_req, res) => res.send('ok'))\napp.get('/ping', ok)\n",
				"src/config/db.ts": "export default { port: 5432 }\n",
			},
			dir: ".", port: 4141, portSource: "src/index.ts", health: "/healthz",
		},
		{
			name: "code beats an EXPOSE line",
			files: map[string]string{
				"package.json": `{"name":"api","main":"server.js"}`,
				"lib/app.js":   "",
				"src/main.js":  "server.listen(3000)\n",
				"Dockerfile":   "FROM node:20\nEXPOSE 8080\n",
			},
			dir: ".", port: 3000, portSource: "src/main.js",
		},
		{
			name: "go 1.22 mux pattern and a PORT default",
			files: map[string]string{
				"go.mod":          "module example.com/api\n\ngo 1.22\n",
				"cmd/api/main.go": "package main\n\nfunc main() {\n\tmux.HandleFunc(\"GET /livez\", live)\n\tmux.HandleFunc(\"GET /healthz/\", h)\n\taddr := \":\" + port()\n}\n",
				"cmd/api/env.go":  "package main\n\nfunc port() string { return getEnv(\"PORT\", \"9090\") }\n",
			},
			dir: ".", port: 9090, portSource: "cmd/api/env.go", health: "/healthz",
		},
		{
			name: "src-layout python with a PORT default in code",
			files: map[string]string{
				"pyproject.toml":            "[project]\nname = \"inventory\"\ndependencies = [\"fastapi\", \"uvicorn\"]\n\n[project.scripts]\ninventory = \"inventory.main:run\"\n",
				"src/inventory/main.py":     "import os\nimport uvicorn\nfrom fastapi import FastAPI\napp = FastAPI()\n\n@app.get(\"/health\")\ndef health():\n    return {}\n\ndef run():\n    uvicorn.run(app, host=\"0.0.0.0\", port=int(os.getenv(\"PORT\", \"8001\")))\n",
				"src/inventory/__init__.py": "",
			},
			dir: ".", port: 8001, portSource: "src/inventory/main.py", health: "/health",
		},
		{
			name: "django url pattern without a slash",
			files: map[string]string{
				"manage.py":        "",
				"requirements.txt": "django\n",
				"shop/settings.py": "DEBUG = False\n",
				"shop/urls.py":     "urlpatterns = [\n    path(\"admin/\", admin.site.urls),\n    path(\"healthz/\", views.health),\n]\n",
			},
			dir: ".", port: 8000, portSource: "runserver's default: no port stated", health: "/healthz",
		},
		{
			name: "go routes in a package the main imports, prometheus-style health path",
			files: map[string]string{
				"go.mod":               "module example.com/metricsd\n\ngo 1.23\n",
				"cmd/metricsd/main.go": "package main\n\nimport (\n\t\"log\"\n\n\t\"example.com/metricsd/web\"\n\t\"example.com/other/web\"\n)\n\nfunc main() { log.Fatal(web.Serve(\":9090\")) }\n",
				"web/web.go":           "package web\n\nfunc Serve(addr string) error {\n\tmux.HandleFunc(\"/-/ready\", ready)\n\tmux.HandleFunc(\"/-/healthy\", healthy)\n\treturn http.ListenAndServe(addr, mux)\n}\n",
				"web/web_test.go":      "package web\n\nvar _ = \"/healthz\"\n",
				"storage/db.go":        "package storage\n\nvar _ = \"/health\"\n",
			},
			dir: ".", health: "/-/healthy", healthSource: "web/web.go",
		},
		{
			name: "go port from a prefixed variable of the service's own port",
			files: map[string]string{
				"go.mod": "module example.com/notify\n\ngo 1.22\n",
				"main.go": "package main\n\nimport \"os\"\n\nfunc main() {\n\tsmtp := os.Getenv(\"NOTIFY_SMTP_SERVER_PORT\")\n\tif smtp == \"\" {\n\t\tsmtp = \"25\"\n\t}\n" +
					"\tport := os.Getenv(\"NOTIFY_SERVER_PORT\")\n\tif port == \"\" {\n\t\tport = \"80\"\n\t}\n\tlog.Fatal(r.Run(\":\" + port))\n}\n",
			},
			dir: ".", port: 80, portSource: "main.go",
		},
		{
			name: "rust port from <crate word>_PORT, not from a database's",
			files: map[string]string{
				"Cargo.toml":  "[package]\nname = \"forum_server\"\n",
				"src/main.rs": "let db = env::var(\"DB_PORT\").ok().and_then(|p| p.parse().ok()).unwrap_or(5432);\nlet port: u16 = env::var(\"FORUM_PORT\").ok().and_then(|p| p.parse().ok()).unwrap_or(8536);\n",
			},
			dir: ".", port: 8536, portSource: "src/main.rs",
		},
		{
			name: "fastapi app with no port stated listens on uvicorn's default",
			files: map[string]string{
				"pyproject.toml": "[project]\nname = \"api\"\ndependencies = [\"fastapi\", \"uvicorn\"]\n",
				"app/main.py":    "from fastapi import FastAPI\napp = FastAPI()\n",
			},
			dir: ".", port: 8000, portSource: "uvicorn's default: no port stated",
		},
		{
			name: "a compose port beats the server's default",
			files: map[string]string{
				"pyproject.toml":     "[project]\nname = \"api\"\ndependencies = [\"fastapi\", \"uvicorn\"]\n",
				"app/main.py":        "from fastapi import FastAPI\napp = FastAPI()\n",
				"docker-compose.yml": "services:\n  api:\n    build: .\n    ports: [\"9000:8088\"]\n",
			},
			dir: ".", port: 8088, portSource: "docker-compose.yml", start: "uvicorn app.main:app --host 0.0.0.0 --port 8088",
		},
		{
			name: "nest controller without a slash",
			files: map[string]string{
				"package.json":                    `{"name":"api","dependencies":{"@nestjs/core":"^10"}}`,
				"src/main.ts":                     "await app.listen(3000);\n",
				"src/health/health.controller.ts": "@Controller('health')\nexport class HealthController {}\n",
			},
			dir: ".", port: 3000, portSource: "src/main.ts", health: "/health",
		},
		{
			name: "compose service that builds the directory",
			files: map[string]string{
				"docker-compose.yml":   "services:\n  db:\n    image: postgres:16\n    ports: ['5432:5432']\n  api:\n    build:\n      context: ./services/api\n    ports:\n      - \"127.0.0.1:8000:9966/tcp\"\n",
				"services/api/go.mod":  "module api\n\ngo 1.22\n",
				"services/api/main.go": "package main\n",
			},
			dir: "services/api", port: 9966, portSource: "../../docker-compose.yml",
		},
		{
			name: "compose: the base file first, and not a helper image built beside the service",
			files: map[string]string{
				"docker-compose.ci.yaml": "services:\n  api:\n    build: .\n    expose: [7000]\n",
				"compose.override.yml":   "services:\n  api:\n    build: .\n    ports: ['9999:9999']\n",
				"compose.yml":            "services:\n  maildev:\n    build:\n      context: .\n      dockerfile: maildev.Dockerfile\n    ports: [1080]\n  e2e:\n    build:\n      context: .\n      dockerfile: Dockerfile.playwright\n    ports: ['9323:9323']\n  api:\n    build:\n      context: .\n      dockerfile: Dockerfile\n    ports:\n      - ${APP_PORT}:${APP_PORT}\n      - '8080:3000'\n",
				"package.json":           `{"name":"api","scripts":{"start":"nest start"}}`,
			},
			dir: ".", port: 3000, portSource: "compose.yml",
		},
		{
			name: "spring actuator under a context path",
			files: map[string]string{
				"pom.xml": "<project><artifactId>petclinic</artifactId><dependencies><dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-actuator</artifactId></dependency></dependencies></project>",
				"src/main/resources/application.properties": "server.port=9966\nserver.servlet.context-path=/petclinic/\n",
			},
			dir: ".", port: 9966, portSource: "src/main/resources/application.properties", health: "/petclinic/actuator/health",
		},
		{
			name: "spring web with no server.port listens on 8080",
			files: map[string]string{
				"build.gradle": "plugins { id 'org.springframework.boot' version '3.3.5' }\ndependencies { implementation 'org.springframework.boot:spring-boot-starter-web' }\n",
				"src/main/resources/application.properties": "spring.application.name=pets\n",
			},
			dir: ".", port: 8080, portSource: "Spring Boot's default: no server.port stated",
		},
		{
			name: "spring actuator on a management port",
			files: map[string]string{
				"build.gradle":                       "dependencies { implementation 'org.springframework.boot:spring-boot-starter-actuator' }\n",
				"src/main/resources/application.yml": "server:\n  servlet:\n    context-path: /api\nmanagement:\n  server:\n    port: 9000\n  endpoints:\n    web:\n      base-path: /manage\n",
			},
			dir: ".", health: "/manage/health",
		},
		{
			name: "spring yaml context path",
			files: map[string]string{
				"build.gradle.kts":                   "dependencies { implementation(\"org.springframework.boot:spring-boot-starter-actuator\") }\n",
				"src/main/resources/application.yml": "server:\n  port: 8081\n  servlet:\n    context-path: ${CONTEXT_PATH:/shop}\n",
			},
			dir: ".", port: 8081, portSource: "src/main/resources/application.yml", health: "/shop/actuator/health",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := mustDetect(t, tt.files, Options{})
			s := repo.Service(tt.dir)
			if s == nil {
				t.Fatalf("no service in %s: %s", tt.dir, dump(repo.Services))
			}
			if s.Port != tt.port || s.PortSource != tt.portSource || s.HealthPath != tt.health {
				t.Errorf("port %d from %q, health %q; want %d from %q, %q", s.Port, s.PortSource, s.HealthPath, tt.port, tt.portSource, tt.health)
			}
			if tt.healthSource != "" && s.HealthSource != tt.healthSource {
				t.Errorf("health source %q, want %q", s.HealthSource, tt.healthSource)
			}
			if tt.start != "" && s.Start != tt.start {
				t.Errorf("start %q, want %q", s.Start, tt.start)
			}
		})
	}
}

func TestContainerPort(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want int
	}{
		{"8080:3000", 3000}, {"3000", 3000}, {"127.0.0.1:8080:3000/tcp", 3000}, {3000, 3000},
		{map[string]any{"target": 80, "published": 8080}, 80}, {"${API_PORT:-8080}:8080", 8080},
		{"3000-3005:3000-3005", 0}, {"x", 0}, {nil, 0},
	} {
		if got := containerPort(tt.in); got != tt.want {
			t.Errorf("containerPort(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestVersionsFromToolVersionsAndCI(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		dir     string
		version string
		source  string
	}{
		{
			name: ".tool-versions pin newer than the go directive",
			files: map[string]string{
				".tool-versions": "nodejs 20.11.0\ngolang 1.23.2 # pinned\n",
				"go.mod":         "module m\n\ngo 1.21\n",
				"main.go":        "package main\n",
			},
			dir: ".", version: "1.23", source: ".tool-versions",
		},
		{
			name: ".tool-versions older than the manifest minimum is ignored",
			files: map[string]string{
				".tool-versions": "python 3.9.18\n",
				"pyproject.toml": "[project]\nname = \"x\"\nrequires-python = \">=3.11\"\n",
			},
			dir: ".", version: "3.11", source: "pyproject.toml",
		},
		{
			name: ".tool-versions above a service, java distribution",
			files: map[string]string{
				".tool-versions": "java temurin-21.0.2+13.0.LTS\n",
				"svc/pom.xml":    "<project><artifactId>svc</artifactId></project>",
			},
			dir: "svc", version: "21", source: "../.tool-versions",
		},
		{
			name: ".nvmrc is a pin .tool-versions does not override",
			files: map[string]string{
				".tool-versions": "nodejs 22.1.0\n",
				".nvmrc":         "20\n",
				"package.json":   `{"name":"x","scripts":{"start":"node i.js"}}`,
			},
			dir: ".", version: "20", source: ".nvmrc",
		},
		{
			name: "setup-node in CI as the last fallback",
			files: map[string]string{
				"package.json":              `{"name":"x","scripts":{"start":"node i.js"}}`,
				".github/workflows/ci.yml":  "jobs:\n  t:\n    strategy:\n      matrix:\n        node: [18, 20]\n    steps:\n      - uses: actions/setup-node@v4\n        with:\n          node-version: ${{ matrix.node }}\n",
				".github/workflows/rel.yml": "jobs:\n  r:\n    steps:\n      - uses: actions/setup-node@v4\n        with:\n          node-version: '20.x'\n      - uses: actions/setup-python@v5\n        with:\n          python-version: \"3.12\"\n",
			},
			dir: ".", version: "20", source: ".github/workflows/rel.yml",
		},
		{
			name: "setup-python list in CI",
			files: map[string]string{
				"requirements.txt":         "flask\n",
				".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n      - uses: actions/setup-python@v5\n        with:\n          python-version: ['3.10', '3.12', '3.11']\n",
			},
			dir: ".", version: "3.12", source: ".github/workflows/ci.yml",
		},
		{
			name: "rust toolchain action in CI",
			files: map[string]string{
				"crates/a/Cargo.toml":      "[package]\nname = \"a\"\n",
				".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n      - uses: dtolnay/rust-toolchain@1.79.0\n",
			},
			dir: "crates/a", version: "1.79", source: "../../.github/workflows/ci.yml",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := mustDetect(t, tt.files, Options{})
			s := repo.Service(tt.dir)
			if s == nil {
				t.Fatalf("no service in %s: %s", tt.dir, dump(repo.Services))
			}
			if s.Version != tt.version || s.VersionSource != tt.source {
				t.Errorf("version %q from %q, want %q from %q", s.Version, s.VersionSource, tt.version, tt.source)
			}
		})
	}
}

// FuzzModel feeds arbitrary text to the files the model reads (sources,
// workspace manifests, compose, Spring config, .tool-versions): Detect
// must never panic or fail, and every context must hold its unit.
func FuzzModel(f *testing.F) {
	f.Add("const env = cleanEnv(process.env, { A: str({ default: 'x' }) })", "class S(BaseSettings):\n    a: int\n",
		"include 'a', ':b'", "services:\n  a:\n    build: .\n    ports: ['1:2']\n")
	f.Add("createEnv({ server: { A: z.string( }", "class S(BaseSettings", "include(", "services: [")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, js, py, gradle, yml string) {
		files := map[string]string{
			"package.json":                         `{"name":"w","workspaces":["apps/*"],"scripts":{"start":"node src/index.ts"}}`,
			"src/index.ts":                         js,
			"apps/a/package.json":                  `{"name":"a","dependencies":{"w":"file:../.."}}`,
			"py/pyproject.toml":                    "[project]\nname='p'\n[tool.uv.workspace]\nmembers=['" + strings.ReplaceAll(gradle, "'", "") + "']\n",
			"py/app/main.py":                       py,
			"go/go.mod":                            "module g\n\ngo 1.22\n",
			"go/main.go":                           "package main\n" + js,
			"go.work":                              gradle,
			"j/settings.gradle":                    gradle,
			"j/build.gradle":                       "x",
			"j/src/main/resources/application.yml": yml,
			"compose.yml":                          yml,
			".tool-versions":                       py,
			".github/workflows/ci.yml":             yml,
		}
		repo, err := Detect(tree(files), Options{})
		if err != nil {
			t.Fatalf("Detect failed on bad input: %v", err)
		}
		for _, s := range repo.Services {
			if !within(s.Dir, s.Context) {
				t.Errorf("%s: context %q does not hold the unit", s.Dir, s.Context)
			}
			if len(s.Env) > maxEnvVars {
				t.Errorf("%s: %d variables over the cap", s.Dir, len(s.Env))
			}
		}
	})
}

func TestIsSourceName(t *testing.T) {
	for name, want := range map[string]bool{
		"main.ts": true, "app.config.ts": true, "server.py": true, "main.rs": true, "index.mjs": true,
		"app.test.ts": false, "app.spec.js": false, "types.d.ts": false, "test_app.py": false, "app_test.py": false,
		"vite.config.ts": false, "playwright.config.ts": false, "jest.config.js": false, "conftest.py": false,
		"setup.py": false, "readme.md": false, "main.go": false,
	} {
		if got := isSourceName(name); got != want {
			t.Errorf("isSourceName(%q) = %v, want %v", name, got, want)
		}
	}
}

// A crate other units build on is a library, even with a binary and a web
// framework of its own; the crate that serves stays a service.
func TestLibrariesOfOthers(t *testing.T) {
	repo := mustDetect(t, map[string]string{
		"Cargo.toml":                "[workspace]\nmembers = [\"crates/*\"]\n\n[workspace.dependencies]\nforum_utils = { path = \"./crates/utils\" }\n",
		"Cargo.lock":                "version = 4\n",
		"crates/utils/Cargo.toml":   "[package]\nname = \"forum_utils\"\nversion = \"0.1.0\"\n\n[lib]\npath = \"src/lib.rs\"\n\n[[bin]]\nname = \"forum_util_bin\"\npath = \"src/main.rs\"\n\n[dependencies]\nactix-web = \"4\"\n",
		"crates/utils/src/lib.rs":   "pub fn x() {}\n",
		"crates/utils/src/main.rs":  "fn main() {}\n",
		"crates/server/Cargo.toml":  "[package]\nname = \"forum_server\"\nversion = \"0.1.0\"\n\n[dependencies]\nactix-web = \"4\"\nforum_utils = { workspace = true }\n",
		"crates/server/src/main.rs": "use actix_web::HttpServer;\nfn main() { HttpServer::new(|| App::new()).bind((\"0.0.0.0\", 8536)); }\n",
		"crates/tool/Cargo.toml":    "[package]\nname = \"tool\"\nversion = \"0.1.0\"\n\n[dependencies]\nactix-web = \"4\"\n",
		"crates/tool/src/main.rs":   "fn main() {}\n",
	}, Options{})
	for dir, want := range map[string]Kind{"crates/utils": KindLibrary, "crates/server": KindService, "crates/tool": KindService} {
		s := repo.Service(dir)
		if s == nil || s.Kind != want {
			t.Errorf("%s: %s, want %s", dir, dump(s), want)
		}
	}
	if s := repo.Service("crates/utils"); s != nil && !strings.Contains(s.KindReason, "[workspace.dependencies]") {
		t.Errorf("reason %q", s.KindReason)
	}
}
