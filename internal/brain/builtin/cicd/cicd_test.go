package cicd

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/mode"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
	"gopkg.in/yaml.v3"
)

// ciCase is one repository the CI/CD specialist works on.
type ciCase struct {
	name     string
	files    map[string]string
	services []stack.Service
	params   map[string]string
	deps     []*change.ChangeSet
	// want are substrings each named file must contain.
	want map[string][]string
	// absent are substrings a file must not contain.
	absent map[string][]string
}

func ciCases() []ciCase {
	return []ciCase{
		{
			name:     "go",
			files:    map[string]string{"go.mod": "module example.com/x\n\ngo 1.22\n", "go.sum": "", "main.go": "package main\n"},
			services: []stack.Service{{Name: "x", Dir: ".", Language: stack.Go, Version: "1.22", PackageManager: "go", Mains: []string{"."}}},
			want: map[string][]string{CIWorkflowPath: {"go-version-file: go.mod", "cache-dependency-path: go.sum",
				"go vet ./...", "go test -race ./...", "go build ./..."}},
			absent: map[string][]string{CIWorkflowPath: {"working-directory"}},
		},
		{
			name: "node-npm",
			files: map[string]string{
				"package.json":      `{"name":"web","scripts":{"lint":"eslint .","test":"vitest run","build":"tsc"}}`,
				"package-lock.json": "{}", ".nvmrc": "20\n",
			},
			services: []stack.Service{{Name: "web", Dir: ".", Language: stack.Node, Version: "20", PackageManager: "npm", Lockfile: "package-lock.json"}},
			want: map[string][]string{CIWorkflowPath: {"node-version-file: .nvmrc", "cache: npm", "npm ci",
				"npm run lint", "npm run test", "npm run build"}},
			absent: map[string][]string{CIWorkflowPath: {"pnpm", "yarn"}},
		},
		{
			name: "node-pnpm",
			files: map[string]string{
				"package.json":   `{"name":"web","packageManager":"pnpm@9.12.0","scripts":{"test":"vitest run"}}`,
				"pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
			},
			services: []stack.Service{{Name: "web", Dir: ".", Language: stack.Node, PackageManager: "pnpm", Lockfile: "pnpm-lock.yaml"}},
			want: map[string][]string{CIWorkflowPath: {"pnpm/action-setup@", "cache: pnpm", "pnpm install --frozen-lockfile",
				"pnpm run test", "node-version: lts/*"}},
			absent: map[string][]string{CIWorkflowPath: {"npm ci", "run lint", "run build"}},
		},
		{
			name: "node-bun",
			files: map[string]string{
				"package.json": `{"name":"act","packageManager":"bun@1.2.19","scripts":{"test":"bun test","build":"bun build src/index.ts --outdir dist"}}`,
				"bun.lock":     "{\n  \"lockfileVersion\": 1\n}\n",
			},
			services: []stack.Service{{Name: "act", Dir: ".", Language: stack.Node, PackageManager: "bun", Lockfile: "bun.lock"}},
			want: map[string][]string{CIWorkflowPath: {"oven-sh/setup-bun@735343b667d3e6f658f44d0eca948eb6282f2b76", "bun-version: 1.2.19",
				"bun install --frozen-lockfile", "bun run test", "bun run build"}},
			absent: map[string][]string{CIWorkflowPath: {"npm", "setup-node", "pnpm", "yarn"}},
		},
		{
			name: "node-bun-no-test-script",
			files: map[string]string{
				"package.json": `{"name":"act"}`,
				"bun.lockb":    "binary",
				".bun-version": "1.2.0\n",
			},
			services: []stack.Service{{Name: "act", Dir: ".", Language: stack.Node, PackageManager: "bun", Lockfile: "bun.lockb", Test: "bun test"}},
			want:     map[string][]string{CIWorkflowPath: {"bun-version-file: .bun-version", "bun install --frozen-lockfile", "run: bun test"}},
			absent:   map[string][]string{CIWorkflowPath: {"npm", "bun run test"}},
		},
		{
			name: "node-yarn",
			files: map[string]string{
				"package.json": `{"name":"web","scripts":{"test":"jest","build":"webpack"}}`,
				"yarn.lock":    "# yarn lockfile v1\n",
			},
			services: []stack.Service{{Name: "web", Dir: ".", Language: stack.Node, Version: "18", PackageManager: "yarn", Lockfile: "yarn.lock"}},
			want: map[string][]string{CIWorkflowPath: {`node-version: "18"`, "cache: yarn", "yarn install --frozen-lockfile",
				"yarn run test", "yarn run build"}},
		},
		{
			name: "python-pip",
			files: map[string]string{
				"requirements.txt": "flask==3.0.0\npytest==8.0.0\n", "app.py": "",
			},
			services: []stack.Service{{Name: "api", Dir: ".", Language: stack.Python, Version: "3.12", PackageManager: "pip"}},
			want: map[string][]string{CIWorkflowPath: {`python-version: "3.12"`, "cache: pip",
				"python -m pip install -r requirements.txt", "python -m pytest"}},
			absent: map[string][]string{CIWorkflowPath: {"Install pytest"}},
		},
		{
			name: "python-poetry",
			files: map[string]string{
				"pyproject.toml": "[tool.poetry]\nname = \"api\"\n", "poetry.lock": "", "tests/conftest.py": "",
			},
			services: []stack.Service{{Name: "api", Dir: ".", Language: stack.Python, Version: "3.11", PackageManager: "poetry"}},
			want: map[string][]string{CIWorkflowPath: {"pipx install poetry", "cache: poetry",
				"poetry install --no-interaction", "poetry run pytest"}},
		},
		{
			name: "python-uv",
			files: map[string]string{
				"pyproject.toml": "[project]\nname = \"api\"\n[dependency-groups]\ndev = [\"pytest>=8\"]\n", "uv.lock": "version = 1\n",
			},
			services: []stack.Service{{Name: "api", Dir: ".", Language: stack.Python, Version: "3.12", PackageManager: "uv"}},
			want: map[string][]string{CIWorkflowPath: {"astral-sh/setup-uv@", "enable-cache: true", "cache-dependency-glob: uv.lock",
				`UV_PYTHON: "3.12"`, "uv sync --frozen", "uv run pytest"}},
			absent: map[string][]string{CIWorkflowPath: {"setup-python"}},
		},
		{
			name:     "rust",
			files:    map[string]string{"Cargo.toml": "[package]\nname = \"svc\"\nrust-version = \"1.78\"\n", "Cargo.lock": ""},
			services: []stack.Service{{Name: "svc", Dir: ".", Language: stack.Rust, Version: "1.78", PackageManager: "cargo"}},
			want: map[string][]string{CIWorkflowPath: {"rustup toolchain install 1.78 --profile minimal --component rustfmt,clippy",
				"rustup default 1.78", "Swatinem/rust-cache@", "cargo fmt --all --check",
				"cargo clippy --all-targets --locked -- -D warnings", "cargo test --locked"}},
		},
		{
			name:     "java-maven",
			files:    map[string]string{"pom.xml": "<project/>", "mvnw": "#!/bin/sh\n"},
			services: []stack.Service{{Name: "svc", Dir: ".", Language: stack.Java, Version: "21", PackageManager: "maven"}},
			want:     map[string][]string{CIWorkflowPath: {"distribution: temurin", `java-version: "21"`, "cache: maven", "./mvnw -B verify"}},
		},
		{
			name:     "java-gradle",
			files:    map[string]string{"build.gradle.kts": "", "gradlew": "#!/bin/sh\n"},
			services: []stack.Service{{Name: "svc", Dir: ".", Language: stack.Java, Version: "17", PackageManager: "gradle"}},
			want:     map[string][]string{CIWorkflowPath: {`java-version: "17"`, "cache: gradle", "./gradlew build"}},
		},
		{
			name: "node-yarn-berry",
			files: map[string]string{
				"package.json": `{"name":"web","packageManager":"yarn@4.5.0","scripts":{"lint":"eslint ."}}`,
				"yarn.lock":    "__metadata:\n", ".yarnrc.yml": "nodeLinker: node-modules\n",
			},
			services: []stack.Service{{Name: "web", Dir: ".", Language: stack.Node, PackageManager: "yarn"}},
			want:     map[string][]string{CIWorkflowPath: {"corepack enable", "yarn install --immutable", "yarn run lint"}},
			absent:   map[string][]string{CIWorkflowPath: {"cache: yarn", "--frozen-lockfile"}},
		},
		{
			name: "python-pip-conftest",
			files: map[string]string{
				"pyproject.toml": "[project]\nname = \"api\"\n", "conftest.py": "", ".python-version": "3.13\n",
			},
			services: []stack.Service{{Name: "api", Dir: ".", Language: stack.Python}},
			want: map[string][]string{CIWorkflowPath: {"python-version-file: .python-version", "python -m pip install .",
				"python -m pip install pytest", "python -m pytest"}},
		},
		{
			name: "rust-toolchain-file",
			files: map[string]string{
				"crates/svc/Cargo.toml": "[package]\nname = \"svc\"\n", "crates/svc/rust-toolchain.toml": "[toolchain]\nchannel = \"1.80\"\n",
			},
			services: []stack.Service{{Name: "svc", Dir: "crates/svc", Language: stack.Rust}},
			want: map[string][]string{CIWorkflowPath: {"rustup toolchain install\n", "workspaces: crates/svc -> target",
				"cargo test\n", "working-directory: crates/svc"}},
			absent: map[string][]string{CIWorkflowPath: {"--locked", "rustup default"}},
		},
		{
			name:     "java-gradle-subdir",
			files:    map[string]string{"services/worker/build.gradle": ""},
			services: []stack.Service{{Name: "worker", Dir: "services/worker", Language: stack.Java}},
			want: map[string][]string{CIWorkflowPath: {`java-version: "21"`, "cache-dependency-path: |",
				"services/worker/**/gradle-wrapper.properties", "gradle build"}},
		},
		{
			name: "monorepo",
			files: map[string]string{
				"services/api/go.mod":         "module example.com/api\n\ngo 1.23\n",
				"services/api/go.sum":         "",
				"services/web/package.json":   `{"name":"web","packageManager":"pnpm@9.12.0","scripts":{"build":"vite build"}}`,
				"services/web/pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
				"services/web/Dockerfile":     "FROM node:20\n",
			},
			services: []stack.Service{
				{Name: "web", Dir: "services/web", Language: stack.Node, PackageManager: "pnpm"},
				{Name: "api", Dir: "services/api", Language: stack.Go, Version: "1.23", PackageManager: "go"},
			},
			params: map[string]string{"workflows": "ci,image,dependabot"},
			deps: []*change.ChangeSet{{TaskID: "container", Files: []*change.File{
				{Path: "services/api/Dockerfile", Op: change.Add, Content: []byte("FROM golang:1.23\n")},
				{Path: "services/api/.dockerignore", Op: change.Add, Content: []byte(".git\n")},
			}}},
			want: map[string][]string{
				CIWorkflowPath: {"working-directory: services/api", "working-directory: services/web",
					"go-version-file: services/api/go.mod", "package_json_file: services/web/package.json",
					"cache-dependency-path: services/web/pnpm-lock.yaml", "pnpm run build"},
				ImageWorkflowPath: {"ghcr.io/${{ github.repository }}/api", "ghcr.io/${{ github.repository }}/web",
					"file: services/api/Dockerfile", "context: services/web", "packages: write",
					"password: ${{ secrets.GITHUB_TOKEN }}", "push: ${{ github.event_name != 'pull_request' }}",
					"tags: [v*]", "type=semver,pattern={{version}}"},
				DependabotPath: {"package-ecosystem: github-actions\n    directory: /\n",
					"package-ecosystem: gomod\n    directory: /services/api\n",
					"package-ecosystem: npm\n    directory: /services/web\n",
					"package-ecosystem: docker\n    directory: /services/api\n",
					"package-ecosystem: docker\n    directory: /services/web\n"},
			},
		},
		{
			// The tests run beside the database Compose gives the service:
			// the job gets it as a service container, without passwords.
			name: "test-needs-from-compose",
			files: map[string]string{
				"pyproject.toml": "[project]\nname = \"api\"\nrequires-python = \">=3.12\"\n", "uv.lock": "",
			},
			services: []stack.Service{{Name: "api", Dir: ".", Language: stack.Python, Version: "3.12", PackageManager: "uv",
				Test: "uv run pytest",
				TestNeeds: &stack.TestNeeds{Source: "compose.yaml",
					Services: []stack.TestService{{Kind: "postgres", Tag: "16-alpine", Env: []stack.EnvVar{{Name: "POSTGRES_DB", Default: "app"}}},
						{Kind: "redis"}},
					Env:      []stack.EnvVar{{Name: "DATABASE_URL", Default: "postgresql://app@localhost:5432/app"}, {Name: "REDIS_HOST", Default: "localhost"}},
					Withheld: []string{"SECRET_KEY"}}}},
			want: map[string][]string{CIWorkflowPath: {"services:", "image: postgres:16-alpine", "POSTGRES_DB: app",
				"POSTGRES_HOST_AUTH_METHOD: trust", "image: redis:7", "DATABASE_URL: postgresql://app@localhost:5432/app",
				"REDIS_HOST: localhost", "- 5432:5432", "uv run pytest"}},
			absent: map[string][]string{CIWorkflowPath: {"SECRET_KEY", "POSTGRES_PASSWORD"}},
		},
	}
}

func runCICD(t *testing.T, c ciCase) *change.ChangeSet {
	t.Helper()
	in := engine.WorkInput{
		Task:      engine.Task{ID: "ci", Mode: kit.CICDMode, Params: c.params},
		Repo:      &stack.Repo{Services: c.services},
		Workspace: kittest.CIMapFS(c.files),
		Deps:      c.deps,
	}
	cs, err := kittest.New().Work(context.Background(), in)
	if err != nil {
		t.Fatalf("%s: Work: %v", c.name, err)
	}
	return cs
}

func cicdMode(t *testing.T) *mode.Mode {
	t.Helper()
	reg, err := mode.Default()
	if err != nil {
		t.Fatalf("load the modes: %v", err)
	}
	m := reg.Get(kit.CICDMode)
	if m == nil {
		t.Fatalf("no %s mode", kit.CICDMode)
	}
	return m
}

func TestCICDStacks(t *testing.T) {
	m := cicdMode(t)
	for _, c := range ciCases() {
		t.Run(c.name, func(t *testing.T) {
			cs := runCICD(t, c)
			for p := range c.want {
				if cs.Get(p) == nil {
					t.Fatalf("no %s in the ChangeSet (have %v)", p, cs.Paths())
				}
			}
			for _, f := range cs.Files {
				content := string(f.Content)
				for _, s := range c.want[f.Path] {
					if !strings.Contains(content, s) {
						t.Errorf("%s lacks %q:\n%s", f.Path, s, content)
					}
				}
				for _, s := range c.absent[f.Path] {
					if strings.Contains(content, s) {
						t.Errorf("%s has %q, which it should not:\n%s", f.Path, s, content)
					}
				}
				if strings.HasPrefix(f.Path, ".github/workflows/") {
					kittest.CICheckWorkflow(t, f.Path, f.Content, m)
					continue
				}
				for _, g := range validate.CheckFile(f.Path, f.Content, validate.Options{Allowed: m.MayWrite, Owner: m.Slug}) {
					t.Errorf("gate: %s", g)
				}
				var v struct {
					Version int
					Updates []map[string]any
				}
				if err := yaml.Unmarshal(f.Content, &v); err != nil || v.Version != 2 || len(v.Updates) == 0 {
					t.Errorf("%s: not a Dependabot v2 config (%v):\n%s", f.Path, err, f.Content)
				}
			}
		})
	}
}

func TestCICDDeterministic(t *testing.T) {
	for _, c := range ciCases() {
		a, b := runCICD(t, c), runCICD(t, c)
		if a.Diff() != b.Diff() || strings.Join(a.Paths(), ",") != strings.Join(b.Paths(), ",") {
			t.Errorf("%s: two runs differ", c.name)
		}
		for _, f := range a.Files {
			if g := b.Get(f.Path); g == nil || !bytes.Equal(g.Content, f.Content) || g.Note != f.Note {
				t.Errorf("%s: %s differs between runs", c.name, f.Path)
			}
		}
	}
}

// BenchmarkCICDMonorepo measures one specialist run over the two-service
// monorepo (CI, image and Dependabot files).
func BenchmarkCICDMonorepo(b *testing.B) {
	cases := ciCases()
	c := cases[len(cases)-1]
	in := engine.WorkInput{
		Task:      engine.Task{ID: "ci", Mode: kit.CICDMode, Params: c.params},
		Repo:      &stack.Repo{Services: c.services},
		Workspace: kittest.CIMapFS(c.files),
		Deps:      c.deps,
	}
	for b.Loop() {
		if _, err := kittest.New().Work(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}
