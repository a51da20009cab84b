package container

import (
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// goMigrateDockerfile is shaped like a real service's: a build stage that
// also installs a migration tool, a Debian runtime with extra packages, a
// migration step in the entrypoint, and no USER.
const goMigrateDockerfile = `# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/server ./cmd/server
RUN go install github.com/pressly/goose/v3/cmd/goose@v3.20.0

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates=20230311 postgresql-client=15+248 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/server /usr/local/bin/server
COPY --from=build /go/bin/goose /usr/local/bin/goose
COPY migrations /migrations
EXPOSE 8080
# run the migrations, then serve
ENTRYPOINT ["/bin/sh", "-c", "goose -dir /migrations postgres \"$DATABASE_URL\" up && exec server"]
`

func TestPatchDockerfile(t *testing.T) {
	tbl, err := kit.LoadImages()
	if err != nil {
		t.Fatal(err)
	}
	goSvc := &stack.Service{Name: "api", Dir: ".", Language: stack.Go, Version: "1.22"}
	nodeSvc := &stack.Service{Name: "web", Dir: ".", Language: stack.Node, Version: ">=20.11"}
	pySvc := &stack.Service{Name: "app", Dir: ".", Language: stack.Python}
	tests := []struct {
		name string
		svc  *stack.Service
		in   string
		// added are the lines the patch adds, changed maps an original
		// line to what it becomes; every other line must stay as it was.
		added   []string
		changed map[string]string
		left    []string // rule ids named as not changed
		edits   []string // substrings of the edit notes
	}{
		{name: "multi-stage with a migration step", svc: goSvc, in: goMigrateDockerfile,
			added: []string{"USER 65532:65532"}, edits: []string{"USER 65532:65532", "after the last RUN"}},
		{name: "node latest, shell CMD", svc: nodeSvc,
			in:      "FROM node:latest\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nEXPOSE 3000\nCMD npm start\n",
			added:   []string{"USER node"},
			changed: map[string]string{"FROM node:latest": "FROM node:20-bookworm", "CMD npm start": `CMD ["npm", "start"]`},
			edits:   []string{"pinned to node:20-bookworm", "without -slim", "exec form"}},
		{name: "untagged python with its own user", svc: pySvc,
			in:      "FROM python\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nRUN useradd --create-home --uid 10001 app\nCOPY . .\nCMD [\"python\", \"-m\", \"app\"]\n",
			added:   []string{"USER app"},
			changed: map[string]string{"FROM python": "FROM python:3.13-bookworm"},
			edits:   []string{"images.yaml default", "the user the RUN on line 5 creates"}},
		{name: "ARG-based FROM is left, the final alpine too", svc: goSvc,
			in:    "ARG GO_VERSION\nFROM golang:${GO_VERSION} AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\n\nFROM alpine\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n",
			added: []string{"USER 65532:65532"}, left: []string{"dockerfile-base-untagged"}},
		{name: "nginx keeps root", svc: nodeSvc,
			in:   "FROM node:20-bookworm-slim AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n\nFROM nginx:1.27\nCOPY --from=build /app/dist /usr/share/nginx/html\n",
			left: []string{"dockerfile-user-missing"}},
		{name: "port 80 keeps root", svc: goSvc,
			in:   "FROM golang:1.22-bookworm\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nEXPOSE 80\nCMD [\"/app\"]\n",
			left: []string{"dockerfile-user-missing"}},
		{name: "a secret ARG is not touched", svc: nodeSvc,
			in:    "FROM node:20-bookworm-slim\nARG NPM_TOKEN\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]",
			added: []string{"USER node"}, left: []string{"dockerfile-secret"}},
		{name: "ENTRYPOINT keeps the shell CMD", svc: goSvc,
			in:    "FROM golang:1.22-bookworm\nCOPY . .\nRUN go build -o /app .\nENTRYPOINT [\"/app\"]\nCMD serve --verbose\n",
			added: []string{"USER 65532:65532"}},
		{name: "a small patch: errors first, then the budget is spent", svc: goSvc,
			in:    "FROM golang:latest AS a\nRUN go version\nFROM node:latest AS b\nRUN node -v\nFROM python:latest AS c\nRUN python -V\nFROM rust:latest\nRUN cargo -V\nCMD cargo run\n",
			added: []string{"USER 65532:65532"},
			changed: map[string]string{"FROM golang:latest AS a": "FROM golang:1.22-bookworm AS a", "FROM node:latest AS b": "FROM node:22-bookworm AS b",
				"FROM python:latest AS c": "FROM python:3.13-bookworm AS c"},
			left: []string{"dockerfile-base-latest"}, edits: []string{"the images.yaml default for node"}},
		{name: "CRLF line endings", svc: goSvc,
			in:      "FROM golang:latest\r\nCOPY . .\r\nRUN go build -o /app .\r\nCMD /app\r\n",
			added:   []string{"USER 65532:65532"},
			changed: map[string]string{"FROM golang:latest": "FROM golang:1.22-bookworm", "CMD /app": `CMD ["/app"]`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pt := patchDockerfile(tbl, nil, tc.svc, "Dockerfile", []byte(tc.in))
			eol := "\n"
			if strings.Contains(tc.in, "\r\n") {
				eol = "\r\n"
				if strings.Count(string(pt.Content), "\r\n") != strings.Count(string(pt.Content), "\n") {
					t.Errorf("line endings mixed:\n%q", pt.Content)
				}
			}
			oldLines := strings.Split(tc.in, eol)
			newLines := strings.Split(string(pt.Content), eol)
			// Remove the added lines, map the changed ones back: what is
			// left must be the original, byte for byte.
			var back []string
			added := map[string]int{}
			for _, a := range tc.added {
				added[a]++
			}
			for _, l := range newLines {
				if added[l] > 0 {
					added[l]--
					continue
				}
				for o, n := range tc.changed {
					if l == n {
						l = o
					}
				}
				back = append(back, l)
			}
			for l, n := range added {
				if n > 0 {
					t.Errorf("line %q not added:\n%s", l, pt.Content)
				}
			}
			if strings.Join(back, eol) != strings.Join(oldLines, eol) {
				t.Errorf("other lines changed:\n--- in\n%s\n--- out\n%s", tc.in, pt.Content)
			}
			joined := strings.Join(pt.Edits, "\n")
			for _, e := range tc.edits {
				if !strings.Contains(joined, e) {
					t.Errorf("edit notes lack %q:\n%s", e, joined)
				}
			}
			if len(pt.Edits) != len(tc.added)+len(tc.changed) {
				t.Errorf("%d edit notes for %d edits: %q", len(pt.Edits), len(tc.added)+len(tc.changed), pt.Edits)
			}
			leftText := strings.Join(pt.Left, "\n")
			for _, r := range tc.left {
				if !strings.Contains(leftText, "["+r+"]") {
					t.Errorf("left notes lack %s: %q", r, pt.Left)
				}
			}
			// What is left is exactly what the gate still finds.
			errs := validate.Errors(validate.CheckFile("Dockerfile", pt.Content, validate.Options{}))
			if len(errs) != len(pt.Left) {
				t.Errorf("gate errors after the patch %v, left notes %q", errs, pt.Left)
			}
		})
	}
}

func TestPatchDockerfileUserGoesAfterLastRun(t *testing.T) {
	tbl, _ := kit.LoadImages()
	in := "FROM python:3.12-slim-bookworm\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"-m\", \"app\"]\nRUN pip install --no-cache-dir -r requirements.txt\n\n"
	pt := patchDockerfile(tbl, nil, &stack.Service{Dir: ".", Language: stack.Python, Version: "3.12"}, "Dockerfile", []byte(in))
	want := in[:len(in)-1] + "USER 65532:65532\n\n"
	if string(pt.Content) != want {
		t.Errorf("USER not appended after the last RUN, before trailing blank lines:\n%q\nwant\n%q", pt.Content, want)
	}
	// A file without a final newline gets the USER line on its own line.
	pt = patchDockerfile(tbl, nil, &stack.Service{Dir: ".", Language: stack.Python}, "Dockerfile", []byte("FROM python:3.12-slim-bookworm\nRUN pip install -r r.txt"))
	if string(pt.Content) != "FROM python:3.12-slim-bookworm\nRUN pip install -r r.txt\nUSER 65532:65532" {
		t.Errorf("no final newline: %q", pt.Content)
	}
	// An unparsable file is not touched.
	pt = patchDockerfile(tbl, nil, &stack.Service{Dir: ".", Language: stack.Go}, "Dockerfile", []byte("RUN echo\n"))
	if string(pt.Content) != "RUN echo\n" || len(pt.Left) == 0 {
		t.Errorf("a file without FROM was changed or not reported: %q %q", pt.Content, pt.Left)
	}
}

func TestContainerPatchesExistingDockerfile(t *testing.T) {
	repo, fsys := kittest.GoRepo()
	fsys = kittest.WithFile(fsys, "Dockerfile", goMigrateDockerfile)
	cs := kittest.Work(t, kit.ContainerMode, engine.Task{ID: "container"}, repo, fsys)
	f := cs.Get("Dockerfile")
	if f == nil {
		t.Fatalf("the Dockerfile missing USER was not patched: %v", cs.Paths())
	}
	if got := strings.Replace(string(f.Content), "USER 65532:65532\n", "", 1); got != goMigrateDockerfile {
		t.Errorf("the patch changed more than one line:\n%s", f.Content)
	}
	for _, w := range []string{"patched the existing Dockerfile", "before line 19: the final stage ran as root"} {
		if !strings.Contains(f.Note, w) {
			t.Errorf("note %q lacks %q", f.Note, w)
		}
	}
	kittest.GateClean(t, cs)
}

// FuzzPatchDockerfile: any file is patched without a panic, and a patch
// only ever adds or edits lines it names.
func FuzzPatchDockerfile(f *testing.F) {
	for _, s := range []string{goMigrateDockerfile, kittest.GoDockerfileBad, "FROM node\nCMD npm start\n", "FROM a AS b\nFROM b\nEXPOSE 8080\n",
		"FROM --platform=$BUILDPLATFORM golang:latest AS x\n", "ARG B=node\nFROM ${B}\nCMD x \\\n y\n", "FROM python\r\nRUN useradd -m app\r\n"} {
		f.Add(s)
	}
	tbl, _ := kit.LoadImages()
	f.Fuzz(func(t *testing.T, in string) {
		pt := patchDockerfile(tbl, nil, &stack.Service{Dir: ".", Language: stack.Node, Version: "20"}, "Dockerfile", []byte(in))
		if len(pt.Edits) == 0 && string(pt.Content) != in {
			t.Errorf("changed without an edit note: %q -> %q", in, pt.Content)
		}
		if n := strings.Count(string(pt.Content), "\n") - strings.Count(in, "\n"); n < 0 || n > len(pt.Edits) {
			t.Errorf("%d lines added for %d edits: %q -> %q", n, len(pt.Edits), in, pt.Content)
		}
	})
}
