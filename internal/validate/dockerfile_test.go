package validate

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSplitShell(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		pipe bool
	}{
		{`a && b || c; d`, []string{"a", "b", "c", "d"}, false},
		{`curl x | sh`, []string{"curl x", "sh"}, true},
		{`echo "a|b" 'c && d' e\|f`, []string{"echo a|b c && d e|f"}, false},
		{"apt-get update \\\n && apt-get install -y x # comment | not a pipe\n", []string{"apt-get update", "apt-get install -y x"}, false},
		{`(cd /x && make) & wait`, []string{"cd /x", "make", "wait"}, false},
		{`echo "unterminated`, []string{"echo unterminated"}, false},
	}
	for _, c := range cases {
		cmds, pipe := splitShell(c.in)
		var got []string
		for _, cmd := range cmds {
			got = append(got, strings.Join(cmd, " "))
		}
		if !reflect.DeepEqual(got, c.want) || pipe != c.pipe {
			t.Errorf("splitShell(%q) = %q pipe=%v, want %q pipe=%v", c.in, got, pipe, c.want, c.pipe)
		}
	}
}

func TestDockerfileRules(t *testing.T) {
	const tail = "USER 10001\n"
	cases := []struct {
		name, src, rule string
		want            int
	}{
		{"tagged", "FROM alpine:3.20\n" + tail, ruleDockerfileUntagged.ID, 0},
		{"registry port untagged", "FROM localhost:5000/app\n" + tail, ruleDockerfileUntagged.ID, 1},
		{"digest only", "FROM alpine@sha256:" + strings.Repeat("0", 64) + "\n" + tail, ruleDockerfileUntagged.ID, 0},
		{"arg default latest", "ARG TAG=latest\nFROM alpine:${TAG}\n" + tail, ruleDockerfileLatest.ID, 1},
		{"arg default pinned", "ARG TAG=3.20\nFROM alpine:${TAG}\n" + tail, ruleDockerfileBaseArg.ID, 0},
		{"arg fallback", "FROM alpine:${TAG:-3.20}\n" + tail, ruleDockerfileBaseArg.ID, 0},
		{"arg unknown", "ARG IMG\nFROM $IMG\n" + tail, ruleDockerfileBaseArg.ID, 1},
		{"stage names case-insensitive", "FROM alpine:3.20 AS Build\nFROM build\n" + tail, ruleDockerfileUntagged.ID, 0},
		{"scratch", "FROM scratch\n" + tail, ruleDockerfileUntagged.ID, 0},
		{"user inherited from stage", "FROM alpine:3.20 AS base\nUSER app\nFROM base\nRUN true\n", ruleDockerfileUserMissing.ID, 0},
		{"user root name", "FROM alpine:3.20\nUSER root:root\n", ruleDockerfileUserRoot.ID, 1},
		{"user switched back", "FROM alpine:3.20\nUSER root\nRUN true\nUSER 1000\n", ruleDockerfileUserRoot.ID, 0},
		{"nonroot base", "FROM gcr.io/distroless/static:nonroot\n", ruleDockerfileUserMissing.ID, 0},
		{"pipe with shell pipefail", "FROM alpine:3.20\nSHELL [\"/bin/ash\", \"-eo\", \"pipefail\", \"-c\"]\nRUN a | b\n" + tail, ruleDockerfilePipefail.ID, 0},
		{"pipe with set", "FROM alpine:3.20\nRUN set -eux -o pipefail; a | b\n" + tail, ruleDockerfilePipefail.ID, 0},
		{"pipe shell reset by stage", "FROM alpine:3.20 AS a\nSHELL [\"/bin/ash\", \"-o\", \"pipefail\", \"-c\"]\nFROM alpine:3.20\nRUN a | b\n" + tail, ruleDockerfilePipefail.ID, 1},
		{"exec form pipe ignored", "FROM alpine:3.20\nRUN [\"sh\", \"-c\", \"a | b\"]\n" + tail, ruleDockerfilePipefail.ID, 0},
		{"heredoc cd", "FROM alpine:3.20\nRUN <<EOF\nset -e\ncd /tmp\nEOF\n" + tail, ruleDockerfileCd.ID, 1},
		{"apt via env", "FROM debian:12\nRUN DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends x=1 && rm -rf /var/lib/apt/lists/*\n" + tail, ruleDockerfileAptPin.ID, 0},
		{"npm scoped unpinned", "FROM node:22\nRUN npm install -g @scope/tool\n" + tail, ruleDockerfileNpmPin.ID, 1},
		{"npm ci", "FROM node:22\nRUN npm ci --omit=dev\n" + tail, ruleDockerfileNpmPin.ID, 0},
		{"pip constraint", "FROM python:3.12\nRUN pip install -c constraints.txt flask\n" + tail, ruleDockerfilePipPin.ID, 0},
		{"pip module", "FROM python:3.12\nRUN python3 -m pip install flask\n" + tail, ruleDockerfilePipPin.ID, 1},
		{"add archive", "FROM alpine:3.20\nADD rootfs.tar.xz /\n" + tail, ruleDockerfileAddLocal.ID, 0},
		{"add remote checksum", "FROM alpine:3.20\nADD --checksum=sha256:" + strings.Repeat("0", 64) + " https://example.com/a /a\n" + tail, ruleDockerfileAddRemote.ID, 0},
		{"workdir var", "FROM alpine:3.20\nWORKDIR $HOME/app\n" + tail, ruleDockerfileWorkdir.ID, 0},
		{"secret file ok", "FROM alpine:3.20\nENV DB_PASSWORD_FILE=/run/secrets/db\n" + tail, ruleDockerfileSecret.ID, 0},
		{"meta arg secret", "ARG NPM_TOKEN\nFROM node:22\n" + tail, ruleDockerfileSecret.ID, 1},
		{"rust multi-stage", "FROM rust:1.80 AS build\nRUN cargo build --release\nFROM debian:12-slim\n" + tail, ruleDockerfileSingleStage.ID, 0},
		{"rust single", "FROM rust:1.80\nRUN cargo build --release\n" + tail, ruleDockerfileSingleStage.ID, 1},
		{"golang no build", "FROM golang:1.26\nCMD [\"go\", \"version\"]\n" + tail, ruleDockerfileSingleStage.ID, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := checkDockerfile("Dockerfile", []byte(c.src))
			if got := countRule(fs, c.rule); got != c.want {
				t.Errorf("%s: %d findings, want %d; all: %v", c.rule, got, c.want, fs)
			}
			if n := countRule(fs, ruleDockerfileParse.ID); n > 0 {
				t.Errorf("unexpected parse error: %v", fs)
			}
		})
	}
}

// TestDockerfileCheckDirective covers a "# check=" comment, which makes
// buildkit's instruction parser use its linter.
func TestDockerfileCheckDirective(t *testing.T) {
	src := "# syntax=docker/dockerfile:1\n# check=skip=all\nFROM alpine:3.20\n# check=error=true\nRUN true\nUSER 1\n"
	if fs := checkDockerfile("Dockerfile", []byte(src)); len(fs) != 0 {
		t.Fatalf("want no findings, got %v", fs)
	}
}

func TestDockerfileParseErrorLine(t *testing.T) {
	fs := checkDockerfile("Dockerfile", []byte("FROM alpine:3.20\n\nCOPY --nope=1 a b\n"))
	if len(fs) != 1 || fs[0].Rule != ruleDockerfileParse.ID || fs[0].Line != 3 {
		t.Fatalf("want one dockerfile-parse error on line 3, got %v", fs)
	}
}

func TestDockerfileHuge(t *testing.T) {
	if raceEnabled {
		t.Skip("huge inputs take minutes under -race; .ci/run runs this test without it")
	}
	if testing.Short() {
		t.Skip("5 MB inputs")
	}
	var b strings.Builder
	b.WriteString("FROM alpine:3.20\n")
	for i := 0; b.Len() < MaxFileSize; i++ {
		fmt.Fprintf(&b, "RUN apk add pkg%d && cd /tmp && echo %d | tee x\n", i, i)
	}
	inputs := map[string]string{
		"many-runs":    b.String(),
		"one-line":     "FROM alpine:3.20\nRUN echo " + strings.Repeat("a", MaxFileSize) + "\n",
		"continued":    "FROM alpine:3.20\nRUN echo" + strings.Repeat(" a \\\n", 1<<20) + "\n",
		"quotes":       "FROM alpine:3.20\nRUN echo " + strings.Repeat(`"|'`, MaxFileSize/3) + "\n",
		"from-garbage": strings.Repeat("FROM ", 1<<20),
	}
	for name, src := range inputs {
		start := time.Now()
		fs := checkDockerfile("Dockerfile", []byte(src))
		took := time.Since(start)
		t.Logf("%s: %d bytes, %d findings, %v", name, len(src), len(fs), took.Round(time.Millisecond))
		if len(fs) == 0 {
			t.Errorf("%s: no findings", name)
		}
	}
}

func FuzzDockerfile(f *testing.F) {
	for _, b := range testdataFiles(f, "dockerfile-", KindDockerfile) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fd := range checkDockerfile("Dockerfile", b) {
			if fd.Rule == "" || fd.Severity == "" {
				t.Fatalf("finding without rule or severity: %+v", fd)
			}
		}
	})
}

// TestPartACheckersConcurrent runs the checkers from several goroutines so
// go test -race sees any shared state.
func TestPartACheckersConcurrent(t *testing.T) {
	wfs := testdataFiles(t, "workflow-", KindWorkflow)
	dfs := testdataFiles(t, "dockerfile-", KindDockerfile)
	want := len(checkWorkflow(".github/workflows/x.yml", wfs[0])) + len(checkDockerfile("Dockerfile", dfs[0]))
	errs := make(chan string, 8)
	for range 8 {
		go func() {
			got := 0
			for range 5 {
				got = len(checkWorkflow(".github/workflows/x.yml", wfs[0])) + len(checkDockerfile("Dockerfile", dfs[0]))
				for _, b := range append(wfs, dfs...) {
					checkSecrets("x", b)
				}
			}
			if got != want {
				errs <- fmt.Sprintf("got %d findings, want %d", got, want)
				return
			}
			errs <- ""
		}()
	}
	for range 8 {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}
