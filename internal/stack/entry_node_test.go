package stack

import "testing"

// TestNodeUnits covers Node layouts: NestJS, a bun TypeScript GitHub
// Action, Express in TypeScript compiled by tsc, a docs site with its own
// package.json, a library, a CLI, a Vite front-end and a queue worker.
func TestNodeUnits(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []unitWant
		test  string // the expected Test command, when set
	}{
		{
			name: "nestjs on yarn",
			files: map[string]string{
				"package.json":  `{"name":"orders","scripts":{"build":"nest build","start":"nest start","start:dev":"nest start --watch"},"dependencies":{"@nestjs/core":"10","@nestjs/common":"10"},"devDependencies":{"@nestjs/cli":"10"}}`,
				"yarn.lock":     "",
				"nest-cli.json": `{"sourceRoot":"src"}`,
				"tsconfig.json": "{\n  // comments are allowed\n  \"compilerOptions\": {\"outDir\": \"./dist\"}\n}\n",
				"src/main.ts":   "const app = await NestFactory.create(AppModule);\nawait app.listen(process.env.PORT ?? 4141);\n",
			},
			want: []unitWant{{dir: ".", kind: KindService, kindReason: "listen call in src/main.ts",
				entry: "dist/main.js", entryWhy: "nest build compiles src/main.ts to dist/main.js", start: "node dist/main.js"}},
		},
		{
			name: "nest with start:prod",
			files: map[string]string{
				"package.json": `{"name":"api","scripts":{"build":"nest build","start":"nest start","start:prod":"node dist/main"},"dependencies":{"@nestjs/core":"10"}}`,
			},
			want: []unitWant{{dir: ".", kind: KindService, kindReason: "@nestjs/core",
				entry: "dist/main.js", entryWhy: "the start:prod script runs dist/main.js", start: "node dist/main.js"}},
		},
		{
			name: "bun typescript github action",
			files: map[string]string{
				"package.json": `{"name":"setup-thing","main":"dist/index.js","scripts":{"build":"bun build src/index.ts --outdir dist","test":"bun test"},"dependencies":{"@actions/core":"1"}}`,
				"bun.lock":     "{}",
				"action.yml":   "name: Setup thing\nruns:\n  using: node20\n  main: dist/index.js\n",
				"src/index.ts": "import * as core from '@actions/core'\n",
			},
			want: []unitWant{{dir: ".", kind: KindAction, kindReason: "action.yml in the directory",
				entry: "dist/index.js", entryWhy: "runs.main of action.yml"}},
			test: "bun test",
		},
		{
			name: "action at the root running a package",
			files: map[string]string{
				"action.yaml":                  "name: x\nruns:\n  using: 'node20'\n  main: 'packages/action/dist/index.js'\n",
				"packages/action/package.json": `{"name":"a","main":"dist/index.js","scripts":{"build":"ncc build"}}`,
				"packages/util/package.json":   `{"name":"u","main":"index.js"}`,
			},
			want: []unitWant{
				{dir: "packages/action", kind: KindAction, kindReason: "action.yaml at the root runs packages/action/dist/index.js",
					entry: "dist/index.js", entryWhy: "package.json main"},
				{dir: "packages/util", kind: KindLibrary, kindReason: "package.json main or exports", entry: "index.js", entryWhy: "package.json main"},
			},
		},
		{
			name: "express in typescript compiled by tsc",
			files: map[string]string{
				"package.json":   `{"name":"svc","scripts":{"build":"tsc -p .","start":"ts-node src/index.ts"},"dependencies":{"express":"4"}}`,
				"pnpm-lock.yaml": "",
				"tsconfig.json":  `{"compilerOptions":{"outDir":"build","rootDir":"src"}}`,
				"src/index.ts":   "app.listen(9966)\n",
			},
			want: []unitWant{{dir: ".", kind: KindService, kindReason: "listen call in src/index.ts",
				entry: "build/index.js", entryWhy: "compiles it to build/index.js (outDir in tsconfig.json)", start: "node build/index.js"}},
		},
		{
			name: "docs site with its own package.json",
			files: map[string]string{
				"go.mod":               "module example.com/tool\n\ngo 1.22\n",
				"main.go":              "package main\n\nimport \"flag\"\n\nfunc main() { flag.Parse() }\n",
				"docs/package.json":    `{"name":"docs","scripts":{"start":"docusaurus start","build":"docusaurus build"},"dependencies":{"@docusaurus/core":"3"}}`,
				"site/package.json":    `{"name":"site","scripts":{"build":"eleventy"}}`,
				"blog/package.json":    `{"name":"blog","scripts":{"build":"hugo --minify"},"devDependencies":{"tailwindcss":"3"}}`,
				"blog/hugo.toml":       "baseURL = 'https://example.org/'\n",
				"guide/pyproject.toml": "[project]\nname = \"guide\"\ndependencies = [\"mkdocs-material\"]\n",
				"guide/mkdocs.yml":     "site_name: Guide\n",
			},
			want: []unitWant{
				{dir: ".", kind: KindCLI, kindReason: "imports flag in main.go", entry: ".", entryWhy: "root package", start: "go run ."},
				{dir: "docs", kind: KindSite, kindReason: "depends on @docusaurus/core", entryWhy: "the start script", start: "npm start"},
				{dir: "site", kind: KindSite, kindReason: "a package.json in site/"},
				{dir: "blog", kind: KindSite, kindReason: "hugo.toml in the directory"},
				{dir: "guide", kind: KindSite, kindReason: "depends on mkdocs-material: a docs site"},
			},
		},
		{
			name: "cli with bin",
			files: map[string]string{
				"package.json": `{"name":"@acme/lint-things","bin":{"lint-things":"bin/cli.js","lt":"bin/cli.js"},"dependencies":{"commander":"12"}}`,
			},
			want: []unitWant{{dir: ".", kind: KindCLI, kindReason: "package.json bin lint-things",
				entry: "bin/cli.js", entryWhy: "package.json bin lint-things (of 2)", start: "npx lint-things"}},
		},
		{
			name: "vite front-end",
			files: map[string]string{
				"package.json": `{"name":"web","scripts":{"dev":"vite","build":"vite build"},"devDependencies":{"vite":"5"},"dependencies":{"react":"18"}}`,
			},
			want: []unitWant{{dir: ".", kind: KindSite, kindReason: "a vite front-end with no server"}},
		},
		{
			name: "bullmq worker",
			files: map[string]string{
				"package.json": `{"name":"jobs","scripts":{"start":"node worker.js"},"dependencies":{"bullmq":"5"}}`,
				"worker.js":    "new Worker('q', async job => {})\n",
			},
			want: []unitWant{{dir: ".", kind: KindWorker, kindReason: "depends on bullmq",
				entry: "worker.js", entryWhy: "the start script runs worker.js", start: "npm start"}},
		},
		{
			name: "a preview port in a dev script does not make a service",
			files: map[string]string{
				"packages/emails/package.json": `{"name":"emails","scripts":{"dev":"email dev --port 3333","build":"email build"}}`,
				"doc/requirements.txt":         "sphinx\nsphinx-copybutton\nmyst-nb\n",
				"docs/snippets/go.mod":         "module snippets\n",
				"docs/snippets/main.go":        "package main\n\nfunc main() { http.ListenAndServe(\":80\", nil) }\n",
			},
			want: []unitWant{
				{dir: "packages/emails", kind: KindLibrary, kindReason: "nothing to run found"},
				{dir: "doc", kind: KindSite, kindReason: "depends on sphinx: a docs site"},
				{dir: "docs/snippets", kind: KindExample, kindReason: "under docs/: examples and docs are not deployed",
					entry: ".", entryWhy: "root package", start: "go run ."},
			},
		},
		{
			name: "procfile worker",
			files: map[string]string{
				"package.json": `{"name":"mailer","scripts":{"start":"node index.js"},"dependencies":{"nodemailer":"6"}}`,
				"Procfile":     "worker: node index.js\n",
			},
			want: []unitWant{{dir: ".", kind: KindWorker, kindReason: "the Procfile's worker process (node index.js)",
				entry: "index.js", entryWhy: "the start script runs index.js", start: "npm start"}},
		},
		{
			name: "node app in a rails project is its assets",
			files: map[string]string{
				"Gemfile":      "source 'https://rubygems.org'\ngem 'rails'\n",
				"package.json": `{"name":"app","private":true,"scripts":{"build":"esbuild app/javascript/*.* --bundle"}}`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := mustDetect(t, tt.files, Options{})
			if tt.want == nil && len(repo.Services) != 0 {
				t.Errorf("want no services, got %s", dump(repo.Services))
			}
			for _, w := range tt.want {
				checkUnit(t, repo, w)
			}
			if tt.test != "" {
				if s := repo.Service("."); s == nil || s.Test != tt.test {
					t.Errorf("test command: %s, want %q", dump(s), tt.test)
				}
			}
		})
	}
}

func TestInstallCommand(t *testing.T) {
	tests := []struct {
		files map[string]string
		want  string
	}{
		{map[string]string{"package.json": `{"name":"a"}`, "bun.lock": "{}"}, "bun install --frozen-lockfile"},
		{map[string]string{"package.json": `{"name":"a"}`, "bun.lockb": ""}, "bun install --frozen-lockfile"},
		{map[string]string{"package.json": `{"name":"a"}`, "package-lock.json": "{}"}, "npm ci"},
		{map[string]string{"package.json": `{"name":"a"}`}, "npm install"},
		{map[string]string{"pyproject.toml": "[project]\nname='a'\n", "uv.lock": ""}, "uv sync --frozen"},
		{map[string]string{"requirements.txt": "flask\n"}, "pip install -r requirements.txt"},
		{map[string]string{"go.mod": "module a\n"}, ""},
	}
	for _, tt := range tests {
		repo := mustDetect(t, tt.files, Options{})
		if len(repo.Services) != 1 {
			t.Fatalf("want one unit: %s", dump(repo))
		}
		if got := repo.Services[0].InstallCommand(); got != tt.want {
			t.Errorf("%v: install %q, want %q", tt.files, got, tt.want)
		}
	}
}
