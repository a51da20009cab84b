package container

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// TestPatchDockerfileCgo: a person's Go Dockerfile that turns cgo off for
// a package that needs it gets CGO_ENABLED=1 on that one line when the
// build stage has gcc and the runtime has glibc; otherwise the line is
// left with what to change.
func TestPatchDockerfileCgo(t *testing.T) {
	tbl, err := kit.LoadImages()
	if err != nil {
		t.Fatal(err)
	}
	svc := &stack.Service{Dir: ".", Language: stack.Go, Version: "1.22", Mains: []string{"."}}
	gomod := "module example.com/notes\n\ngo 1.22\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n"
	const tail = "USER 10001\nENTRYPOINT [\"/app\"]\n"
	tests := []struct {
		name, in string
		gomod    string
		from, to string // the line changed
		left     string // in the reasons left, when not changed
	}{
		{name: "inline, Debian build and runtime", gomod: gomod,
			in:   "FROM golang:1.22-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app .\nFROM debian:bookworm-slim\nCOPY --from=build /app /app\n" + tail,
			from: "RUN CGO_ENABLED=0 go build -o /app .", to: "RUN CGO_ENABLED=1 go build -o /app ."},
		{name: "an ENV line, distroless base", gomod: gomod,
			in:   "FROM golang:1.22 AS build\nENV CGO_ENABLED=\"0\" GOOS=linux\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nFROM gcr.io/distroless/base-debian12\nCOPY --from=build /app /app\n" + tail,
			from: "ENV CGO_ENABLED=\"0\" GOOS=linux", to: "ENV CGO_ENABLED=\"1\" GOOS=linux"},
		{name: "on a continuation line", gomod: gomod,
			in:   "FROM golang:1.22-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN go mod download && \\\n    CGO_ENABLED=0 go build -o /app .\nFROM debian:bookworm-slim\nCOPY --from=build /app /app\n" + tail,
			from: "    CGO_ENABLED=0 go build -o /app .", to: "    CGO_ENABLED=1 go build -o /app ."},
		{name: "scratch has no libc", gomod: gomod,
			in:   "FROM golang:1.22-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n" + tail,
			left: "has no glibc for a cgo binary"},
		{name: "an Alpine build stage has no gcc", gomod: gomod,
			in:   "FROM golang:1.22-alpine AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app .\nFROM debian:bookworm-slim\nCOPY --from=build /app /app\n" + tail,
			left: "may have no C compiler"},
		{name: "a pure-Go module is left alone", gomod: "module example.com/notes\n\ngo 1.22\n\nrequire modernc.org/sqlite v1.29.0\n",
			in: "FROM golang:1.22-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app .\nFROM debian:bookworm-slim\nCOPY --from=build /app /app\n" + tail},
		{name: "an indirect requirement is not the app's", gomod: "module example.com/notes\n\ngo 1.22\n\nrequire github.com/mattn/go-sqlite3 v1.14.22 // indirect\n",
			in: "FROM golang:1.22-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app .\nFROM debian:bookworm-slim\nCOPY --from=build /app /app\n" + tail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ws := fstest.MapFS{"go.mod": {Data: []byte(tc.gomod)}, "main.go": {Data: []byte("package main\n\nfunc main() {}\n")},
				"Dockerfile": {Data: []byte(tc.in)}}
			pt := patchDockerfile(tbl, ws, svc, "Dockerfile", []byte(tc.in))
			got := string(pt.Content)
			if tc.from == "" {
				if got != tc.in {
					t.Errorf("changed, want it as it was:\n%s", got)
				}
				left := strings.Join(pt.Left, "\n")
				if tc.left != "" && (!strings.Contains(left, "dockerfile-cgo-disabled") || !strings.Contains(left, tc.left)) {
					t.Errorf("the reason left does not say %q:\n%s", tc.left, left)
				}
				if tc.left == "" && strings.Contains(left, "dockerfile-cgo-disabled") {
					t.Errorf("a cgo finding without cause:\n%s", left)
				}
				return
			}
			if want := strings.Replace(tc.in, tc.from, tc.to, 1); got != want {
				t.Errorf("patched:\n%s\nwant:\n%s", got, want)
			}
			if len(pt.Edits) != 1 || !strings.Contains(pt.Edits[0], "CGO_ENABLED=1") {
				t.Errorf("edits = %q", pt.Edits)
			}
		})
	}
}
