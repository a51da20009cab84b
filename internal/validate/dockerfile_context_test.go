package validate

import (
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

// ctxCase is a small repository and the Dockerfile checked in it.
type ctxCase struct {
	name     string
	repo     map[string]string // the workspace
	set      map[string]string // files given to the gate (laid over the workspace)
	df       string            // the Dockerfile the short wants ("line rule") are on
	contexts map[string]string
	base     string
	infer    bool
	want     []string // "line rule" on df, or "path:line rule" on another Dockerfile of set; only the build-context rules
}

// contextRules are the rules that need the workspace.
var contextRules = map[string]bool{
	ruleDockerfileCopyMissing.ID: true, ruleDockerfileGoReplace.ID: true, ruleDockerfileCargoContext.ID: true,
	ruleDockerfileNodeWorkspace.ID: true, ruleDockerfileEntryMissing.ID: true, ruleDockerfileTagMissing.ID: true,
	ruleDockerfileCgo.ID: true, ruleDockerfilePythonContext.ID: true,
}

func runCtxCase(t *testing.T, tc ctxCase) []string {
	t.Helper()
	ws := fstest.MapFS{}
	for p, c := range tc.repo {
		ws[p] = &fstest.MapFile{Data: []byte(c)}
	}
	var files []File
	for p, c := range tc.set {
		files = append(files, File{Path: p, Content: []byte(c)})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	var got []string
	for _, f := range Check(files, Options{Workspace: ws, Contexts: tc.contexts, Base: tc.base, InferContexts: tc.infer}) {
		if contextRules[f.Rule] {
			got = append(got, f.Path+":"+itoa(f.Line)+" "+f.Rule)
		}
	}
	sort.Strings(got)
	return got
}

const goStages = "FROM golang:1.25-bookworm AS build\nWORKDIR /src\n"
const distroless = "FROM gcr.io/distroless/static-debian12:nonroot\nUSER 65532:65532\n"

func TestDockerfileContextRules(t *testing.T) {
	tests := []ctxCase{
		{
			name: "sources that need no context are skipped",
			set: map[string]string{"Dockerfile": goStages +
				"COPY --from=golang:1.25 /usr/local/go /go2\n" +
				"ADD --checksum=sha256:00 https://example.com/x.tgz /x\n" +
				"COPY <<EOF /etc/app.conf\nport=1\nEOF\n" +
				"COPY ${SRC} /src\n" +
				"RUN go build -o /out/app .\n" + distroless + "COPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n"},
			df: "Dockerfile",
		},
		{
			name: "an ignored directory is re-included by a ! pattern",
			repo: map[string]string{"web/dist/index.html": "x", "web/.dockerignore": "dist\n!dist/index.html\n.git\n.env\n"},
			set:  map[string]string{"web/Dockerfile": "FROM nginx:1.27\nCOPY dist/index.html /usr/share/nginx/html/\nCOPY dist/app.js /x/\nUSER 101\n"},
			df:   "web/Dockerfile",
			want: []string{"3 dockerfile-copy-missing"},
		},
		{
			name: "the Dockerfile's own ignore file wins over the context's",
			repo: map[string]string{"a.txt": "x", ".dockerignore": ".git\n", "Dockerfile.dockerignore": "a.txt\n"},
			set:  map[string]string{"Dockerfile": "FROM alpine:3.20\nCOPY a.txt /a\nUSER 1000\n"},
			df:   "Dockerfile",
			want: []string{"2 dockerfile-copy-missing"},
		},
		{
			name: "files of the change set count, and a generated .dockerignore applies",
			repo: map[string]string{"svc/main.go": "package main\n", "svc/secret.env": "X=1\n"},
			set: map[string]string{
				"svc/Dockerfile":    "FROM alpine:3.20\nCOPY main.go app.sh /src/\nCOPY secret.env /src/\nUSER 1000\n",
				"svc/app.sh":        "#!/bin/sh\n",
				"svc/.dockerignore": ".git\n.env\n*.env\n",
			},
			df:   "svc/Dockerfile",
			want: []string{"3 dockerfile-copy-missing"},
		},
		{
			name:     "a context passed for the Dockerfile",
			repo:     map[string]string{"go.mod": "module x\n\ngo 1.25\n", "libs/go.mod": "module y\n"},
			set:      map[string]string{"deploy/api.Dockerfile": goStages + "COPY go.mod ./\nCOPY libs ./libs\nCOPY missing ./\nRUN go build -o /out/a .\n"},
			df:       "deploy/api.Dockerfile",
			contexts: map[string]string{"deploy/api.Dockerfile": "."},
			want:     []string{"5 dockerfile-copy-missing"},
		},
		{
			name: "a Compose file at the root builds the service from the root",
			repo: map[string]string{
				"compose.yaml":        "services:\n  api:\n    build:\n      context: .\n      dockerfile: services/api/Dockerfile\n  web:\n    build: ./web\n",
				"libs/go.mod":         "module libs\n",
				"services/api/go.mod": "module api\n\ngo 1.25\n\nreplace libs => ../../libs\n",
				"web/index.html":      "x",
			},
			set: map[string]string{
				"services/api/Dockerfile": goStages + "COPY libs/ ./libs/\nCOPY services/api/ ./services/api/\nRUN go build -o /out/a ./services/api\n",
				"web/Dockerfile":          "FROM nginx:1.27\nCOPY index.html /usr/share/nginx/html/\nUSER 101\n",
			},
			df: "services/api/Dockerfile",
		},
		{
			name: "a workflow builds the same Dockerfile from its own directory: both contexts are checked",
			repo: map[string]string{
				"docker-compose.yml":  "services:\n  api:\n    build:\n      context: .\n      dockerfile: services/api/Dockerfile\n",
				"libs/go.mod":         "module libs\n",
				"services/api/go.mod": "module api\n\ngo 1.25\n",
				".github/workflows/image.yml": "on: push\njobs:\n  image:\n    runs-on: ubuntu-latest\n    steps:\n" +
					"      - uses: docker/build-push-action@v6\n        with:\n          context: services/api\n          file: services/api/Dockerfile\n          push: true\n" +
					"      - run: docker build -f tools/Dockerfile -t tools:dev tools\n",
			},
			set: map[string]string{
				"services/api/Dockerfile": goStages + "COPY libs/ ./libs/\nCOPY services/api/ ./services/api/\nRUN go build -o /out/a ./services/api\n",
				"tools/Dockerfile":        "FROM alpine:3.20\nCOPY run.sh /\nUSER 1000\n",
				"tools/run.sh":            "#!/bin/sh\n",
			},
			df:   "services/api/Dockerfile",
			want: []string{"3 dockerfile-copy-missing", "4 dockerfile-copy-missing"},
		},
		{
			name: "a comment in the Dockerfile names the root as its context",
			repo: map[string]string{"libs/go.mod": "module libs\n", "services/api/go.mod": "module api\n\ngo 1.25\n\nreplace libs => ../../libs\n"},
			set: map[string]string{
				"services/api/Dockerfile": "# Build from the repository root: docker build -f services/api/Dockerfile .\n" + goStages +
					"COPY libs/ ./libs/\nCOPY services/api/ ./services/api/\nRUN go build -o /out/a ./services/api\n",
				// A usage comment without -f, or naming another file, declares nothing.
				"web/Dockerfile":   "# docker build -t web .\nFROM alpine:3.20\nCOPY web.conf /etc/\nUSER 1000\n",
				"web/web.conf":     "x\n",
				"other/Dockerfile": "# docker build -f web/Dockerfile .\nFROM alpine:3.20\nCOPY other.conf /etc/\nUSER 1000\n",
				"other/other.conf": "x\n",
			},
			df: "services/api/Dockerfile",
		},
		{
			name: "inferred: sources that exist only from the root make the root the context",
			repo: map[string]string{"libs/go.mod": "module libs\n", "services/api/go.mod": "module api\n\ngo 1.25\n\nreplace libs => ../../libs\n", "web/a.conf": "x"},
			set: map[string]string{
				"services/api/Dockerfile": goStages + "COPY libs/ ./libs/\nCOPY services/api/ ./services/api/\nRUN go build -o /out/a ./services/api\n",
				// No directory holds b.conf: checked in its own directory.
				"web/Dockerfile": "FROM alpine:3.20\nCOPY a.conf b.conf /etc/\nUSER 1000\n",
			},
			infer: true,
			df:    "services/api/Dockerfile",
			want:  []string{"web/Dockerfile:2 dockerfile-copy-missing"},
		},
		{
			name: "not inferred: the same Dockerfile is checked in its own directory",
			repo: map[string]string{"libs/go.mod": "module libs\n", "services/api/go.mod": "module api\n\ngo 1.25\n"},
			set:  map[string]string{"services/api/Dockerfile": goStages + "COPY libs/ ./libs/\nCOPY services/api/ ./services/api/\nRUN go build -o /out/a ./services/api\n"},
			df:   "services/api/Dockerfile",
			want: []string{"3 dockerfile-copy-missing", "4 dockerfile-copy-missing"},
		},
		{
			name: "a Makefile, package.json scripts and a workflow working-directory declare contexts",
			repo: map[string]string{
				"Makefile":     "image:\n\tdocker build -t api:dev \\\n\t  -f services/api/Dockerfile .\n",
				"package.json": `{"scripts": {"docker:base": "docker buildx build -f docker/base.dockerfile --platform linux/amd64 -t base . --push"}}`,
				"extra/x.mjs":  "x",
				".github/workflows/web.yml": "on: push\njobs:\n  web:\n    runs-on: ubuntu-latest\n    defaults:\n      run:\n        working-directory: apps\n    steps:\n" +
					"      - run: docker build -f web/Dockerfile -t web .\n",
				"libs/go.mod":         "module libs\n",
				"services/api/go.mod": "module api\n\ngo 1.25\n",
				"apps/shared.conf":    "x",
			},
			set: map[string]string{
				"services/api/Dockerfile": goStages + "COPY libs/ ./libs/\nCOPY services/api/ ./services/api/\nRUN go build -o /out/a ./services/api\n",
				"apps/web/Dockerfile":     "FROM alpine:3.20\nCOPY shared.conf /etc/\nUSER 1000\n",
				"docker/base.dockerfile":  "FROM alpine:3.20\nCOPY ./extra/x.mjs /x.mjs\nUSER 1000\n",
			},
			df: "services/api/Dockerfile",
		},
		{
			name: "RUN bind mounts read the context: a missing source, and a go.mod mounted rather than copied",
			repo: map[string]string{"svc/go.mod": "module x\n\ngo 1.25\n\nreplace y => ../y\n"},
			set: map[string]string{"svc/Dockerfile": goStages +
				"RUN --mount=type=cache,target=/go/pkg/mod --mount=type=bind,source=go.sum,target=go.sum --mount=type=bind,source=go.mod,target=go.mod go mod download\n" +
				"RUN --mount=type=bind,from=build,source=/src,target=/x --mount=type=bind,target=. go build -o /out/a .\n"},
			df:   "svc/Dockerfile",
			want: []string{"3 dockerfile-copy-missing", "3 dockerfile-context-go-replace"},
		},
		{
			name: "a missing source a .gitignore matches is a build output",
			repo: map[string]string{".gitignore": "/whoami\ndist/\n", "push/.gitignore": "build/*\n"},
			set: map[string]string{
				"Dockerfile":      "FROM scratch\nCOPY whoami /\nCOPY dist/app.js /srv/\nCOPY docs/ /docs/\nUSER 1000\nENTRYPOINT [\"/whoami\"]\n",
				"push/Dockerfile": "FROM alpine:3.20\nCOPY ./build/ ./build/\nUSER 1000\n",
			},
			df:   "Dockerfile",
			want: []string{"4 dockerfile-copy-missing"},
		},
		{
			name: "entrypoint: a binary copied into the working directory",
			set: map[string]string{"Dockerfile": goStages + "RUN go build -o /src/app .\nFROM scratch\nCOPY --from=build /src/app .\nUSER 1000\nENTRYPOINT [\"/app\"]\n",
				"sub.Dockerfile": goStages + "RUN go build -o /src/app .\nFROM scratch\nWORKDIR /srv\nCOPY --from=build /src/app .\nUSER 1000\nENTRYPOINT [\"/app\"]\n"},
			df:   "Dockerfile",
			want: []string{"sub.Dockerfile:8 dockerfile-entrypoint-missing"},
		},
		{
			name: "paths under a base directory",
			repo: map[string]string{"repo/svc/go.mod": "module x\n\ngo 1.25\n\nreplace y => ../../outside\n"},
			set:  map[string]string{"svc/Dockerfile": goStages + "COPY go.mod ./\nRUN go mod download\n"},
			df:   "svc/Dockerfile",
			base: "repo",
			want: []string{"3 dockerfile-context-go-replace"},
		},
		{
			name: "replaces inside the context or by version are fine",
			repo: map[string]string{"go.mod": "module x\n\ngo 1.25\n\nreplace (\n\ty => ./libs/y\n\tz => example.com/z v1.2.3\n)\n", "libs/y/go.mod": "module y\n"},
			set:  map[string]string{"Dockerfile": goStages + "COPY . .\nRUN go build -o /out/a .\n"},
			df:   "Dockerfile",
		},
		{
			name: "no Go tool, no go.mod check",
			repo: map[string]string{"svc/go.mod": "module x\n\nreplace y => ../y\n"},
			set:  map[string]string{"svc/Dockerfile": "FROM alpine:3.20\nCOPY go.mod /x\nUSER 1000\n"},
			df:   "svc/Dockerfile",
		},
		{
			name: "a named build context may bring the replaced module",
			repo: map[string]string{"svc/go.mod": "module x\n\nreplace y => ../y\n"},
			set:  map[string]string{"svc/Dockerfile": goStages + "COPY --from=libs . /y\nCOPY go.mod ./\nRUN go build .\n"},
			df:   "svc/Dockerfile",
		},
		{
			name: "cgo: ARG default, inherited ENV, inline override, indirect",
			repo: map[string]string{
				"a/go.mod": "module a\n\ngo 1.25\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n",
				"b/go.mod": "module b\n\ngo 1.25\n\nrequire github.com/confluentinc/confluent-kafka-go/v2 v2.5.0\n",
				"c/go.mod": "module c\n\ngo 1.25\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n",
				"d/go.mod": "module d\n\ngo 1.25\n\nrequire github.com/mattn/go-sqlite3 v1.14.22 // indirect\n",
			},
			set: map[string]string{
				"a/Dockerfile": goStages + "ARG CGO_ENABLED=0\nCOPY . .\nRUN go build -o /out/a .\n",
				"b/Dockerfile": "FROM golang:1.25-bookworm AS base\nENV CGO_ENABLED=0\nFROM base AS build\nCOPY . .\nRUN go build -o /out/b .\n",
				"c/Dockerfile": goStages + "ENV CGO_ENABLED=0\nCOPY . .\nRUN CGO_ENABLED=1 go build -o /out/c .\n",
				"d/Dockerfile": goStages + "COPY . .\nRUN CGO_ENABLED=0 go build -o /out/d .\n",
			},
			df: "a/Dockerfile", want: []string{"3 dockerfile-cgo-disabled", "b/Dockerfile:2 dockerfile-cgo-disabled"},
		},
		{
			name: "cargo: an excluded crate and a crate that is its own workspace",
			repo: map[string]string{
				"Cargo.toml":              "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/tool\"]\n",
				"Cargo.lock":              "version = 4\n",
				"crates/tool/Cargo.toml":  "[package]\nname = \"tool\"\n\n[workspace]\n\n[dependencies]\nlocal = { path = \"vendor/local\" }\n",
				"crates/tool/vendor/x.rs": "",
			},
			set: map[string]string{"crates/tool/Dockerfile": "FROM rust:1.90-bookworm AS build\nCOPY . .\nRUN cargo build --release\n" + distroless},
			df:  "crates/tool/Dockerfile",
		},
		{
			name: "cargo: target-specific path dependency outside",
			repo: map[string]string{"a/Cargo.toml": "[package]\nname = \"a\"\n\n[target.'cfg(unix)'.dependencies]\nsys = { path = \"../sys\" }\n"},
			set:  map[string]string{"a/Dockerfile": "FROM rust:1.90-bookworm AS build\nCOPY . .\nRUN cargo build --release\n" + distroless},
			df:   "a/Dockerfile",
			want: []string{"2 dockerfile-context-cargo"},
		},
		{
			name: "node: pnpm workspace above; a lockfile of the package's own is fine",
			repo: map[string]string{
				"pnpm-workspace.yaml":         "packages:\n  - 'apps/**'\n  - '!apps/legacy'\n",
				"pnpm-lock.yaml":              "lockfileVersion: '9.0'\n",
				"apps/web/package.json":       "{\"name\":\"web\"}",
				"apps/own/package.json":       "{\"name\":\"own\"}",
				"apps/own/package-lock.json":  "{}",
				"apps/legacy/package.json":    "{\"name\":\"legacy\"}",
				"apps/deep/x/y/package.json":  "{\"name\":\"deep\"}",
				"apps/deep/x/y/.dockerignore": ".git\n",
			},
			set: map[string]string{
				"apps/web/Dockerfile":      "FROM node:22-bookworm-slim\nCOPY package.json ./\nRUN pnpm install --frozen-lockfile\nUSER node\n",
				"apps/own/Dockerfile":      "FROM node:22-bookworm-slim\nCOPY package*.json ./\nRUN npm ci\nUSER node\n",
				"apps/legacy/Dockerfile":   "FROM node:22-bookworm-slim\nCOPY package.json ./\nRUN npm install\nUSER node\n",
				"apps/deep/x/y/Dockerfile": "FROM node:22-bookworm-slim\nCOPY . .\nRUN pnpm i\nUSER node\n",
			},
			df:   "apps/web/Dockerfile",
			want: []string{"2 dockerfile-context-node-workspace", "apps/deep/x/y/Dockerfile:2 dockerfile-context-node-workspace"},
		},
		{
			name: "node: a workspace matched by ** deeper down",
			repo: map[string]string{
				"package.json":               "{\"workspaces\":{\"packages\":[\"apps/**\"]}}",
				"bun.lock":                   "{}",
				"apps/deep/x/y/package.json": "{\"name\":\"deep\"}",
			},
			set: map[string]string{"apps/deep/x/y/Dockerfile": "FROM node:22-bookworm-slim\nCOPY . .\nRUN bun install\nUSER node\n"},
			df:  "apps/deep/x/y/Dockerfile", want: []string{"2 dockerfile-context-node-workspace"},
		},
		{
			name: "python: a uv workspace member, a poetry path dependency, an excluded member",
			repo: map[string]string{
				"pyproject.toml":                 "[project]\nname = \"root\"\n\n[tool.uv.workspace]\nmembers = [\"packages/*\"]\nexclude = [\"packages/legacy\"]\n",
				"uv.lock":                        "version = 1\n",
				"packages/api/pyproject.toml":    "[project]\nname = \"api\"\n\n[tool.uv.sources]\ncore = { workspace = true }\n",
				"packages/legacy/pyproject.toml": "[tool.poetry]\nname = \"legacy\"\n\n[tool.poetry.dependencies]\nshared = { path = \"../../shared\", develop = true }\n",
				"packages/own/pyproject.toml":    "[project]\nname = \"own\"\n\n[tool.uv.workspace]\nmembers = []\n",
			},
			set: map[string]string{
				"packages/api/Dockerfile":    "FROM python:3.13-slim-bookworm\nCOPY pyproject.toml ./\nRUN uv sync --frozen\nUSER 1000\n",
				"packages/legacy/Dockerfile": "FROM python:3.13-slim-bookworm\nCOPY . .\nRUN poetry install\nUSER 1000\n",
				"packages/own/Dockerfile":    "FROM python:3.13-slim-bookworm\nCOPY . .\nRUN uv sync\nUSER 1000\n",
			},
			df:   "packages/api/Dockerfile",
			want: []string{"2 dockerfile-context-python", "packages/legacy/Dockerfile:2 dockerfile-context-python"},
		},
		{
			name: "entrypoint: go build -o names a file, so COPY into a directory writes dir/name",
			set: map[string]string{"Dockerfile": goStages + "RUN go build -o /out/api ./cmd/api\n" + distroless +
				"COPY --from=build /out/api /app/\nENTRYPOINT [\"/app/server\"]\n"},
			df: "Dockerfile", want: []string{"7 dockerfile-entrypoint-missing"},
		},
		{
			name: "entrypoint: silent where the path may exist",
			repo: map[string]string{"app.jar": "x"},
			set: map[string]string{
				"Dockerfile": goStages + "RUN go build -o /out/ ./...\n" + distroless + "COPY --from=build /out/ /app/\nENTRYPOINT [\"/app/server\"]\n",
				"run.Dockerfile": goStages + "RUN go build -o /out/api .\nFROM alpine:3.20\nRUN apk add --no-cache tini=0.19.0-r3\n" +
					"COPY --from=build /out/api /app/api\nUSER 1000\nCMD [\"/app/server\"]\n",
				"stage.Dockerfile": goStages + "RUN go build -o /out/api .\nFROM build\nUSER 1000\nCMD [\"/app/server\"]\n",
				"java.Dockerfile":  "FROM gcr.io/distroless/java21-debian12:nonroot\nCOPY app.jar /app/app.jar\nCMD [\"/app/app.jar\"]\n",
				"sys.Dockerfile":   distroless + "ENTRYPOINT [\"/usr/bin/env\"]\n",
				"node.Dockerfile":  "FROM gcr.io/distroless/nodejs22-debian12:nonroot\nENTRYPOINT [\"/nodejs/bin/node\", \"/app/main.js\"]\n",
				"debug.Dockerfile": "FROM gcr.io/distroless/static-debian12:debug\nENTRYPOINT [\"/busybox/sh\"]\n",
			},
			df: "Dockerfile",
		},
		{
			name: "entrypoint: CMD of a plain OS image, relative paths skipped",
			set: map[string]string{"Dockerfile": goStages + "RUN go build -o /out/api .\nFROM debian:bookworm-slim\n" +
				"COPY --from=build /out/api /srv/api\nUSER 1000\nCMD [\"/opt/app/api\"]\n"},
			df: "Dockerfile",
		},
		{
			name: "entrypoint: scratch with nothing copied",
			set:  map[string]string{"Dockerfile": "FROM scratch\nUSER 65532\nENTRYPOINT [\"/usr/local/bin/app\"]\n"},
			df:   "Dockerfile", want: []string{"3 dockerfile-entrypoint-missing"},
		},
		{
			name: "tags: through an ARG, by digest, and a floating major",
			set: map[string]string{"Dockerfile": "ARG GO=1.18\nFROM golang:${GO}-bookworm AS a\nFROM golang:1.15-bookworm@sha256:abcd AS b\n" +
				"FROM golang:1-bookworm AS c\nFROM node:19-bookworm-slim\nUSER node\n"},
			df: "Dockerfile", want: []string{"2 dockerfile-base-tag-missing", "5 dockerfile-base-tag-missing"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runCtxCase(t, tc)
			var want []string
			for _, w := range tc.want {
				if !strings.Contains(w, ":") {
					w = tc.df + ":" + w
				}
				want = append(want, w)
			}
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// Without a workspace none of the build-context rules run.
func TestDockerfileContextNeedsWorkspace(t *testing.T) {
	df := []byte("FROM golang:1.15-bookworm AS build\nCOPY missing ./\nRUN go build -o /out/a .\n" + distroless + "ENTRYPOINT [\"/app/x\"]\n")
	for _, f := range Check([]File{{Path: "Dockerfile", Content: df}}, Options{}) {
		if contextRules[f.Rule] {
			t.Errorf("without a workspace: %v", f)
		}
	}
	n := 0
	for _, f := range CheckFile("Dockerfile", df, Options{Workspace: fstest.MapFS{}}) {
		if contextRules[f.Rule] {
			n++
		}
	}
	if n != 3 {
		t.Errorf("CheckFile with a workspace: %d context findings, want 3 (tag, copy, entrypoint)", n)
	}
}

func TestRelSlashAndWorkspaceGlob(t *testing.T) {
	for _, tc := range [][3]string{{".", "a/b", "a/b"}, {"a/b", "a/b", "."}, {"a/b", "a/b/c", "c"}, {"a/b", "a/x", "../x"}, {"a/b", "c", "../../c"}} {
		if got := relSlash(tc[0], tc[1]); got != tc[2] {
			t.Errorf("relSlash(%q, %q) = %q, want %q", tc[0], tc[1], got, tc[2])
		}
	}
	for _, tc := range []struct {
		pattern, rel string
		want         bool
	}{{"apps/*", "apps/web", true}, {"apps/*", "apps/web/x", false}, {"apps/**", "apps/web/x", true}, {"./packages/a", "packages/a", true}, {"packages/a?", "packages/ab", true}} {
		if got := workspaceGlob(tc.pattern).MatchString(tc.rel); got != tc.want {
			t.Errorf("workspaceGlob(%q) on %q = %v", tc.pattern, tc.rel, got)
		}
	}
}

func TestParseDockerBuild(t *testing.T) {
	for _, tc := range []struct{ args, df, ctx string }{
		{"-f services/api/Dockerfile -t api:dev .", "services/api/Dockerfile", "."},
		{"--file=x.Dockerfile --build-arg A=1 sub", "x.Dockerfile", "sub"},
		{"-t api .", "Dockerfile", "."},
		{"-t api:${{ github.sha }} .", "Dockerfile", "."},
		{"-f - .", "", ""},
		{"-t api $DIR", "", ""},
		{"-t api", "", ""},
	} {
		df, ctx, ok := parseDockerBuild(tc.args)
		if ok != (tc.df != "") || df != tc.df || ctx != tc.ctx {
			t.Errorf("parseDockerBuild(%q) = %q, %q, %v; want %q, %q", tc.args, df, ctx, ok, tc.df, tc.ctx)
		}
	}
}

// FuzzDockerfileContext runs the build-context rules over any Dockerfile,
// .dockerignore, go.mod, Cargo.toml, package.json and Compose file in a
// small repository: findings, never a panic (checkFileKind would turn a
// panic into a checker-failed finding, so the checker is called directly).
func FuzzDockerfileContext(f *testing.F) {
	f.Add([]byte("FROM golang:1.15-bookworm AS b\nCOPY go.mod *.go ./\nENV CGO_ENABLED=0\nRUN go build -o /o/a\nFROM scratch\nCOPY --from=b /o/a /a/\nENTRYPOINT [\"/a/x\"]\n"),
		[]byte("!x\n**\n"), []byte("module m\nreplace x => ../x\nrequire github.com/mattn/go-sqlite3 v1.0.0\n"),
		[]byte("[workspace]\nmembers=[\"*\"]\n[dependencies]\na={path=\"../a\"}\n"), []byte(`{"workspaces":{"packages":["**"]}}`),
		[]byte("services:\n  a:\n    build: {context: .., dockerfile: x}\n"))
	f.Fuzz(func(t *testing.T, df, ignore, gomod, cargo, pkg, compose []byte) {
		ws := fstest.MapFS{
			"Cargo.toml": {Data: cargo}, "package.json": {Data: pkg}, "yarn.lock": {Data: []byte("x")},
			"svc/.dockerignore": {Data: ignore}, "svc/go.mod": {Data: gomod}, "svc/Cargo.toml": {Data: cargo},
			"svc/package.json": {Data: pkg}, "compose.yaml": {Data: compose}, "svc/main.go": {Data: []byte("package main")},
		}
		opts := withRepository(Options{Workspace: ws}, []File{{Path: "svc/Dockerfile", Content: df}})
		checkDockerfileContext("svc/Dockerfile", df, opts)
	})
}
