package validate

import (
	"sort"
	"strings"
	"testing"
)

// TestDockerfileCopyBuiltOutside: a COPY source a declared build step
// writes before docker build (a Makefile target, go build -o in a
// workflow, GoReleaser's binaries) is not missing; one nothing builds is.
func TestDockerfileCopyBuiltOutside(t *testing.T) {
	const scratch = "FROM scratch\nADD explorer explorer\nADD README.md README.md\nENTRYPOINT [\"/explorer\"]\n"
	tests := []ctxCase{
		{
			name: "a Makefile target beside the Dockerfile builds it",
			repo: map[string]string{"explorer/README.md": "x", "explorer/explorer.go": "package main\n",
				"explorer/Makefile": "TAG = 1.1\n\nexplorer: explorer.go\n\tgo build ./explorer.go\n\ncontainer: explorer\n\tdocker build -t x:$(TAG) .\n"},
			set: map[string]string{"explorer/Dockerfile": scratch},
			df:  "explorer/Dockerfile",
		},
		{
			name: "a root Makefile writes it with -o",
			repo: map[string]string{"svc/README.md": "x", "Makefile": "build:\n\tCGO_ENABLED=0 go build -o ./svc/explorer ./cmd/explorer\n"},
			set:  map[string]string{"svc/Dockerfile": scratch},
			df:   "svc/Dockerfile",
		},
		{
			name: "a workflow step writes it with -o",
			repo: map[string]string{"README.md": "x", ".github/workflows/release.yml": "jobs:\n  b:\n    steps:\n      - run: go build -o explorer .\n"},
			set:  map[string]string{"Dockerfile": scratch},
			df:   "Dockerfile",
		},
		{
			name: "GoReleaser builds images from the Dockerfile",
			repo: map[string]string{"README.md": "x", ".goreleaser.yaml": "builds:\n  - binary: explorer\ndockers:\n  - image_templates: [\"x/y:{{ .Tag }}\"]\n    dockerfile: Dockerfile\n"},
			set:  map[string]string{"Dockerfile": scratch},
			df:   "Dockerfile",
		},
		{
			name: "a Makefile that builds something else is no evidence",
			repo: map[string]string{"explorer/README.md": "x",
				"explorer/Makefile": "server: main.go\n\tgo build -o server .\nEXPLORER := explorer\n\ncontainer: server\n\tdocker build .\n"},
			set:  map[string]string{"explorer/Dockerfile": scratch},
			df:   "explorer/Dockerfile",
			want: []string{"2 dockerfile-copy-missing"},
		},
		{
			name: "GoReleaser building another Dockerfile is no evidence",
			repo: map[string]string{"README.md": "x", ".goreleaser.yaml": "dockers:\n  - dockerfile: build/Dockerfile\n"},
			set:  map[string]string{"Dockerfile": scratch},
			df:   "Dockerfile",
			want: []string{"2 dockerfile-copy-missing"},
		},
		{
			name: "a target above the Makefile's directory does not count",
			repo: map[string]string{"README.md": "x", "svc/Makefile": "../explorer:\n\tgo build -o ../explorer\n"},
			set:  map[string]string{"Dockerfile": scratch},
			df:   "Dockerfile",
			want: []string{"2 dockerfile-copy-missing"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runCtxCase(t, tc)
			var want []string
			for _, w := range tc.want {
				want = append(want, tc.df+":"+w)
			}
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// TestDockerfileScratchWasm: a FROM scratch image whose command is a
// WebAssembly module is run by a Wasm runtime, with no Linux user to
// switch to; a scratch image running a Linux binary still needs USER.
func TestDockerfileScratchWasm(t *testing.T) {
	const build = "FROM rust:1.83 AS build\nRUN cargo build --target wasm32-wasi --release\n"
	for _, final := range []string{
		"FROM scratch\nENTRYPOINT [ \"kafka.wasm\" ]\nCOPY --link --from=build /kafka.wasm /kafka.wasm\n",
		"FROM scratch\nCOPY --from=build /app.wasm /app.wasm\nCMD [\"/app.wasm\"]\n",
	} {
		if fs := checkDockerfile("Dockerfile", []byte(build+final)); hasRule(fs, ruleDockerfileUserMissing.ID) {
			t.Errorf("a Wasm module in scratch needs no USER: %v", fs)
		}
	}
	bin := build + "FROM scratch\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n"
	if fs := checkDockerfile("Dockerfile", []byte(bin)); !hasRule(fs, ruleDockerfileUserMissing.ID) {
		t.Errorf("a Linux binary in scratch still needs USER: %v", fs)
	}
	alpine := build + "FROM alpine:3.20\nCOPY --from=build /app.wasm /app.wasm\nENTRYPOINT [\"/app.wasm\"]\n"
	if fs := checkDockerfile("Dockerfile", []byte(alpine)); !hasRule(fs, ruleDockerfileUserMissing.ID) {
		t.Errorf("a base with a shell still needs USER: %v", fs)
	}
}

// TestDockerfileUserUnknownBase: FROM an ARG with no default may be an
// image that sets its own USER: not called root; a known base is.
func TestDockerfileUserUnknownBase(t *testing.T) {
	unknown := "ARG SENTRY_IMAGE\nFROM ${SENTRY_IMAGE}\nRUN pip install x==1\n"
	if fs := checkDockerfile("Dockerfile", []byte(unknown)); hasRule(fs, ruleDockerfileUserMissing.ID) {
		t.Errorf("unknown base: %v", fs)
	}
	known := "ARG IMAGE=python:3.12-slim\nFROM ${IMAGE}\nRUN pip install x==1\n"
	if fs := checkDockerfile("Dockerfile", []byte(known)); !hasRule(fs, ruleDockerfileUserMissing.ID) {
		t.Errorf("a base with a default is known: %v", fs)
	}
}

// TestIntendedSplitting: $(cond && echo 'word') left unquoted is the
// optional-argument idiom; other unquoted substitutions are not.
func TestIntendedSplitting(t *testing.T) {
	for line, want := range map[string]bool{
		`		$(test "${gnuArch%%-*}" != 'riscv64' && echo '--with-lto') \`:         true,
		`		$([ "$(apk --print-arch)" != 'ppc64le' ] && echo 'nss_wrapper') \`:    true,
		`	apt-get install -y $(cat packages.txt) \`:                              false,
		`	x=$(ls) $(test -n "$y" && echo '--flag')`:                              false,
		`	rm -rf $(test -d /x && echo /x/*)`:                                     false,
		`		$(test "${gnuArch%%-*}" != 'riscv64' && echo '--with-lto --other') \`: false,
	} {
		if got := intendedSplitting(2046, []string{line}, 0); got != want {
			t.Errorf("%q: got %v, want %v", line, got, want)
		}
	}
	if intendedSplitting(2086, []string{`x $(test x && echo 'y')`}, 0) {
		t.Error("the idiom is SC2046's")
	}
	for script, want := range map[string]bool{
		"apt-mark auto '.*' > /dev/null; \\\n\tapt-mark manual $savedAptMark; \\":                                true,
		"set -eux; \\\n\tapk add --no-cache --virtual .build-deps \\\n\t\tbison \\\n\t\t$DOCKER_PG_LLVM_DEPS \\": true,
		"set -eux; \\\n\techo $USERNAME ALL > /etc/sudoers.d/$USERNAME":                                          false,
		"apk add curl; \\\n\tnode build.js $TARGETPLATFORM":                                                      false,
	} {
		lines := strings.Split(script, "\n")
		if got := intendedSplitting(2086, lines, len(lines)-1); got != want {
			t.Errorf("%q: got %v, want %v", script, got, want)
		}
	}
}

// TestAptDistClean: apt-get dist-clean removes the lists.
func TestAptDistClean(t *testing.T) {
	base := "FROM debian:trixie-slim\nRUN set -eux; apt-get update; apt-get install -y --no-install-recommends tk-dev=8.6.16-1; %s\nUSER 1000\n"
	if fs := checkDockerfile("Dockerfile", []byte(strings.Replace(base, "%s", "apt-get dist-clean", 1))); hasRule(fs, ruleDockerfileAptLists.ID) {
		t.Errorf("dist-clean removes the lists: %v", fs)
	}
	if fs := checkDockerfile("Dockerfile", []byte(strings.Replace(base, "%s", "apt-get clean", 1))); !hasRule(fs, ruleDockerfileAptLists.ID) {
		t.Errorf("clean keeps the lists: %v", rulesOf(fs))
	}
}

// TestDockerignoreGitInSubdirectory: a backend/.dockerignore serves the
// context backend/, which has no .git; the root's and a Dockerfile's own
// ignore file still need it.
func TestDockerignoreGitInSubdirectory(t *testing.T) {
	has := func(p string) bool {
		for _, f := range checkDockerignore(p, []byte("node_modules\n.env\n")) {
			if f.Rule == ruleDockerignoreMissing.ID && strings.HasPrefix(f.Message, ".git ") {
				return true
			}
		}
		return false
	}
	for p, want := range map[string]bool{".dockerignore": true, "backend/.dockerignore": false, "docker/app.Dockerfile.dockerignore": true, "Dockerfile.dockerignore": true} {
		if got := has(p); got != want {
			t.Errorf("%s: .git finding %v, want %v", p, got, want)
		}
	}
}

// TestDockerfileWindowsAndGitSource: a Windows base has no uid to switch
// to; COPY .git is not missing (a clone has it).
func TestDockerfileWindowsAndGitSource(t *testing.T) {
	win := "FROM mcr.microsoft.com/windows/servercore:ltsc2025\nSHELL [\"powershell\", \"-Command\"]\nCMD [\"python\"]\n"
	if fs := checkDockerfile("Dockerfile", []byte(win)); hasRule(fs, ruleDockerfileUserMissing.ID) {
		t.Errorf("Windows base: %v", fs)
	}
	got := runCtxCase(t, ctxCase{
		repo: map[string]string{"README.md": "x"},
		set:  map[string]string{"Dockerfile": "FROM python:3.12-slim\nCOPY .git ./.git\nCOPY missing.txt ./\nUSER 1000\n"},
		df:   "Dockerfile",
	})
	if strings.Join(got, ",") != "Dockerfile:3 dockerfile-copy-missing" {
		t.Errorf("want only the missing file, got %q", got)
	}
}
