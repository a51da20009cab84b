package stack

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

var reSafeEntry = regexp.MustCompile(`^[A-Za-z0-9./_@+-]*$`)

// unitWant is what a table test expects of one unit: its kind, a part
// of the kind's reason, its entry (Entry, or the first main package for
// Go), a part of the entry's reason and its start command.
type unitWant struct {
	dir        string
	kind       Kind
	kindReason string
	entry      string
	entryWhy   string
	start      string
	mains      []string
}

// checkUnit compares one detected unit with the expectation.
func checkUnit(t *testing.T, repo *Repo, w unitWant) {
	t.Helper()
	s := repo.Service(w.dir)
	if s == nil {
		t.Fatalf("no unit in %q: %s", w.dir, dump(repo))
	}
	if s.Kind != w.kind || !strings.Contains(s.KindReason, w.kindReason) {
		t.Errorf("%s: kind %q (%s), want %q with %q", w.dir, s.Kind, s.KindReason, w.kind, w.kindReason)
	}
	entry := s.Entry
	if s.Language == Go && len(s.Mains) > 0 {
		entry = s.Mains[0]
	}
	if entry != w.entry || !strings.Contains(s.EntryReason, w.entryWhy) {
		t.Errorf("%s: entry %q (%s), want %q with %q", w.dir, entry, s.EntryReason, w.entry, w.entryWhy)
	}
	// The container specialist writes Entry into Dockerfile lines and
	// refuses anything but these characters.
	if !reSafeEntry.MatchString(s.Entry) {
		t.Errorf("%s: entry %q has characters a Dockerfile line cannot take", w.dir, s.Entry)
	}
	if s.Start != w.start {
		t.Errorf("%s: start %q, want %q", w.dir, s.Start, w.start)
	}
	if w.mains != nil && !reflect.DeepEqual(s.Mains, w.mains) {
		t.Errorf("%s: mains %q, want %q", w.dir, s.Mains, w.mains)
	}
}

// TestGoUnits covers Go repositories shaped like real ones: a CLI
// monorepo whose product is cmd/gh beside a docs generator, a library,
// a gin service and a queue worker.
func TestGoUnits(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []unitWant
	}{
		{
			name: "cli monorepo: the product, not the docs generator",
			files: map[string]string{
				"go.mod":                "module github.com/acme/cli/v2\n\ngo 1.22\n\nrequire (\n\tgithub.com/spf13/cobra v1.8.0\n\tgithub.com/google/go-github/v62 v62.0.0 // indirect\n)\n",
				"cmd/gen-docs/main.go":  "package main\n\nimport \"github.com/spf13/cobra/doc\"\n\nfunc main() {}\n",
				"cmd/gh/main.go":        "package main\n\nimport \"github.com/acme/cli/v2/internal/ghcmd\"\n\nfunc main() { ghcmd.Main() }\n",
				".goreleaser.yml":       "builds:\n  - id: gh\n    main: ./cmd/gh\n    binary: bin/gh\n",
				"internal/ghcmd/cmd.go": "package ghcmd\n",
			},
			want: []unitWant{{dir: ".", kind: KindCLI, kindReason: "go.mod requires github.com/spf13/cobra",
				entry: "./cmd/gh", entryWhy: "built by .goreleaser.yml", start: "go run ./cmd/gh", mains: []string{"./cmd/gh"}}},
		},
		{
			name: "a gin server that reads flags is a service, not a CLI",
			files: map[string]string{
				"go.mod":           "module github.com/acme/notify\n\ngo 1.22\n\nrequire github.com/gin-gonic/gin v1.10.0\n",
				"app.go":           "package main\n\nimport (\n\t\"flag\"\n\n\t\"github.com/acme/notify/runner\"\n)\n\nfunc main() { flag.Parse(); runner.Run() }\n",
				"runner/runner.go": "package runner\n\nfunc Run() {}\n",
			},
			want: []unitWant{{dir: ".", kind: KindService, kindReason: "go.mod requires github.com/gin-gonic/gin",
				entry: ".", entryWhy: "root package", start: "go run ."}},
		},
		{
			name: "mains ranked: named like the module, then the Makefile's",
			files: map[string]string{
				"go.mod":             "module example.com/shop\n\ngo 1.22\n",
				"cmd/admin/main.go":  "package main\n\nimport \"flag\"\n\nfunc main() { flag.Parse() }\n",
				"cmd/shop/main.go":   "package main\n\nfunc main() { http.ListenAndServe(\":7070\", nil) }\n",
				"cmd/zeta/main.go":   "package main\n\nfunc main() {}\n",
				"Makefile":           "build:\n\tgo build -o bin/zeta ./cmd/zeta\n",
				"hack/tools/main.go": "package main\n",
			},
			want: []unitWant{{dir: ".", kind: KindService, kindReason: "ListenAndServe in cmd/shop/main.go",
				entry: "./cmd/shop", entryWhy: "named like the module (shop); also: ./cmd/zeta, ./cmd/admin", start: "go run ./cmd/shop",
				mains: []string{"./cmd/shop", "./cmd/zeta", "./cmd/admin"}}},
		},
		{
			name: "library with only an example main",
			files: map[string]string{
				"go.mod":                 "module github.com/acme/retry\n\ngo 1.21\n",
				"retry.go":               "package retry\n",
				"examples/basic/main.go": "package main\n\nfunc main() {}\n",
				"cmd/gen/main.go":        "package main\n\nfunc main() {}\n",
			},
			want: []unitWant{{dir: ".", kind: KindLibrary, kindReason: "no main package besides tooling (./cmd/gen)",
				entry: "", entryWhy: "skipped tooling: ./cmd/gen", start: ""}},
		},
		{
			name: "gin service whose main is in a server folder",
			files: map[string]string{
				"go.mod":            "module example.com/todo\n\ngo 1.22\n\nrequire github.com/gin-gonic/gin v1.10.0\n",
				"server/main.go":    "package main\n\nimport \"example.com/todo/internal/app\"\n\nfunc main() { app.Run() }\n",
				"internal/app/a.go": "package app\n",
			},
			want: []unitWant{{dir: ".", kind: KindService, kindReason: "go.mod requires github.com/gin-gonic/gin",
				entry: "./server", entryWhy: "named like a server", start: "go run ./server"}},
		},
		{
			name: "a helper main in a deeper cmd folder, beside other languages",
			files: map[string]string{
				"go.mod":                    "module github.com/acme/bridge\n\ngo 1.22\n",
				"go/cmd/list-ports/main.go": "package main\n\nimport \"flag\"\n\nfunc main() { flag.Parse() }\n",
				"go/cmd/gen-docs/main.go":   "package main\n\nfunc main() {}\n",
				"go/pkg/forward/forward.go": "package forward\n",
				"a/b/cmd/too-deep/main.go":  "package main\n\nfunc main() {}\n",
			},
			want: []unitWant{{dir: ".", kind: KindCLI, kindReason: "imports flag in go/cmd/list-ports/main.go",
				entry: "./go/cmd/list-ports", entryWhy: "the only main package",
				start: "go run ./go/cmd/list-ports", mains: []string{"./go/cmd/list-ports"}}},
		},
		{
			name: "a main whose only port is in compose is a service",
			files: map[string]string{
				"go.mod":             "module example.com/relay\n\ngo 1.22\n",
				"main.go":            "package main\n\nfunc main() { relay.Run() }\n",
				"docker-compose.yml": "services:\n  relay:\n    build: .\n    ports: [\"7000:7001\"]\n",
			},
			want: []unitWant{{dir: ".", kind: KindService, kindReason: "port 7001 stated in docker-compose.yml",
				entry: ".", entryWhy: "the module's root package", start: "go run ."}},
		},
		{
			name: "queue worker",
			files: map[string]string{
				"go.mod":  "module example.com/mailer\n\ngo 1.22\n\nrequire github.com/hibiken/asynq v0.24.1\n",
				"main.go": "package main\n\nfunc main() { srv := asynq.NewServer(nil, asynq.Config{}); _ = srv }\n",
			},
			want: []unitWant{{dir: ".", kind: KindWorker, kindReason: "github.com/hibiken/asynq",
				entry: ".", entryWhy: "the module's root package", start: "go run ."}},
		},
		{
			name: "services in tests and examples folders",
			files: map[string]string{
				"go.mod":                   "module example.com/lib\n\ngo 1.22\n",
				"lib.go":                   "package lib\n",
				"examples/api/go.mod":      "module example.com/lib/examples/api\n\ngo 1.22\n",
				"examples/api/main.go":     "package main\n\nfunc main() { http.ListenAndServe(\":80\", nil) }\n",
				"tests/e2e/server/go.mod":  "module x\n",
				"tests/e2e/server/main.go": "package main\n\nfunc main() { http.ListenAndServe(\":81\", nil) }\n",
			},
			want: []unitWant{
				{dir: ".", kind: KindLibrary, kindReason: "a Go module with no main package"},
				{dir: "examples/api", kind: KindExample, kindReason: "under examples/", entry: ".", entryWhy: "root package", start: "go run ."},
				{dir: "tests/e2e/server", kind: KindFixture, kindReason: "under tests/", entry: ".", entryWhy: "root package", start: "go run ."},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := mustDetect(t, tt.files, Options{})
			for _, w := range tt.want {
				checkUnit(t, repo, w)
			}
		})
	}
}

// A unit the user focuses on (run --repo examples/go-api) is judged by
// what is inside the focus, not by the examples/ folder above it; without
// the focus it is an example.
func TestKindUnderFocus(t *testing.T) {
	files := map[string]string{
		"go.mod":                       "module example.com/tool\n\ngo 1.22\n",
		"examples/api/go.mod":          "module example.com/api\n\ngo 1.22\n",
		"examples/api/main.go":         "package main\n\nimport \"net/http\"\n\nfunc main() { http.ListenAndServe(\":8080\", nil) }\n",
		"examples/api/tests/e/go.mod":  "module example.com/e\n\ngo 1.22\n",
		"examples/api/tests/e/main.go": "package main\n\nimport \"net/http\"\n\nfunc main() { http.ListenAndServe(\":9\", nil) }\n",
	}
	if s := mustDetect(t, files, Options{}).Service("examples/api"); s == nil || s.Kind != KindExample {
		t.Errorf("without a focus: %s", dump(s))
	}
	repo := mustDetect(t, files, Options{Dir: "examples/api"})
	if s := repo.Service("examples/api"); s == nil || s.Kind != KindService {
		t.Errorf("focused: %s", dump(s))
	}
	if s := repo.Service("examples/api/tests/e"); s == nil || s.Kind != KindFixture {
		t.Errorf("a test folder inside the focus: %s", dump(s))
	}
}
