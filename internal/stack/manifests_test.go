package stack

import (
	"reflect"
	"testing"
)

// TestManifests checks the service each manifest kind yields, field by
// field, including the malformed cases.
func TestManifests(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  *Service // nil: no service
		warn  []string // parts of one expected warning
	}{
		{
			name: "go with toolchain, mains and port",
			files: map[string]string{
				"go.mod":             "module github.com/acme/api/v2\n\ngo 1.22.3\n\ntoolchain go1.23.4\n\nrequire (\n\tgithub.com/gin-gonic/gin v1.10.0\n\tgithub.com/jackc/pgx/v5 v5.6.0\n\tgithub.com/redis/go-redis/v9 v9.5.1\n)\n",
				"go.sum":             "",
				"main.go":            "package main\n\nfunc main() { http.ListenAndServe(\":8080\", nil) }\n",
				"cmd/worker/main.go": "// worker\npackage main\n\nfunc main() {}\n",
				"cmd/lib/lib.go":     "package lib\n",
				"internal/x/x.go":    "package x\n",
			},
			want: &Service{Name: "api", Dir: ".", Language: Go, Version: "1.23", VersionSource: "go.mod",
				Manifest: "go.mod", PackageManager: "go", Lockfile: "go.sum",
				Build: "go build ./...", Test: "go test ./...", Lint: "go vet ./...",
				Start: "go run .", Mains: []string{".", "./cmd/worker"}, Port: 8080, PortSource: "main.go",
				Module: "github.com/acme/api/v2", Frameworks: []string{"gin"}, Deps: []string{"postgres", "redis"}},
		},
		{
			name: "go directive only, one cmd main, Makefile test",
			files: map[string]string{
				"go.mod":          "module example.com/svc\n\ngo 1.21\n",
				"cmd/svc/main.go": "package main\n\nvar addr = \":9090\"\nfunc main() { srv := &http.Server{Addr: \":9091\"} }\n",
				"Makefile":        "GO ?= go\n.PHONY: test\ntest:\n\tgo test -race ./...\nlint: vet\n",
			},
			want: &Service{Name: "svc", Dir: ".", Language: Go, Version: "1.21", VersionSource: "go.mod",
				Manifest: "go.mod", PackageManager: "go", Build: "go build ./...", Test: "make test", Lint: "make lint",
				Start: "go run ./cmd/svc", Mains: []string{"./cmd/svc"}, Port: 9091, PortSource: "cmd/svc/main.go",
				Module: "example.com/svc"},
		},
		{
			name:  "malformed go.mod",
			files: map[string]string{"go.mod": "module x\n\ngo 1.22\nbogus directive here\n"},
			want: &Service{Name: "app", Dir: ".", Language: Go, Manifest: "go.mod", PackageManager: "go",
				Build: "go build ./...", Test: "go test ./...", Lint: "go vet ./..."},
			warn: []string{"go.mod", "malformed go.mod", "unknown directive"},
		},
		{
			name: "node with pnpm, engines range and listen port",
			files: map[string]string{
				"package.json":   `{"name":"@acme/web","main":"lib/index.js","engines":{"node":">=18.17 <23"},"scripts":{"build":"tsc","test":"vitest","lint":"eslint .","start":"node dist/server.js"},"dependencies":{"express":"^4","pg":"^8","ioredis":"^5"}}`,
				"pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
				".env.example":   "DB_PORT=5432\nPORT=4000\n",
			},
			want: &Service{Name: "web", Dir: ".", Language: Node, Version: "18", VersionSource: "package.json",
				Manifest: "package.json", PackageManager: "pnpm", Lockfile: "pnpm-lock.yaml",
				Build: "pnpm run build", Test: "pnpm run test", Lint: "pnpm run lint", Start: "pnpm run start",
				Entry: "dist/server.js", Port: 4000, PortSource: ".env.example", Module: "@acme/web",
				Frameworks: []string{"express"}, Deps: []string{"postgres", "redis"},
				Env: []EnvVar{{Name: "DB_PORT", Default: "5432", Source: ".env.example"},
					{Name: "PORT", Default: "4000", Source: ".env.example"}}},
		},
		{
			name: "node with npm, nvmrc, default test script and entry listen",
			files: map[string]string{
				"package.json":      `{"name":"api","scripts":{"test":"echo \"Error: no test specified\" && exit 1","start":"node server.js"},"dependencies":{"fastify":"4"}}`,
				"package-lock.json": "{}",
				".nvmrc":            "v20.11.0\n",
				"server.js":         "const app = require('fastify')();\napp.listen(3000);\n",
			},
			want: &Service{Name: "api", Dir: ".", Language: Node, Version: "20", VersionSource: ".nvmrc",
				Manifest: "package.json", PackageManager: "npm", Lockfile: "package-lock.json",
				Start: "npm start", Entry: "server.js", Port: 3000, PortSource: "server.js", Module: "api",
				Frameworks: []string{"fastify"}},
		},
		{
			name:  "malformed package.json",
			files: map[string]string{"package.json": `{"name": "x", "scripts": {`},
			want:  &Service{Name: "app", Dir: ".", Language: Node, Manifest: "package.json", PackageManager: "npm"},
			warn:  []string{"package.json", "malformed package.json"},
		},
		{
			name: "workspace root without start is not a service",
			files: map[string]string{
				"package.json": `{"private":true,"workspaces":["apps/*"],"scripts":{"build":"turbo build"}}`,
			},
		},
		{
			name: "python uv fastapi",
			files: map[string]string{
				"pyproject.toml":  "[project]\nname = \"ml-api\"\nrequires-python = \">=3.11\"\ndependencies = [\"fastapi>=0.110\", \"uvicorn[standard]\", \"asyncpg\"]\n\n[dependency-groups]\ndev = [\"pytest>=8\", \"ruff\"]\n",
				"uv.lock":         "",
				"app/main.py":     "from fastapi import FastAPI\napp = FastAPI()\n",
				"app/__init__.py": "",
				"Procfile":        "web: uvicorn app.main:app --host 0.0.0.0 --port 8000\n",
			},
			want: &Service{Name: "ml-api", Dir: ".", Language: Python, Version: "3.11", VersionSource: "pyproject.toml",
				Manifest: "pyproject.toml", PackageManager: "uv", Lockfile: "uv.lock", Test: "uv run pytest",
				Lint: "uv run ruff check .", Start: "uvicorn app.main:app --host 0.0.0.0 --port 8000",
				Entry: "app.main:app", Port: 8000, PortSource: "Procfile", Module: "ml-api",
				Frameworks: []string{"fastapi"}, Deps: []string{"postgres"}},
		},
		{
			name: "python poetry with python-version file",
			files: map[string]string{
				"pyproject.toml":  "[tool.poetry]\nname = \"svc\"\n[tool.poetry.dependencies]\npython = \"^3.10\"\nflask = \"^3\"\nredis = \"*\"\n[tool.poetry.group.dev.dependencies]\npytest = \"*\"\n",
				"poetry.lock":     "",
				".python-version": "3.12.2\n",
				"app.py":          "app.run(host='0.0.0.0', port=5000)\n",
				"tests/test_x.py": "",
			},
			want: &Service{Name: "svc", Dir: ".", Language: Python, Version: "3.12", VersionSource: ".python-version",
				Manifest: "pyproject.toml", PackageManager: "poetry", Lockfile: "poetry.lock", Test: "poetry run pytest",
				Start: "python app.py", Entry: "app.py", Port: 5000, PortSource: "app.py", Module: "svc",
				Frameworks: []string{"flask"}, Deps: []string{"redis"}},
		},
		{
			name: "django with requirements",
			files: map[string]string{
				"requirements.txt": "Django==5.0 # web\npsycopg2-binary>=2.9\n-r base.txt\n",
				"manage.py":        "#!/usr/bin/env python\n",
			},
			want: &Service{Name: "app", Dir: ".", Language: Python, Manifest: "requirements.txt", PackageManager: "pip",
				Test: "python manage.py test", Start: "python manage.py runserver 0.0.0.0:8000", Entry: "manage.py", Frameworks: []string{"django"}, Deps: []string{"postgres"},
				Port: 8000, PortSource: "runserver's default: no port stated"},
		},
		{
			name:  "docs-only requirements is not a service",
			files: map[string]string{"requirements.txt": "sphinx\nfuro\n"},
		},
		{
			name:  "malformed pyproject",
			files: map[string]string{"pyproject.toml": "[project\nname = 'x'\n"},
			want:  &Service{Name: "app", Dir: ".", Language: Python, Manifest: "pyproject.toml", PackageManager: "pip"},
			warn:  []string{"pyproject.toml", "malformed pyproject.toml"},
		},
		{
			name: "pipfile",
			files: map[string]string{
				"Pipfile":      "[packages]\npymongo = \"*\"\n[requires]\npython_version = \"3.9\"\n",
				"Pipfile.lock": "{}",
			},
			want: &Service{Name: "app", Dir: ".", Language: Python, Version: "3.9", VersionSource: "Pipfile",
				Manifest: "Pipfile", PackageManager: "pipenv", Lockfile: "Pipfile.lock", Deps: []string{"mongodb"}},
		},
		{
			name: "rust axum with rust-version",
			files: map[string]string{
				"Cargo.toml":  "[package]\nname = \"engine\"\nedition = \"2021\"\nrust-version = \"1.74.1\"\n\n[dependencies]\naxum = \"0.7\"\nsqlx = { version = \"0.7\", features = [\"runtime-tokio\", \"postgres\"] }\n",
				"Cargo.lock":  "",
				"src/main.rs": "let listener = tokio::net::TcpListener::bind(\"0.0.0.0:3001\").await?;\n",
			},
			want: &Service{Name: "engine", Dir: ".", Language: Rust, Version: "1.74", VersionSource: "Cargo.toml",
				Manifest: "Cargo.toml", Edition: "2021", PackageManager: "cargo", Lockfile: "Cargo.lock",
				Build: "cargo build --release", Test: "cargo test", Start: "cargo run --release", Entry: "engine",
				Port: 3001, PortSource: "src/main.rs",
				Module: "engine", Frameworks: []string{"axum"}, Deps: []string{"postgres"}},
		},
		{
			name:  "pure cargo workspace is not a service",
			files: map[string]string{"Cargo.toml": "[workspace]\nmembers = [\"crates/*\"]\n"},
		},
		{
			name:  "malformed Cargo.toml",
			files: map[string]string{"Cargo.toml": "[package\nname = 1\n"},
			want: &Service{Name: "app", Dir: ".", Language: Rust, Manifest: "Cargo.toml", PackageManager: "cargo",
				Build: "cargo build --release", Test: "cargo test"},
			warn: []string{"Cargo.toml", "malformed Cargo.toml"},
		},
		{
			name: "maven spring boot with wrapper",
			files: map[string]string{
				"pom.xml": `<?xml version="1.0"?><project xmlns="http://maven.apache.org/POM/4.0.0">
<parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId></parent>
<artifactId>billing</artifactId>
<properties><java.version>17</java.version><maven.compiler.release>${java.version}</maven.compiler.release></properties>
<dependencies><dependency><groupId>org.postgresql</groupId><artifactId>postgresql</artifactId></dependency>
<dependency><groupId>org.springframework.kafka</groupId><artifactId>spring-kafka</artifactId></dependency></dependencies>
</project>`,
				"mvnw": "#!/bin/sh\n",
				"src/main/resources/application.properties": "spring.application.name=billing\nserver.port=8081\n",
			},
			want: &Service{Name: "billing", Dir: ".", Language: Java, Version: "17", VersionSource: "pom.xml",
				Manifest: "pom.xml", PackageManager: "maven", Build: "./mvnw -B -DskipTests package", Test: "./mvnw -B verify",
				Start: "java -jar target/billing-*.jar", Port: 8081, PortSource: "src/main/resources/application.properties", Module: "billing",
				Frameworks: []string{"spring-boot"}, Deps: []string{"kafka", "postgres"},
				// No spring.datasource.url: Spring Boot needs it from the environment.
				Env: []EnvVar{{Name: "SPRING_DATASOURCE_PASSWORD", Secret: true, Source: "pom.xml"},
					{Name: "SPRING_DATASOURCE_URL", Required: true, Source: "pom.xml"},
					{Name: "SPRING_DATASOURCE_USERNAME", Source: "pom.xml"}}},
		},
		{
			name:  "malformed pom.xml",
			files: map[string]string{"pom.xml": "<project><artifactId>x</artifactId>"},
			want: &Service{Name: "app", Dir: ".", Language: Java, Manifest: "pom.xml", PackageManager: "maven",
				Build: "mvn -B -DskipTests package", Test: "mvn -B verify"},
			warn: []string{"pom.xml", "malformed pom.xml"},
		},
		{
			name: "gradle kotlin dsl with toolchain and yaml port",
			files: map[string]string{
				"build.gradle.kts":                   "plugins { id(\"org.springframework.boot\") version \"3.3.0\" }\njava { toolchain { languageVersion.set(JavaLanguageVersion.of(21)) } }\ndependencies { implementation(\"org.springframework.boot:spring-boot-starter-data-redis\") }\n",
				"gradlew":                            "#!/bin/sh\n",
				"src/main/resources/application.yml": "spring:\n  application:\n    name: x\nserver:\n  shutdown: graceful\n  port: 8082\n",
			},
			want: &Service{Name: "app", Dir: ".", Language: Java, Version: "21", VersionSource: "build.gradle.kts",
				Manifest: "build.gradle.kts", PackageManager: "gradle", Build: "./gradlew build", Test: "./gradlew test",
				Port: 8082, PortSource: "src/main/resources/application.yml",
				Frameworks: []string{"spring-boot"}, Deps: []string{"redis"}},
		},
		{
			name:  "gradle groovy JavaVersion 1.8",
			files: map[string]string{"build.gradle": "sourceCompatibility = JavaVersion.VERSION_1_8\n"},
			want: &Service{Name: "app", Dir: ".", Language: Java, Version: "8", VersionSource: "build.gradle",
				Manifest: "build.gradle", PackageManager: "gradle", Build: "gradle build", Test: "gradle test"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := mustDetect(t, tt.files, Options{})
			if tt.want == nil {
				if len(repo.Services) != 0 {
					t.Fatalf("want no service, got %s", dump(repo.Services))
				}
			} else {
				if len(repo.Services) != 1 {
					t.Fatalf("want 1 service, got %s", dump(repo.Services))
				}
				if tt.want.Context == "" {
					tt.want.Context = tt.want.Dir // a standalone unit is its own build context
				}
				// Kinds and entry reasons have their own tables
				// (kind_test.go, entry_test.go).
				got := repo.Services[0]
				got.Kind, got.KindReason, got.EntryReason = "", "", ""
				if !reflect.DeepEqual(&got, tt.want) {
					t.Errorf("service:\n got %s\nwant %s", dump(got), dump(tt.want))
				}
			}
			if tt.warn != nil && !hasWarning(repo, tt.warn...) {
				t.Errorf("want a warning with %q, got %q", tt.warn, repo.Warnings)
			}
			if tt.warn == nil && len(repo.Warnings) != 0 {
				t.Errorf("want no warnings, got %q", repo.Warnings)
			}
		})
	}
}
