package container

import (
	"context"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// TestContainerBuildContext: a unit whose build context is above its
// directory gets a Dockerfile in its directory written for that context,
// whose first line tells the gate (and people) how it is built, and the
// .dockerignore at the context; the gate with the repository at hand
// finds nothing.
func TestContainerBuildContext(t *testing.T) {
	tests := []struct {
		name    string
		repo    *stack.Repo
		files   map[string]string
		df      string   // the Dockerfile written
		want    []string // substrings of it
		notWant []string
		ignore  string // the .dockerignore written
	}{
		{name: "go replace",
			repo: &stack.Repo{Services: []stack.Service{
				{Name: "billing", Dir: "services/billing", Language: stack.Go, Version: "1.22", Module: "example.com/shop/billing",
					Mains: []string{"./cmd/billing"}, Port: 8090, Context: ".", Kind: stack.KindService},
				{Name: "money", Dir: "libs/money", Language: stack.Go, Module: "example.com/shop/money", Context: "libs/money", Kind: stack.KindLibrary},
			}},
			files: map[string]string{
				"services/billing/go.mod":                "module example.com/shop/billing\n\ngo 1.22\n\nrequire example.com/shop/money v0.0.0\n\nreplace example.com/shop/money => ../../libs/money\n",
				"services/billing/go.sum":                "",
				"services/billing/cmd/billing/main.go":   "package main\n",
				"libs/money/go.mod":                      "module example.com/shop/money\n\ngo 1.22\n",
				"libs/money/money.go":                    "package money\n",
				"services/billing/internal/store/db.go":  "package store\n",
				"services/billing/cmd/billing/server.go": "package main\n",
			},
			df: "services/billing/Dockerfile",
			want: []string{"# docker build -f services/billing/Dockerfile .\n",
				"COPY services/billing/go.mod services/billing/go.sum services/billing/\n", "COPY libs/money/go.mod libs/money/\n",
				"COPY libs/money/ libs/money/\n", "WORKDIR /src/services/billing\nRUN CGO_ENABLED=0 go build", "-o /out/billing ./cmd/billing"},
			notWant: []string{"COPY . ."}, ignore: ".dockerignore"},
		{name: "pnpm workspace",
			repo: &stack.Repo{Services: []stack.Service{
				{Name: "api", Dir: "apps/api", Language: stack.Node, Version: "22", PackageManager: "pnpm", WorkspaceLock: "pnpm-lock.yaml",
					Module: "@acme/api", Build: "pnpm run build", Start: "pnpm run start", Port: 4141, Context: ".", Kind: stack.KindService},
				{Name: "shared", Dir: "packages/shared", Language: stack.Node, PackageManager: "pnpm", Module: "@acme/shared", Context: ".", Kind: stack.KindLibrary},
			}, Workspaces: []stack.Workspace{{Dir: ".", Tool: "pnpm", Members: []string{"packages/shared", "apps/api"}, Lockfile: "pnpm-lock.yaml"}}},
			files: map[string]string{
				"package.json":                 `{"private":true}`,
				"pnpm-lock.yaml":               "lockfileVersion: '9.0'\n",
				"pnpm-workspace.yaml":          "packages:\n  - apps/*\n  - packages/*\n",
				"apps/api/package.json":        `{"name":"@acme/api","scripts":{"build":"tsc","start":"node dist/main.js"}}`,
				"apps/api/src/main.ts":         "",
				"packages/shared/package.json": `{"name":"@acme/shared"}`,
			},
			df: "apps/api/Dockerfile",
			want: []string{"# docker build -f apps/api/Dockerfile .\n", "COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./\n",
				"COPY apps/api/package.json apps/api/\n", "COPY packages/shared/package.json packages/shared/\n",
				"RUN pnpm install --frozen-lockfile --filter @acme/api...\n", "RUN pnpm --filter @acme/api... run build\n",
				"WORKDIR /app/apps/api\nUSER node", `CMD ["node", "dist/main.js"]`},
			notWant: []string{"pnpm prune"}, ignore: ".dockerignore"},
		{name: "cargo workspace",
			repo: &stack.Repo{Services: []stack.Service{
				{Name: "server", Dir: "crates/server", Language: stack.Rust, Version: "1.81", PackageManager: "cargo", WorkspaceLock: "Cargo.lock",
					Module: "forum_server", Entry: "forum", Port: 8536, Context: ".", Kind: stack.KindService},
			}, Workspaces: []stack.Workspace{{Dir: ".", Tool: "cargo", Members: []string{"crates/server", "crates/utils"}, Lockfile: "Cargo.lock"}}},
			files: map[string]string{
				"Cargo.toml":                "[workspace]\nmembers = [\"crates/server\", \"crates/utils\"]\n",
				"Cargo.lock":                "version = 3\n",
				"crates/server/Cargo.toml":  "[package]\nname = \"forum_server\"\n\n[[bin]]\nname = \"forum\"\npath = \"src/main.rs\"\n\n[dependencies]\nutils = { path = \"../utils\" }\n",
				"crates/server/src/main.rs": "fn main() {}\n",
				"crates/utils/Cargo.toml":   "[package]\nname = \"utils\"\n",
			},
			df: "crates/server/Dockerfile",
			want: []string{"# docker build -f crates/server/Dockerfile .\n", "COPY . .\n",
				"cargo build --release --locked -p forum_server --bin forum", "cp target/release/forum /out/forum", `ENTRYPOINT ["/usr/local/bin/forum"]`},
			ignore: ".dockerignore"},
		{name: "uv workspace",
			repo: &stack.Repo{Services: []stack.Service{
				{Name: "backend", Dir: "backend", Language: stack.Python, Version: "3.12", PackageManager: "uv", WorkspaceLock: "uv.lock",
					Module: "app", Start: "fastapi run app/main.py --port 8000", Port: 8000, Context: ".", Kind: stack.KindService},
			}, Workspaces: []stack.Workspace{{Dir: ".", Tool: "uv", Members: []string{"backend"}, Lockfile: "uv.lock"}}},
			files: map[string]string{
				"pyproject.toml":         "[tool.uv.workspace]\nmembers = [\"backend\"]\n",
				"uv.lock":                "version = 1\n",
				"backend/pyproject.toml": "[project]\nname = \"app\"\ndependencies = [\"fastapi\"]\n",
				"backend/app/main.py":    "",
			},
			df: "backend/Dockerfile",
			want: []string{"# docker build -f backend/Dockerfile .\n", "COPY pyproject.toml uv.lock ./\nCOPY backend/pyproject.toml backend/\n",
				"RUN uv sync --frozen --no-dev --package app --no-install-workspace\nCOPY . .\nRUN uv sync --frozen --no-dev --package app\n",
				"WORKDIR /app/backend\nUSER 10001:10001", `CMD ["fastapi", "run", "app/main.py", "--port", "8000"]`},
			ignore: ".dockerignore"},
		{name: "yarn berry workspace",
			repo: &stack.Repo{Services: []stack.Service{
				{Name: "api", Dir: "apps/api", Language: stack.Node, Version: "22", PackageManager: "yarn", WorkspaceLock: "yarn.lock",
					Module: "api", Build: "yarn build", Start: "node dist/main.js", Port: 3000, Context: ".", Kind: stack.KindService},
			}, Workspaces: []stack.Workspace{{Dir: ".", Tool: "yarn", Members: []string{"apps/api"}, Lockfile: "yarn.lock"}}},
			files: map[string]string{
				"package.json":                  `{"private":true,"workspaces":["apps/*"],"packageManager":"yarn@4.5.0"}`,
				"yarn.lock":                     "",
				".yarnrc.yml":                   "yarnPath: .yarn/releases/yarn-4.5.0.cjs\n",
				".yarn/releases/yarn-4.5.0.cjs": "",
				"apps/api/package.json":         `{"name":"api","scripts":{"build":"nest build","start":"node dist/main.js"}}`,
			},
			df: "apps/api/Dockerfile",
			want: []string{"COPY package.json yarn.lock .yarnrc.yml ./\nCOPY .yarn/releases/ .yarn/releases/\nCOPY apps/api/package.json apps/api/\n",
				"RUN yarn install --immutable\n", "WORKDIR /app/apps/api\nRUN yarn build\n"},
			ignore: ".dockerignore"},
		{name: "bun workspace",
			repo: &stack.Repo{Services: []stack.Service{
				{Name: "server", Dir: "apps/server", Language: stack.Node, PackageManager: "bun", WorkspaceLock: "bun.lock",
					Module: "server", Start: "bun run src/index.ts", Port: 3000, Context: ".", Kind: stack.KindService},
			}, Workspaces: []stack.Workspace{{Dir: ".", Tool: "bun", Members: []string{"apps/server", "packages/db"}, Lockfile: "bun.lock"}}},
			files: map[string]string{
				"package.json":             `{"private":true,"workspaces":["apps/*","packages/*"]}`,
				"bun.lock":                 "{}",
				"apps/server/package.json": `{"name":"server"}`,
				"apps/server/src/index.ts": "",
				"packages/db/package.json": `{"name":"db"}`,
			},
			df: "apps/server/Dockerfile",
			want: []string{"FROM oven/bun:1.2-slim AS build", "COPY package.json bun.lock ./\nCOPY apps/server/package.json apps/server/\nCOPY packages/db/package.json packages/db/\n",
				"RUN bun install --frozen-lockfile\n", "WORKDIR /app/apps/server\nUSER bun", `CMD ["bun", "run", "src/index.ts"]`},
			notWant: []string{"corepack", "npm"}, ignore: ".dockerignore"},
		{name: "npm workspace",
			repo: &stack.Repo{Services: []stack.Service{
				{Name: "web", Dir: "packages/web", Language: stack.Node, PackageManager: "npm", WorkspaceLock: "package-lock.json",
					Module: "web", Build: "npm run build", Port: 3000, Context: ".", Kind: stack.KindService},
			}, Workspaces: []stack.Workspace{{Dir: ".", Tool: "npm", Members: []string{"packages/web"}, Lockfile: "package-lock.json"}}},
			files: map[string]string{
				"package.json":              `{"private":true,"workspaces":["packages/*"]}`,
				"package-lock.json":         "{}",
				"packages/web/package.json": `{"name":"web","scripts":{"build":"tsc","start":"node dist/server.js"}}`,
			},
			df: "packages/web/Dockerfile",
			want: []string{"# docker build -f packages/web/Dockerfile .\n", "RUN npm ci --workspace web\n",
				"WORKDIR /app/packages/web\nRUN npm run build\n", `CMD ["node", "dist/server.js"]`},
			ignore: ".dockerignore"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := kittest.MapFS(tc.files)
			cs := kittest.Work(t, kit.ContainerMode, engine.Task{ID: "container"}, tc.repo, fsys)
			df := kittest.FileOf(t, cs, tc.df)
			if !strings.HasPrefix(df, "# docker build -f ") {
				t.Errorf("the first line does not state the build context:\n%s", df)
			}
			for _, w := range tc.want {
				if !strings.Contains(df, w) {
					t.Errorf("Dockerfile lacks %q:\n%s", w, df)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(df, w) {
					t.Errorf("Dockerfile has %q:\n%s", w, df)
				}
			}
			ign := kittest.FileOf(t, cs, tc.ignore)
			if !strings.Contains(ign, "**/") {
				t.Errorf("the context's .dockerignore does not apply at every depth:\n%s", ign)
			}
			if unit := strings.TrimSuffix(tc.df, "Dockerfile") + ".dockerignore"; cs.Get(unit) != nil {
				t.Errorf("a .dockerignore was written in the unit's directory, where docker does not read it")
			}
			kittest.GateWithRepo(t, cs, fsys)
		})
	}
}

// TestContainerBuildContextKeepsDockerignore: an existing .dockerignore at
// the context is left alone.
func TestContainerBuildContextKeepsDockerignore(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{{Name: "billing", Dir: "svc", Language: stack.Go, Module: "x/svc", Mains: []string{"."}, Context: "."}}}
	fsys := kittest.MapFS(map[string]string{
		".dockerignore": ".git\n",
		"svc/go.mod":    "module x/svc\n\ngo 1.22\n\nreplace x/lib => ../lib\n",
		"svc/main.go":   "package main\n",
		"lib/go.mod":    "module x/lib\n",
	})
	cs := kittest.Work(t, kit.ContainerMode, engine.Task{ID: "container"}, repo, fsys)
	if got := strings.Join(cs.Paths(), ","); got != "svc/Dockerfile" {
		t.Errorf("paths = %s, want only svc/Dockerfile", got)
	}
	kittest.GateWithRepo(t, cs, fsys)
}

// TestContainerBuildContextUnsupported: layouts the specialist cannot
// build correctly get an error naming the unit, its context and what is
// missing, never a Dockerfile.
func TestContainerBuildContextUnsupported(t *testing.T) {
	tests := []struct {
		name  string
		svc   stack.Service
		more  []stack.Service
		files map[string]string
		want  string
	}{
		{name: "go.work only", svc: stack.Service{Name: "a", Dir: "a", Language: stack.Go, Module: "x/a", Mains: []string{"."}, Context: "."},
			more:  []stack.Service{{Name: "lib", Dir: "lib", Language: stack.Go, Module: "x/lib", Context: "lib"}},
			files: map[string]string{"go.work": "go 1.22\n\nuse (\n\t./a\n\t./lib\n)\n", "a/go.mod": "module x/a\n\ngo 1.22\n\nrequire x/lib v0.0.0\n", "a/main.go": "package main\n", "lib/go.mod": "module x/lib\n"},
			want:  "without a replace directive"},
		{name: "replace outside the context", svc: stack.Service{Name: "a", Dir: "w/a", Language: stack.Go, Module: "x/a", Mains: []string{"."}, Context: "w"},
			files: map[string]string{"w/a/go.mod": "module x/a\n\nreplace x/lib => ../../lib\n", "w/a/main.go": "package main\n", "lib/go.mod": "module x/lib\n"},
			want:  "lies outside that context"},
		{name: "poetry above the unit", svc: stack.Service{Name: "api", Dir: "api", Language: stack.Python, PackageManager: "poetry", Module: "api", Context: "."},
			files: map[string]string{"api/pyproject.toml": "[tool.poetry]\nname = \"api\"\n"},
			want:  "only a member of a uv workspace"},
		{name: "node without workspace", svc: stack.Service{Name: "web", Dir: "web", Language: stack.Node, PackageManager: "npm", Entry: "a.js", Context: "."},
			files: map[string]string{"web/package.json": "{}"},
			want:  "no npm, pnpm, yarn or bun workspace"},
		{name: "cargo path dependency outside", svc: stack.Service{Name: "api", Dir: "api", Language: stack.Rust, Module: "api", Context: "."},
			files: map[string]string{"api/Cargo.toml": "[package]\nname = \"api\"\n\n[dependencies]\nutil = { path = \"../util\" }\n", "util/Cargo.toml": "[package]\nname = \"util\"\n"},
			want:  "no Cargo workspace rooted there lists it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			repo := &stack.Repo{Services: append([]stack.Service{tc.svc}, tc.more...)}
			in := engine.WorkInput{Task: engine.Task{ID: "container", Mode: kit.ContainerMode, Services: []string{tc.svc.Dir}}, Repo: repo, Workspace: kittest.MapFS(tc.files)}
			cs, err := kittest.New().Work(context.Background(), in)
			if err == nil {
				t.Fatalf("no error; wrote:\n%s", cs.Diff())
			}
			for _, w := range []string{tc.want, tc.svc.Dir, "builds from the context"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "bug in devops-lead") {
				t.Errorf("an unsupported layout is reported as a bug: %v", err)
			}
		})
	}
}

// TestContainerSelfCheck: when the repository makes the Dockerfile the
// specialist can write unbuildable (here the context's own .dockerignore
// hides a replaced module), the task fails with an error naming the unit,
// the context and the finding, not with a Dockerfile the gate refuses.
func TestContainerSelfCheck(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{{Name: "svc", Dir: "svc", Language: stack.Go, Module: "x/svc", Mains: []string{"."}, Context: "."}}}
	fsys := kittest.MapFS(map[string]string{
		".dockerignore":   "libs\n",
		"svc/go.mod":      "module x/svc\n\ngo 1.22\n\nreplace x/lib => ../libs/lib\n",
		"svc/main.go":     "package main\n",
		"libs/lib/go.mod": "module x/lib\n",
	})
	in := engine.WorkInput{Task: engine.Task{ID: "container", Mode: kit.ContainerMode}, Repo: repo, Workspace: fsys}
	cs, err := kittest.New().Work(context.Background(), in)
	if err == nil {
		t.Fatalf("no error; wrote:\n%s", cs.Diff())
	}
	for _, w := range []string{"svc", "the repository root", "dockerfile-copy-missing", ".dockerignore"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
}

// TestContainerSharedDockerignore: units of two languages built from the
// same workspace root share one .dockerignore there that leaves out the
// dependencies and build output of both.
func TestContainerSharedDockerignore(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{
		{Name: "api", Dir: "api", Language: stack.Go, Module: "x/api", Mains: []string{"."}, Context: "."},
		{Name: "web", Dir: "web", Language: stack.Node, PackageManager: "npm", Module: "web", Entry: "index.js", Context: "."},
	}, Workspaces: []stack.Workspace{{Dir: ".", Tool: "npm", Members: []string{"web"}, Lockfile: "package-lock.json"}}}
	fsys := kittest.MapFS(map[string]string{
		"api/go.mod": "module x/api\n\ngo 1.22\n\nreplace x/lib => ../lib\n", "api/main.go": "package main\n", "lib/go.mod": "module x/lib\n",
		"package.json": `{"workspaces":["web"]}`, "package-lock.json": "{}", "web/package.json": `{"name":"web"}`, "web/index.js": "",
	})
	cs := kittest.Work(t, kit.ContainerMode, engine.Task{ID: "container"}, repo, fsys)
	ign := kittest.FileOf(t, cs, ".dockerignore")
	for _, w := range []string{"**/node_modules\n", "**/*.test\n"} {
		if !strings.Contains(ign, w) {
			t.Errorf("the shared .dockerignore lacks %q:\n%s", w, ign)
		}
	}
	if got := strings.Join(cs.Paths(), ","); got != ".dockerignore,api/Dockerfile,web/Dockerfile" {
		t.Errorf("paths = %s", got)
	}
	kittest.GateWithRepo(t, cs, fsys)
}
