package container

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
)

func TestContainerStacks(t *testing.T) {
	tests := []struct {
		name    string
		svc     stack.Service
		files   map[string]string
		want    []string // substrings of the Dockerfile
		notWant []string
		note    string // substring of the Dockerfile's note
	}{
		{name: "go", svc: stack.Service{Name: "api", Dir: "svc/api", Language: stack.Go, Version: "1.22.3", Mains: []string{"./cmd/api", "./cmd/tool"}, Port: 9000},
			files: map[string]string{"svc/api/go.mod": "module x\n", "svc/api/go.sum": ""},
			want: []string{"FROM golang:1.22-bookworm AS build", "COPY go.mod go.sum ./", "-o /out/api ./cmd/api",
				"FROM gcr.io/distroless/static-debian12:nonroot", "USER nonroot:nonroot", "EXPOSE 9000", `ENTRYPOINT ["/usr/local/bin/api"]`},
			notWant: []string{"HEALTHCHECK"}, note: "2 main packages"},
		{name: "go default version", svc: stack.Service{Name: "svc", Dir: ".", Language: stack.Go},
			files: map[string]string{"go.mod": "module x\n", "main.go": "package main\n"},
			want:  []string{"FROM golang:1.25-bookworm AS build", "COPY go.mod ./", "EXPOSE 8080", " ."},
			note:  "default 1.25"},
		{name: "go cgo", svc: stack.Service{Name: "notify", Dir: ".", Language: stack.Go, Version: "1.22", Mains: []string{"."}, Frameworks: []string{"cgo", "gin"}},
			files:   map[string]string{"go.mod": "module x\n\ngo 1.22\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n", "go.sum": "", "main.go": "package main\n"},
			want:    []string{"RUN CGO_ENABLED=1 go build", "FROM gcr.io/distroless/base-debian12:nonroot", "USER nonroot:nonroot", "and cgo"},
			notWant: []string{"CGO_ENABLED=0", "static-debian12"}, note: "CGO_ENABLED=1"},
		{name: "node npm", svc: stack.Service{Name: "web", Dir: "web", Language: stack.Node, Version: ">=20.11", PackageManager: "npm", Lockfile: "package-lock.json", Build: "npm run build", Start: "node dist/server.js", Port: 3000},
			files: map[string]string{"web/package.json": "{}", "web/package-lock.json": "{}"},
			want: []string{"FROM node:20-bookworm-slim AS build", "COPY package.json package-lock.json ./", "RUN npm ci", "RUN npm run build",
				"RUN npm prune --omit=dev", "USER node", "HEALTHCHECK", `CMD ["node", "dist/server.js"]`}},
		{name: "node pnpm", svc: stack.Service{Name: "web", Dir: ".", Language: stack.Node, PackageManager: "pnpm", Lockfile: "pnpm-lock.yaml", Start: "next start"},
			files: map[string]string{"package.json": "{}", "pnpm-lock.yaml": ""},
			want:  []string{"RUN corepack enable", "RUN pnpm install --frozen-lockfile", "RUN pnpm prune --prod", `CMD ["npm", "start"]`, "EXPOSE 3000"},
			note:  "default 22"},
		{name: "node bun", svc: stack.Service{Name: "api", Dir: "api", Language: stack.Node, Version: "22", PackageManager: "bun", Lockfile: "bun.lock", Start: "bun run src/index.ts", Port: 3000},
			files: map[string]string{"api/package.json": `{"name":"api"}`, "api/bun.lock": "{}", "api/src/index.ts": ""},
			want: []string{"FROM oven/bun:1.2-slim AS build", "COPY package.json bun.lock ./", "RUN bun install --frozen-lockfile", "FROM oven/bun:1.2-slim\n",
				"USER bun", `CMD ["bun", "run", "src/index.ts"]`, `CMD ["bun", "-e"`},
			notWant: []string{"npm", "corepack", "node:22", "USER node"}, note: "bun"},
		{name: "node bun start script", svc: stack.Service{Name: "api", Dir: ".", Language: stack.Node, PackageManager: "bun", Lockfile: "bun.lockb"},
			files: map[string]string{"package.json": `{"scripts":{"start":"bun src/server.ts"}}`, "bun.lockb": ""},
			want:  []string{"COPY package.json bun.lockb ./", `CMD ["bun", "src/server.ts"]`}, notWant: []string{"npm"}},
		{name: "node start script", svc: stack.Service{Name: "api", Dir: ".", Language: stack.Node, PackageManager: "npm", Start: "npm start", Entry: "lib/index.js"},
			files: map[string]string{"package.json": `{"scripts":{"start":"node src/server.js"}}`},
			want:  []string{"RUN npm install", `CMD ["node", "src/server.js"]`}, note: "no npm lock file"},
		{name: "node yarn berry", svc: stack.Service{Name: "web", Dir: ".", Language: stack.Node, Version: "22", PackageManager: "yarn", Lockfile: "yarn.lock", Entry: "index.js"},
			files:   map[string]string{"package.json": "{}", "yarn.lock": "", ".yarnrc.yml": ""},
			want:    []string{"COPY package.json yarn.lock .yarnrc.yml ./", "RUN yarn install --immutable", `CMD ["node", "index.js"]`},
			notWant: []string{".yarn/releases"}},
		{name: "node yarn berry with yarnPath", svc: stack.Service{Name: "web", Dir: ".", Language: stack.Node, Version: "22", PackageManager: "yarn", Lockfile: "yarn.lock", Entry: "index.js"},
			files: map[string]string{"package.json": "{}", "yarn.lock": "", ".yarnrc.yml": "yarnPath: .yarn/releases/yarn-4.5.0.cjs\n", ".yarn/releases/yarn-4.5.0.cjs": "//"},
			want:  []string{"COPY package.json yarn.lock .yarnrc.yml ./\nCOPY .yarn/releases/ .yarn/releases/\nRUN yarn install --immutable"}},
		{name: "python pip", svc: stack.Service{Name: "app", Dir: ".", Language: stack.Python, Version: "3.12", PackageManager: "pip", Start: "gunicorn -b 0.0.0.0:8000 app:app", Port: 8000},
			files: map[string]string{"requirements.txt": "flask==3.0.0\n"},
			want: []string{"FROM python:3.12-slim-bookworm AS build", "RUN python -m venv /app/.venv", "pip install --no-cache-dir -r requirements.txt",
				"USER 10001:10001", `CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]`, "HEALTHCHECK"}},
		{name: "python pyproject with pip", svc: stack.Service{Name: "app", Dir: ".", Language: stack.Python, Version: "3.13", PackageManager: "pip", Start: "python -m app > /dev/null"},
			files: map[string]string{"pyproject.toml": ""},
			want:  []string{"RUN pip install --no-cache-dir .", `CMD ["sh", "-c", "python -m app > /dev/null"]`}, note: "shell syntax"},
		{name: "python poetry", svc: stack.Service{Name: "app", Dir: "py", Language: stack.Python, Version: "^3.11", PackageManager: "poetry", Entry: "app.main"},
			files: map[string]string{"py/pyproject.toml": "", "py/poetry.lock": ""},
			want: []string{"FROM python:3.11-slim-bookworm", "pip install --no-cache-dir poetry==2.1.3", "COPY pyproject.toml poetry.lock ./",
				"poetry install --only main --no-root", `CMD ["python", "-m", "app.main"]`}},
		{name: "python uv", svc: stack.Service{Name: "app", Dir: ".", Language: stack.Python, PackageManager: "uv"},
			files: map[string]string{"pyproject.toml": "", "uv.lock": "", "main.py": ""},
			want:  []string{"FROM python:3.13-slim-bookworm", "uv==0.8.0", "uv sync --frozen --no-dev --no-install-project", `CMD ["python", "main.py"]`}},
		{name: "python uv console script", svc: stack.Service{Name: "inv", Dir: ".", Language: stack.Python, PackageManager: "uv", Start: "inventory serve"},
			files: map[string]string{"pyproject.toml": "[project]\nname = \"inventory\"\n\n[project.scripts]\ninventory = \"inventory.main:main\"\n", "uv.lock": ""},
			want:  []string{"RUN uv sync --frozen --no-dev --no-install-project\nCOPY . .\nRUN uv sync --frozen --no-dev\n", `CMD ["inventory", "serve"]`},
			note:  "console script"},
		{name: "python poetry console script", svc: stack.Service{Name: "inv", Dir: ".", Language: stack.Python, PackageManager: "poetry", Start: "inv"},
			files: map[string]string{"pyproject.toml": "[tool.poetry]\nname = \"inv\"\n\n[tool.poetry.scripts]\ninv = \"inv.cli:run\"\n", "poetry.lock": ""},
			want:  []string{"RUN poetry install --only main --no-root\nCOPY . .\nRUN poetry install --only main\n", `CMD ["inv"]`}, note: "console script"},
		{name: "python requirements and console script", svc: stack.Service{Name: "inv", Dir: ".", Language: stack.Python, PackageManager: "pip", Start: "inv --port 8000"},
			files: map[string]string{"requirements.txt": "flask\n", "pyproject.toml": "[project]\nname = \"inv\"\n[project.scripts]\ninv = \"inv.cli:run\"\n"},
			want:  []string{"pip install --no-cache-dir -r requirements.txt", "RUN pip install --no-cache-dir --no-deps .\n"}, note: "console script"},
		{name: "python uv module start", svc: stack.Service{Name: "api", Dir: ".", Language: stack.Python, PackageManager: "uv", Start: "uvicorn api.main:app"},
			files: map[string]string{"pyproject.toml": "[project]\nname = \"api\"\n[project.scripts]\napi = \"api.cli:run\"\n", "uv.lock": ""},
			want:  []string{"--no-install-project"}, notWant: []string{"RUN uv sync --frozen --no-dev\n"}},
		{name: "rust", svc: stack.Service{Name: "svc", Module: "my-svc", Dir: ".", Language: stack.Rust, Version: "1.82", PackageManager: "cargo"},
			files: map[string]string{"Cargo.toml": "", "Cargo.lock": ""},
			want: []string{"FROM rust:1.82-bookworm AS build", "cargo build --release --locked", "FROM gcr.io/distroless/cc-debian12:nonroot",
				`ENTRYPOINT ["/usr/local/bin/my-svc"]`}, notWant: []string{"HEALTHCHECK"}},
		{name: "java maven", svc: stack.Service{Name: "svc", Dir: ".", Language: stack.Java, Version: "17", PackageManager: "maven", Frameworks: []string{"spring-boot"}},
			files: map[string]string{"pom.xml": ""},
			want: []string{"FROM maven:3.9-eclipse-temurin-17 AS build", "mvn -B -DskipTests package", "FROM eclipse-temurin:17-jre",
				"USER 10001:10001", `ENTRYPOINT ["java", "-jar", "/app/app.jar"]`}},
		{name: "java gradle wrapper", svc: stack.Service{Name: "svc", Dir: ".", Language: stack.Java, Version: "1.8", PackageManager: "gradle", Frameworks: []string{"spring-boot"}},
			files: map[string]string{"build.gradle": "", "gradlew": ""},
			want:  []string{"FROM eclipse-temurin:8-jdk AS build", "./gradlew --no-daemon bootJar", "build/libs", "FROM eclipse-temurin:8-jre"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for k, v := range tc.files {
				fsys[k] = &fstest.MapFile{Data: []byte(v)}
			}
			repo := &stack.Repo{Services: []stack.Service{tc.svc}}
			cs := kittest.Work(t, kit.ContainerMode, engine.Task{ID: "container"}, repo, fsys)
			df := kittest.FileOf(t, cs, kit.JoinPath(tc.svc.Dir, "Dockerfile"))
			for _, w := range tc.want {
				if !strings.Contains(df, w) {
					t.Errorf("Dockerfile lacks %q:\n%s", w, df)
				}
			}
			for _, w := range append(tc.notWant, ":latest") {
				if strings.Contains(df, w) {
					t.Errorf("Dockerfile has %q:\n%s", w, df)
				}
			}
			if note := cs.Get(kit.JoinPath(tc.svc.Dir, "Dockerfile")).Note; !strings.Contains(note, tc.note) {
				t.Errorf("note %q lacks %q", note, tc.note)
			}
			ign := kittest.FileOf(t, cs, kit.JoinPath(tc.svc.Dir, ".dockerignore"))
			for _, w := range []string{".git\n", ".env\n"} {
				if !strings.Contains(ign, w) {
					t.Errorf(".dockerignore lacks %q", w)
				}
			}
			kittest.GateClean(t, cs)
			kittest.GateWithRepo(t, cs, fsys)
		})
	}
}

func TestContainerExistingDockerfile(t *testing.T) {
	repo, fsys := kittest.GoRepo()
	// A Dockerfile that passes the gate is kept: only .dockerignore is added.
	cs := kittest.Work(t, kit.ContainerMode, engine.Task{ID: "container"}, repo, kittest.WithFile(fsys, "Dockerfile", kittest.GoDockerfileOK))
	if got := strings.Join(cs.Paths(), ","); got != ".dockerignore" {
		t.Errorf("with a valid Dockerfile the change set is %q, want only .dockerignore", got)
	}
	// One with errors is patched in place, never replaced, and the note
	// says what changed and why.
	bad := kittest.WithFile(kittest.WithFile(fsys, "Dockerfile", kittest.GoDockerfileBad), ".dockerignore", ".git\n")
	cs = kittest.Work(t, kit.ContainerMode, engine.Task{ID: "container"}, repo, bad)
	f := cs.Get("Dockerfile")
	if f == nil || !strings.Contains(f.Note, "patched the existing Dockerfile") || !strings.Contains(f.Note, "pinned to golang:1.22-bookworm") {
		t.Fatalf("invalid Dockerfile not patched with a note: %+v", f)
	}
	want := "FROM golang:1.22-bookworm\nCOPY . .\nRUN go build -o /app .\nUSER 65532:65532\nCMD [\"/app\"]\n"
	if string(f.Content) != want {
		t.Errorf("patched Dockerfile:\n%s\nwant\n%s", f.Content, want)
	}
	if bytes.Contains(f.Content, []byte("latest")) {
		t.Errorf("patched file still uses latest:\n%s", f.Content)
	}
	if cs.Get(".dockerignore") != nil {
		t.Errorf("an existing .dockerignore was overwritten")
	}
	kittest.GateClean(t, cs)
}

func TestContainerErrors(t *testing.T) {
	in := engine.WorkInput{Task: engine.Task{ID: "container", Mode: kit.ContainerMode}, Repo: &stack.Repo{}, Workspace: fstest.MapFS{}}
	if _, err := kittest.New().Work(context.Background(), in); err == nil || !strings.Contains(err.Error(), "no service to containerize") {
		t.Errorf("no services: err = %v", err)
	}
	in.Repo = &stack.Repo{Services: []stack.Service{{Name: "x", Dir: ".", Language: stack.Node}}}
	if _, err := kittest.New().Work(context.Background(), in); err == nil || !strings.Contains(err.Error(), "start") {
		t.Errorf("node without start: err = %v", err)
	}
	// Repository text is untrusted: nothing may break out of its line.
	for _, svc := range []stack.Service{
		{Name: "x", Dir: ".", Language: stack.Node, Entry: "a.js", Build: "npm run build\nUSER root"},
		{Name: "x", Dir: ".", Language: stack.Go, Mains: []string{"./cmd/x\nUSER root"}},
		{Name: "x", Dir: ".", Language: stack.Node, Entry: "a.js", Lockfile: "package-lock.json ../../etc"},
	} {
		in.Repo = &stack.Repo{Services: []stack.Service{svc}}
		if cs, err := kittest.New().Work(context.Background(), in); err == nil {
			t.Errorf("unsafe service %+v rendered:\n%s", svc, cs.Diff())
		}
	}
	in.Repo = &stack.Repo{Services: []stack.Service{{Name: "x", Dir: ".", Language: stack.Node}}}
	in.Task.Services = []string{"nope"}
	if _, err := kittest.New().Work(context.Background(), in); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown service: err = %v", err)
	}
}

func TestSplitSimpleAndJSONArgs(t *testing.T) {
	if got, ok := splitSimple("node dist/server.js --port 3000"); !ok || len(got) != 4 {
		t.Errorf("splitSimple simple = %q, %v", got, ok)
	}
	for _, c := range []string{"", "PORT=1 node x", "node x && y", "echo $HOME"} {
		if _, ok := splitSimple(c); ok {
			t.Errorf("splitSimple(%q) accepted shell syntax", c)
		}
	}
	if got := JsonArgs("a", `b"c`, "<&>"); got != `["a", "b\"c", "<&>"]` {
		t.Errorf("jsonArgs = %s", got)
	}
}

func TestTaskServicesKinds(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{
		{Name: "api", Dir: "api", Language: stack.Go, Kind: stack.KindService},
		{Name: "worker", Dir: "worker", Language: stack.Go, Kind: stack.KindWorker},
		{Name: "gen", Dir: "tools/gen", Language: stack.Go, Kind: stack.KindCLI},
		{Name: "lib", Dir: "lib", Language: stack.Go, Kind: stack.KindLibrary},
		{Name: "action", Dir: "action", Language: stack.Node, Kind: stack.KindAction},
		{Name: "docs", Dir: "docs", Language: stack.Node, Kind: stack.KindSite},
		{Name: "fx", Dir: "test/fixtures/app", Language: stack.Node, Kind: stack.KindFixture},
		{Name: "ex", Dir: "examples/hello", Language: stack.Go, Kind: stack.KindExample},
		{Name: "old", Dir: "old", Language: stack.Go}, // unknown kind: a service, as before
	}}
	dirs := func(ss []stack.Service) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Dir)
		}
		return strings.Join(out, ",")
	}
	got, err := kit.TaskServices(repo, engine.Task{ID: "container"})
	if err != nil || dirs(got) != "api,old,worker" {
		t.Errorf("unnamed: %q, %v; want api,old,worker", dirs(got), err)
	}
	// A unit the task names is taken whatever its kind.
	got, err = kit.TaskServices(repo, engine.Task{ID: "container", Services: []string{"tools/gen", "docs"}})
	if err != nil || dirs(got) != "tools/gen,docs" {
		t.Errorf("named: %q, %v", dirs(got), err)
	}
	// Nothing runnable: the error names what was skipped and why.
	only := &stack.Repo{Services: []stack.Service{{Name: "lib", Dir: ".", Language: stack.Go, Kind: stack.KindLibrary}}}
	in := engine.WorkInput{Task: engine.Task{ID: "container", Mode: kit.ContainerMode}, Repo: only, Workspace: fstest.MapFS{}}
	if _, err := kittest.New().Work(context.Background(), in); err == nil || !strings.Contains(err.Error(), "the repository root is a library") {
		t.Errorf("library only: err = %v", err)
	}
}
