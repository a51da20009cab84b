package validate

import (
	"strings"
	"testing"
	"testing/fstest"
)

func rulesOf(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return out
}

func hasRule(fs []Finding, id string) bool {
	for _, f := range fs {
		if f.Rule == id {
			return true
		}
	}
	return false
}

// TestComposeDotEnv: docker compose reads the .env next to the Compose
// file for interpolation; a duration set from it is valid, and the same file
// with a bad value in .env is not.
func TestComposeDotEnv(t *testing.T) {
	compose := []byte("services:\n  web:\n    image: nginx:1.27\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: ${INTERVAL}\n")
	for _, c := range []struct {
		env  string
		want bool // a compose-parse error
	}{
		{"INTERVAL=30s # comment\n", false},
		{"export INTERVAL=\"1m\"\n", false},
		{"INTERVAL=often\n", true},
	} {
		ws := fstest.MapFS{"app/compose.yaml": {Data: compose}, "app/.env": {Data: []byte(c.env)}}
		fs := CheckFile("app/compose.yaml", compose, Options{Workspace: ws})
		if got := hasRule(fs, ruleComposeParse.ID); got != c.want {
			t.Errorf(".env %q: compose-parse %v, want %v (%v)", c.env, got, c.want, fs)
		}
	}
	// Without a .env the variable is a placeholder, which the loader
	// rejects for a duration: the reason the .env matters.
	if fs := CheckFile("app/compose.yaml", compose, Options{Workspace: fstest.MapFS{}}); !hasRule(fs, ruleComposeParse.ID) {
		t.Errorf("without .env the placeholder is expected to fail the enum: %v", fs)
	}
}

// TestDockerfileAdditionalContext reproduces a Compose build with
// additional_contexts: base: service:base and a Dockerfile FROM base.
func TestDockerfileAdditionalContext(t *testing.T) {
	df := []byte("FROM base\nCOPY app /app\nUSER 10001\nCMD [\"/app\"]\n")
	for _, compose := range []string{
		"services:\n  base:\n    build: ./base\n  app:\n    build:\n      context: .\n      additional_contexts:\n        base: service:base\n",
		"services:\n  app:\n    build:\n      context: .\n      additional_contexts:\n        - base=docker-image://alpine:3.20\n",
	} {
		ws := fstest.MapFS{"compose.yaml": {Data: []byte(compose)}, "Dockerfile": {Data: df}, "app": {Data: []byte("x")}}
		if fs := CheckFile("Dockerfile", df, Options{Workspace: ws}); hasRule(fs, ruleDockerfileUntagged.ID) {
			t.Errorf("FROM a named context is not an untagged image: %v", fs)
		}
	}
	ws := fstest.MapFS{"Dockerfile": {Data: df}, "app": {Data: []byte("x")}}
	if fs := CheckFile("Dockerfile", df, Options{Workspace: ws}); !hasRule(fs, ruleDockerfileUntagged.ID) {
		t.Errorf("with no context named base, FROM base is an untagged image: %v", rulesOf(fs))
	}
}

// TestDockerfileScratchFilesOnly: a final FROM scratch stage holding
// files (no CMD or ENTRYPOINT) runs nothing and needs no USER; one that
// runs a binary still does.
func TestDockerfileScratchFilesOnly(t *testing.T) {
	files := "FROM alpine:3.20 AS build\nRUN echo hi > /out\nFROM scratch\nCOPY --from=build /out /out\n"
	if fs := checkDockerfile("Dockerfile", []byte(files)); hasRule(fs, ruleDockerfileUserMissing.ID) {
		t.Errorf("files-only scratch image: %v", fs)
	}
	runs := files + "ENTRYPOINT [\"/out\"]\n"
	if fs := checkDockerfile("Dockerfile", []byte(runs)); !hasRule(fs, ruleDockerfileUserMissing.ID) {
		t.Errorf("a scratch image that runs still needs USER: %v", fs)
	}
	buildStage := "FROM scratch AS assets\nCOPY a /a\nFROM alpine:3.20\nCOPY --from=assets /a /a\nUSER 10001\nCMD [\"cat\", \"/a\"]\n"
	if fs := checkDockerfile("Dockerfile", []byte(buildStage)); hasRule(fs, ruleDockerfileUserMissing.ID) {
		t.Errorf("a stage that is not the final one needs no USER: %v", fs)
	}
	notScratch := strings.Replace(files, "FROM scratch", "FROM alpine:3.20", 1)
	if fs := checkDockerfile("Dockerfile", []byte(notScratch)); !hasRule(fs, ruleDockerfileUserMissing.ID) {
		t.Errorf("a base image with a shell still needs USER: %v", fs)
	}
}
