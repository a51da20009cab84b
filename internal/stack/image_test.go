package stack

import "testing"

// TestImageOf: the user and port of a Dockerfile's last stage, and the uid
// the user stands for where the Dockerfile fixes it.
func TestImageOf(t *testing.T) {
	tests := []struct {
		name, text string
		user       string
		uid, port  int
	}{
		{"numeric user", "FROM alpine:3.20\nUSER 10001\nEXPOSE 8080\n", "10001", 10001, 8080},
		{"user and group", "FROM alpine:3.20\nUSER 1000:1000\n", "1000:1000", 1000, 0},
		{"useradd with an ARG uid in an inherited stage",
			"ARG RUBY=3.3\nFROM ruby:${RUBY}-slim AS base\nARG UID=\"991\"\nRUN useradd -l -u \"${UID}\" -m -d /opt/app app\nFROM base AS build\nRUN make\nFROM base\nUSER app\nEXPOSE 3000/tcp\n",
			"app", 991, 3000},
		{"alpine adduser, name before the uid", "FROM alpine:3.20\nRUN addgroup -S web && adduser -S web -G web -u 1001\nUSER web\n", "web", 1001, 0},
		{"useradd --uid=", "FROM debian:12\nRUN useradd --uid=2000 --create-home svc\nUSER svc\n", "svc", 2000, 0},
		{"user created without a uid", "FROM debian:12\nRUN useradd --system app\nUSER app\n", "app", -1, 0},
		{"no USER: root", "FROM python:3.12-slim\nCMD [\"python\", \"app.py\"]\n", "", 0, 0},
		{"USER root", "FROM debian:12\nUSER root\n", "root", 0, 0},
		{"nobody", "FROM alpine:3.20\nUSER nobody\n", "nobody", 65534, 0},
		{"the node image's node user", "FROM node:22-alpine\nUSER node\nEXPOSE 3000\n", "node", 1000, 3000},
		{"node user on another base is not known", "FROM debian:12\nUSER node\n", "node", -1, 0},
		{"distroless nonroot without USER", "FROM golang:1.23 AS build\nRUN go build -o /app .\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\n", "", 65532, 0},
		{"only the last stage counts", "FROM node:22 AS build\nUSER node\nEXPOSE 9999\nFROM nginx:1.27\nEXPOSE 80\n", "", 0, 80},
		{"USER from an ENV", "FROM alpine:3.20\nENV APP_UID=4242\nUSER ${APP_UID}\n", "4242", 4242, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := ImageOf("Dockerfile", []byte(tc.text))
			if img == nil {
				t.Fatal("no image")
			}
			if img.User != tc.user || img.UID != tc.uid || img.Port != tc.port {
				t.Errorf("got user %q uid %d (%s) port %d, want user %q uid %d port %d", img.User, img.UID, img.UIDSource, img.Port, tc.user, tc.uid, tc.port)
			}
			if (img.Problem() == "") != (tc.uid > 0) {
				t.Errorf("Problem() = %q for uid %d", img.Problem(), tc.uid)
			}
		})
	}
	if ImageOf("Dockerfile", []byte("")) != nil {
		t.Error("an empty Dockerfile has no image")
	}
}

// TestImageUnit: a unit in an unsupported language is deployable from
// its own Dockerfile only with a fixed non-root uid and a port.
func TestImageUnit(t *testing.T) {
	ok := &Image{Dockerfile: "web/Dockerfile", User: "app", UID: 991, Port: 3000}
	r := &Repo{Unsupported: []Unsupported{
		{Dir: "web", Language: "ruby", Manifest: "Gemfile", Image: ok},
		{Dir: "root", Language: "php", Manifest: "composer.json", Image: &Image{Dockerfile: "root/Dockerfile", UID: 0, Port: 80}},
		{Dir: "noport", Language: "php", Manifest: "composer.json", Image: &Image{Dockerfile: "noport/Dockerfile", UID: 33}},
		{Dir: "none", Language: "ocaml", Manifest: "dune-project"},
	}}
	s := r.ImageUnit("web")
	if s == nil || s.Port != 3000 || s.Name != "web" || s.Kind != KindService || s.Image != ok {
		t.Fatalf("ImageUnit(web) = %+v", s)
	}
	for _, d := range []string{"root", "noport", "none", "missing"} {
		if s := r.ImageUnit(d); s != nil {
			t.Errorf("ImageUnit(%s) = %+v, want nil", d, s)
		}
	}
}
