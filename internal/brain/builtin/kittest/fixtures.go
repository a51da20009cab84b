package kittest

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/mode"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// Services the Kubernetes and monitoring tests deploy.
var (
	K8sGoAPI   = stack.Service{Name: "api", Dir: "svc/api", Language: stack.Go, Version: "1.25", Port: 9000}
	K8sNodeWeb = stack.Service{Name: "web", Dir: "web", Language: stack.Node, PackageManager: "npm", Port: 3000}
	K8sPyRoot  = stack.Service{Name: "My_App", Dir: ".", Language: stack.Python, PackageManager: "pip"}
	K8sJava    = stack.Service{Name: "billing", Dir: "billing", Language: stack.Java, PackageManager: "maven"}
)

// GoDockerfileOK passes the Dockerfile gate: pinned multi-stage build,
// non-root user, exec-form entrypoint.
const GoDockerfileOK = `FROM golang:1.22-bookworm AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/api ./cmd/api

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/api /usr/local/bin/api
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/api"]
`

// GoDockerfileBad fails it: latest tag, root user, shell-form CMD.
const GoDockerfileBad = "FROM golang:latest\nCOPY . .\nRUN go build -o /app .\nCMD /app\n"

// GoRepo is a one-service Go repository and its files.
func GoRepo() (*stack.Repo, fstest.MapFS) {
	repo := &stack.Repo{Services: []stack.Service{{
		Name: "api", Dir: ".", Language: stack.Go, Version: "1.22", PackageManager: "go",
		Mains: []string{"./cmd/api"}, Port: 8080, Deps: []string{"postgres"},
	}}}
	fsys := fstest.MapFS{
		"go.mod":           {Data: []byte("module example.com/api\n\ngo 1.22\n")},
		"go.sum":           {Data: []byte("")},
		"cmd/api/main.go":  {Data: []byte("package main\n\nfunc main() {}\n")},
		"internal/x/x.go":  {Data: []byte("package x\n")},
		"README.md":        {Data: []byte("# api\n")},
		"docs/overview.md": {Data: []byte("docs\n")},
	}
	return repo, fsys
}

// MonoRepo is a two-service repository (Go and Node) and its files.
func MonoRepo() (*stack.Repo, fstest.MapFS) {
	repo := &stack.Repo{Services: []stack.Service{
		{Name: "api", Dir: "services/api", Language: stack.Go, Version: "1.23", Mains: []string{"."}, Port: 8080},
		{Name: "web", Dir: "services/web", Language: stack.Node, Version: "20", PackageManager: "npm",
			Lockfile: "package-lock.json", Start: "node server.js", Port: 3000, Deps: []string{"redis"}},
	}}
	fsys := fstest.MapFS{
		"services/api/go.mod":             {Data: []byte("module example.com/api\n\ngo 1.23\n")},
		"services/api/main.go":            {Data: []byte("package main\n")},
		"services/web/package.json":       {Data: []byte(`{"name":"web","scripts":{"start":"node server.js"}}`)},
		"services/web/package-lock.json":  {Data: []byte("{}")},
		"services/web/server.js":          {Data: []byte("")},
		"services/web/public/index.html":  {Data: []byte("")},
		"services/api/internal/db/db.go":  {Data: []byte("package db\n")},
		"services/web/src/routes/home.js": {Data: []byte("")},
	}
	return repo, fsys
}

// DefaultModes loads the embedded modes.
func DefaultModes(t *testing.T) *mode.Registry {
	t.Helper()
	reg, err := mode.Default()
	if err != nil {
		t.Fatalf("mode.Default: %v", err)
	}
	return reg
}

// TaskIDs lists the plan's task ids, comma-separated.
func TaskIDs(p *engine.Plan) string {
	var ids []string
	for _, t := range p.Tasks {
		ids = append(ids, t.ID)
	}
	return strings.Join(ids, ",")
}

// Task returns the plan's task with the id, or nil.
func Task(p *engine.Plan, id string) *engine.Task {
	for i := range p.Tasks {
		if p.Tasks[i].ID == id {
			return &p.Tasks[i]
		}
	}
	return nil
}

// WithFile returns a copy of fsys with one more file.
func WithFile(fsys fstest.MapFS, name, content string) fstest.MapFS {
	out := fstest.MapFS{}
	for k, v := range fsys {
		out[k] = v
	}
	out[name] = &fstest.MapFile{Data: []byte(content)}
	return out
}
