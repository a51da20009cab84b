package stack

import (
	"reflect"
	"testing"
)

// ctxWant is what one service of a workspace fixture must show.
type ctxWant struct {
	context       string
	workspaceLock string
}

func TestWorkspacesAndContexts(t *testing.T) {
	tests := []struct {
		name       string
		files      map[string]string
		workspaces []Workspace
		units      map[string]ctxWant
		warn       []string
	}{
		{
			name: "go monorepo with go.work and a replace into libs",
			files: map[string]string{
				"go.work":                    "go 1.22\n\nuse (\n\t./services/api\n\t./services/worker\n\t./libs/x\n)\n",
				"go.work.sum":                "",
				"services/api/go.mod":        "module example.com/api\n\ngo 1.22\n\nrequire example.com/libs/x v0.0.0\n\nreplace example.com/libs/x => ../../libs/x\n",
				"services/api/go.sum":        "",
				"services/api/main.go":       "package main\n",
				"services/worker/go.mod":     "module example.com/worker\n\ngo 1.22\n\nrequire github.com/redis/go-redis/v9 v9.5.1\n",
				"services/worker/go.sum":     "",
				"services/worker/main.go":    "package main\n",
				"libs/x/go.mod":              "module example.com/libs/x\n\ngo 1.22\n",
				"libs/x/x.go":                "package x\n",
				"services/api/internal/a.go": "package internal\n",
			},
			workspaces: []Workspace{{Dir: ".", Tool: "go", Members: []string{"libs/x", "services/api", "services/worker"}, Lockfile: "go.work.sum"}},
			units: map[string]ctxWant{
				"services/api":    {context: "."},
				"services/worker": {context: "services/worker"}, // requires no other member
				"libs/x":          {context: "libs/x"},
			},
		},
		{
			name: "go.work member requiring another member's module without a replace",
			files: map[string]string{
				"go.work":              "go 1.22\n\nuse ./api\nuse ./pkg\n",
				"api/go.mod":           "module example.com/api\n\ngo 1.22\n\nrequire example.com/pkg v0.1.0\n",
				"api/main.go":          "package main\n",
				"pkg/go.mod":           "module example.com/pkg\n\ngo 1.22\n",
				"pkg/pkg.go":           "package pkg\n",
				"tools/go.mod":         "module example.com/tools\n\ngo 1.22\n",
				"tools/tools.go":       "package tools\n",
				"tools/cmd/gen/x.go":   "package main\n",
				"api/cmd/seed/seed.go": "package main\n",
			},
			workspaces: []Workspace{{Dir: ".", Tool: "go", Members: []string{"api", "pkg"}}},
			units:      map[string]ctxWant{"api": {context: "."}, "pkg": {context: "pkg"}, "tools": {context: "tools"}},
		},
		{
			name: "go replace into a sibling without go.work",
			files: map[string]string{
				"services/api/go.mod":    "module example.com/api\n\ngo 1.22\n\nrequire example.com/shared v0.0.0\n\nreplace example.com/shared => ../shared\n",
				"services/api/main.go":   "package main\n",
				"services/shared/go.mod": "module example.com/shared\n\ngo 1.22\n",
				"services/shared/s.go":   "package shared\n",
			},
			workspaces: []Workspace{{Dir: "services", Tool: "go", Members: []string{"services/api", "services/shared"}}},
			units:      map[string]ctxWant{"services/api": {context: "services"}, "services/shared": {context: "services/shared"}},
		},
		{
			name: "go replace that leaves the repository",
			files: map[string]string{
				"go.mod":  "module example.com/api\n\ngo 1.22\n\nreplace example.com/x => ../x\n",
				"main.go": "package main\n",
			},
			units: map[string]ctxWant{".": {context: "."}},
			warn:  []string{"go.mod", `"../x"`, "outside the repository"},
		},
		{
			name: "rust workspace with crates/* and the lock at the root",
			files: map[string]string{
				"Cargo.toml":                     "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/experimental\"]\nresolver = \"2\"\n\n[workspace.package]\nedition = \"2021\"\n",
				"Cargo.lock":                     "version = 3\n",
				"crates/server/Cargo.toml":       "[package]\nname = \"server\"\nedition.workspace = true\n\n[dependencies]\ncore = { path = \"../core\" }\naxum = \"0.7\"\n",
				"crates/server/src/main.rs":      "fn main() {}\n",
				"crates/core/Cargo.toml":         "[package]\nname = \"core\"\nversion = \"0.1.0\"\n",
				"crates/core/src/lib.rs":         "",
				"crates/experimental/Cargo.toml": "[package]\nname = \"exp\"\n",
				"crates/README.md":               "crates\n",
			},
			workspaces: []Workspace{{Dir: ".", Tool: "cargo", Members: []string{"crates/core", "crates/server"}, Lockfile: "Cargo.lock"}},
			units: map[string]ctxWant{
				"crates/server": {context: ".", workspaceLock: "Cargo.lock"},
				"crates/core":   {context: ".", workspaceLock: "Cargo.lock"},
				// Excluded from the workspace: the lock above is not its own.
				"crates/experimental": {context: "crates/experimental"},
			},
		},
		{
			name: "standalone crate with a path dependency on a sibling",
			files: map[string]string{
				"tools/cli/Cargo.toml":  "[package]\nname = \"cli\"\n\n[dependencies]\nutil = { path = \"../util\" }\n\n[target.'cfg(unix)'.dependencies]\nnix = \"0.28\"\n",
				"tools/cli/Cargo.lock":  "version = 3\n",
				"tools/cli/src/main.rs": "fn main() {}\n",
				"tools/util/Cargo.toml": "[package]\nname = \"util\"\n",
				"tools/util/src/lib.rs": "",
			},
			workspaces: []Workspace{{Dir: "tools", Tool: "cargo", Members: []string{"tools/cli", "tools/util"}}},
			units:      map[string]ctxWant{"tools/cli": {context: "tools"}, "tools/util": {context: "tools/util"}},
		},
		{
			name: "pnpm workspace app using a workspace package",
			files: map[string]string{
				"package.json":               `{"name":"acme","private":true,"scripts":{"build":"turbo build"}}`,
				"pnpm-workspace.yaml":        "packages:\n  - 'apps/*'\n  - 'packages/*'\n  - '!**/test/**'\n",
				"pnpm-lock.yaml":             "lockfileVersion: '9.0'\n",
				"apps/web/package.json":      `{"name":"web","scripts":{"start":"node server.js"},"dependencies":{"@acme/ui":"workspace:*","express":"^4"}}`,
				"apps/web/server.js":         "require('express')().listen(3000)\n",
				"packages/ui/package.json":   `{"name":"@acme/ui","main":"index.js"}`,
				"packages/ui/index.js":       "module.exports = {}\n",
				"packages/test/package.json": `{"name":"fixture"}`,
			},
			workspaces: []Workspace{{Dir: ".", Tool: "pnpm", Members: []string{"apps/web", "packages/ui"}, Lockfile: "pnpm-lock.yaml"}},
			units: map[string]ctxWant{
				"apps/web":    {context: ".", workspaceLock: "pnpm-lock.yaml"},
				"packages/ui": {context: ".", workspaceLock: "pnpm-lock.yaml"},
			},
		},
		{
			name: "yarn berry NestJS workspace with packages object",
			files: map[string]string{
				"package.json":                 `{"name":"root","private":true,"packageManager":"yarn@4.1.0","workspaces":{"packages":["packages/*"]}}`,
				"yarn.lock":                    "__metadata:\n  version: 8\n",
				"packages/api/package.json":    `{"name":"@acme/api","scripts":{"build":"nest build","start":"nest start","start:prod":"node dist/main"},"dependencies":{"@nestjs/core":"^10","@acme/shared":"1.0.0"}}`,
				"packages/api/src/main.ts":     "async function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(process.env.PORT ?? 3000);\n}\n",
				"packages/shared/package.json": `{"name":"@acme/shared","version":"1.0.0"}`,
			},
			workspaces: []Workspace{{Dir: ".", Tool: "yarn", Members: []string{"packages/api", "packages/shared"}, Lockfile: "yarn.lock"}},
			units:      map[string]ctxWant{"packages/api": {context: ".", workspaceLock: "yarn.lock"}},
		},
		{
			name: "npm workspace member with its own lock and no sibling dependency",
			files: map[string]string{
				"package.json":            `{"private":true,"workspaces":["site","svc/*"]}`,
				"svc/a/package.json":      `{"name":"a","scripts":{"start":"node index.js"},"dependencies":{"fastify":"^4"}}`,
				"svc/a/package-lock.json": "{}",
				"svc/a/index.js":          "",
				"svc/b/package.json":      `{"name":"b","scripts":{"start":"node index.js"},"dependencies":{"a":"^1.0.0"}}`,
				"svc/b/package-lock.json": "{}",
				"svc/b/index.js":          "",
				"site/package.json":       `{"name":"site","scripts":{"build":"vite build"},"dependencies":{"shared":"file:../shared"}}`,
				"shared/package.json":     `{"name":"shared"}`,
			},
			workspaces: []Workspace{
				{Dir: ".", Tool: "npm", Members: []string{"site", "svc/a", "svc/b"}},
			},
			units: map[string]ctxWant{
				"svc/a": {context: "svc/a"},
				"svc/b": {context: "."}, // depends on the member a
				"site":  {context: "."}, // file:../shared
			},
		},
		{
			name: "bun workspace from the lock file",
			files: map[string]string{
				"package.json":               `{"name":"action","workspaces":["packages/*"],"scripts":{"start":"bun run src/index.ts"}}`,
				"bun.lock":                   "{}",
				"packages/core/package.json": `{"name":"core","scripts":{"test":"bun test"}}`,
			},
			workspaces: []Workspace{{Dir: ".", Tool: "bun", Members: []string{"packages/core"}, Lockfile: "bun.lock"}},
			units:      map[string]ctxWant{".": {context: "."}, "packages/core": {context: ".", workspaceLock: "bun.lock"}},
		},
		{
			name: "uv workspace with a workspace source",
			files: map[string]string{
				"pyproject.toml":               "[project]\nname = \"root\"\nversion = \"0\"\ndependencies = []\n\n[tool.uv.workspace]\nmembers = [\"packages/*\"]\n",
				"uv.lock":                      "version = 1\n",
				"packages/api/pyproject.toml":  "[project]\nname = \"api\"\ndependencies = [\"fastapi\", \"core\"]\n\n[tool.uv.sources]\ncore = { workspace = true }\n",
				"packages/api/app/main.py":     "from fastapi import FastAPI\napp = FastAPI()\n",
				"packages/core/pyproject.toml": "[project]\nname = \"core\"\ndependencies = []\n",
			},
			workspaces: []Workspace{{Dir: ".", Tool: "uv", Members: []string{".", "packages/api", "packages/core"}, Lockfile: "uv.lock"}},
			units: map[string]ctxWant{
				"packages/api":  {context: ".", workspaceLock: "uv.lock"},
				"packages/core": {context: ".", workspaceLock: "uv.lock"},
			},
		},
		{
			name: "poetry service with a path dependency",
			files: map[string]string{
				"services/api/pyproject.toml": "[tool.poetry]\nname = \"api\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\nfastapi = \"*\"\nlib = { path = \"../../libs/lib\", develop = true }\n",
				"services/api/poetry.lock":    "",
				"libs/lib/pyproject.toml":     "[tool.poetry]\nname = \"lib\"\n",
			},
			workspaces: []Workspace{{Dir: ".", Tool: "poetry", Members: []string{"libs/lib", "services/api"}}},
			units:      map[string]ctxWant{"services/api": {context: "."}, "libs/lib": {context: "libs/lib"}},
		},
		{
			name: "maven multi-module spring boot",
			files: map[string]string{
				"pom.xml":                  "<project><artifactId>parent</artifactId><packaging>pom</packaging><modules><module>api</module><module>common</module><module>tools/pom.xml</module></modules></project>",
				"mvnw":                     "#!/bin/sh\n",
				"api/pom.xml":              "<project><artifactId>api</artifactId><parent><artifactId>parent</artifactId></parent></project>",
				"api/src/main/java/A.java": "class A {}\n",
				"common/pom.xml":           "<project><artifactId>common</artifactId></project>",
				"tools/pom.xml":            "<project><artifactId>tools</artifactId><packaging>pom</packaging><modules><module>lint</module></modules></project>",
				"tools/lint/pom.xml":       "<project><artifactId>lint</artifactId></project>",
			},
			workspaces: []Workspace{
				{Dir: ".", Tool: "maven", Members: []string{"api", "common", "tools"}},
				{Dir: "tools", Tool: "maven", Members: []string{"tools/lint"}},
			},
			units: map[string]ctxWant{"api": {context: "."}, "common": {context: "."}, "tools/lint": {context: "."}},
		},
		{
			name: "gradle subprojects from settings.gradle.kts",
			files: map[string]string{
				"settings.gradle.kts":        "rootProject.name = \"shop\"\ninclude(\"app\", \":libs:core\")\ninclude(\n    \"admin\",\n)\nincludeBuild(\"build-logic\")\nproject(\":admin\").projectDir = file(\"tools/admin\")\n",
				"build.gradle.kts":           "plugins { java }\n",
				"gradlew":                    "#!/bin/sh\n",
				"app/build.gradle.kts":       "dependencies { implementation(project(\":libs:core\")) }\n",
				"libs/core/build.gradle.kts": "plugins { `java-library` }\n",
				"tools/admin/build.gradle":   "apply plugin: 'java'\n",
			},
			workspaces: []Workspace{{Dir: ".", Tool: "gradle", Members: []string{"app", "libs/core", "tools/admin"}}},
			units:      map[string]ctxWant{"app": {context: "."}, "libs/core": {context: "."}, "tools/admin": {context: "."}},
		},
		{
			name: "gradle groovy include with a continued line",
			files: map[string]string{
				"settings.gradle":     "include 'api',\n        'worker'\ninclude ':batch'\n",
				"api/build.gradle":    "apply plugin: 'java'\n",
				"worker/build.gradle": "apply plugin: 'java'\n",
				"batch/build.gradle":  "apply plugin: 'java'\n",
			},
			workspaces: []Workspace{{Dir: ".", Tool: "gradle", Members: []string{"api", "batch", "worker"}}},
			units:      map[string]ctxWant{"api": {context: "."}, "worker": {context: "."}, "batch": {context: "."}},
		},
		{
			name: "projects nested under single projects do not share their locks",
			files: map[string]string{
				"pyproject.toml":               "[project]\nname = \"tool\"\n",
				"uv.lock":                      "version = 1\n",
				"examples/demo/pyproject.toml": "[project]\nname = \"demo\"\ndependencies = [\"flask\"]\n",
				"package.json":                 `{"name":"docs","scripts":{"start":"node serve.js"}}`,
				"package-lock.json":            "{}",
				"site/package.json":            `{"name":"site","scripts":{"start":"node index.js"}}`,
			},
			units: map[string]ctxWant{
				".":             {context: "."},
				"examples/demo": {context: "examples/demo"},
				"site":          {context: "site"},
			},
		},
		{
			name: "standalone service with its own lock file",
			files: map[string]string{
				"svc/a/package.json":      `{"name":"a","scripts":{"start":"node index.js"}}`,
				"svc/a/package-lock.json": "{}",
				"svc/a/index.js":          "",
				"svc/b/go.mod":            "module b\n\ngo 1.22\n",
				"svc/b/main.go":           "package main\n",
			},
			units: map[string]ctxWant{"svc/a": {context: "svc/a"}, "svc/b": {context: "svc/b"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := mustDetect(t, tt.files, Options{})
			if !reflect.DeepEqual(repo.Workspaces, tt.workspaces) {
				t.Errorf("workspaces:\n got %s\nwant %s", dump(repo.Workspaces), dump(tt.workspaces))
			}
			for dir, want := range tt.units {
				s := repo.Service(dir)
				if s == nil {
					t.Errorf("no service in %s: %s", dir, dump(repo.Services))
					continue
				}
				if s.Context != want.context || s.WorkspaceLock != want.workspaceLock {
					t.Errorf("%s: context %q workspace lock %q, want %q %q", dir, s.Context, s.WorkspaceLock, want.context, want.workspaceLock)
				}
			}
			for _, s := range repo.Services {
				if s.Context == "" || !within(s.Dir, s.Context) {
					t.Errorf("%s: context %q does not hold the unit", s.Dir, s.Context)
				}
				if s.WorkspaceLock != "" && !within(s.WorkspaceLock, s.Context) {
					t.Errorf("%s: workspace lock %q outside the context %q", s.Dir, s.WorkspaceLock, s.Context)
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

func TestLCA(t *testing.T) {
	tests := []struct {
		dirs []string
		want string
	}{
		{[]string{"a/b"}, "a/b"},
		{[]string{"a/b/c", "a/b/d"}, "a/b"},
		{[]string{"a/b", "a/bc"}, "a"},
		{[]string{"a", "b"}, "."},
		{[]string{"a/b", "."}, "."},
		{[]string{"services/api", "libs/x"}, "."},
	}
	for _, tt := range tests {
		if got := lca(tt.dirs...); got != tt.want {
			t.Errorf("lca(%q) = %q, want %q", tt.dirs, got, tt.want)
		}
	}
}

func TestContextWithFocus(t *testing.T) {
	files := map[string]string{
		"go.work":               "go 1.22\n\nuse (\n\t./services/api\n\t./libs/x\n)\n",
		"services/api/go.mod":   "module example.com/api\n\ngo 1.22\n\nrequire example.com/libs/x v0.0.0\n\nreplace example.com/libs/x => ../../libs/x\n",
		"services/api/main.go":  "package main\n",
		"libs/x/go.mod":         "module example.com/libs/x\n\ngo 1.22\n",
		"pnpm-workspace.yaml":   "packages: ['apps/*']\n",
		"pnpm-lock.yaml":        "lockfileVersion: '9.0'\n",
		"package.json":          `{"private":true}`,
		"apps/web/package.json": `{"name":"web","scripts":{"start":"next start"}}`,
	}
	repo := mustDetect(t, files, Options{Dir: "services/api"})
	api := repo.Service("services/api")
	if api == nil || api.Context != "." {
		t.Fatalf("focused api must still see libs/x through go.work and its replace: %s", dump(repo.Services))
	}
	// Stated members are listed; glob members outside the focus were not
	// walked, so they are not.
	want := []Workspace{{Dir: ".", Tool: "go", Members: []string{"libs/x", "services/api"}}, {Dir: ".", Tool: "pnpm", Lockfile: "pnpm-lock.yaml"}}
	if !reflect.DeepEqual(repo.Workspaces, want) {
		t.Errorf("workspaces seen from the focus:\n got %s\nwant %s", dump(repo.Workspaces), dump(want))
	}
	web := mustDetect(t, files, Options{Dir: "apps/web"}).Service("apps/web")
	if web == nil || web.Context != "." || web.WorkspaceLock != "pnpm-lock.yaml" {
		t.Errorf("focused web builds from the pnpm root: %s", dump(web))
	}
}
