package validate

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestComposeRepoOverlay: a deploy or override file beside compose.yml
// names services the base file defines; alone it does not load, with the
// base beside it the missing image is not reported. A service the base
// does not define still is.
func TestComposeRepoOverlay(t *testing.T) {
	base := []byte("services:\n  db:\n    image: postgres:17\n  adminer:\n    image: adminer:5\n")
	overlay := []byte("services:\n  db:\n    restart: always\n  adminer:\n    restart: always\n")
	ws := fstest.MapFS{"compose.yml": {Data: base}, "compose.deploy.yml": {Data: overlay}}
	if fs := CheckFile("compose.deploy.yml", overlay, Options{Workspace: ws}); hasRule(fs, ruleComposeParse.ID) {
		t.Errorf("an overlay of compose.yml: %v", fs)
	}
	if fs := CheckFile("compose.deploy.yml", overlay, Options{}); !hasRule(fs, ruleComposeParse.ID) {
		t.Errorf("alone, the overlay does not load: %v", rulesOf(fs))
	}
	stray := []byte("services:\n  cache:\n    restart: always\n")
	ws["compose.override.yml"] = &fstest.MapFile{Data: stray}
	if fs := CheckFile("compose.override.yml", stray, Options{Workspace: ws}); !hasRule(fs, ruleComposeParse.ID) {
		t.Errorf("a service no base file defines is still incomplete: %v", rulesOf(fs))
	}
}

// TestComposeRepoImageHealthcheck: a dependency built from a Dockerfile
// whose target stage has a HEALTHCHECK has a healthcheck; one built
// without, or whose HEALTHCHECK is NONE, has none.
func TestComposeRepoImageHealthcheck(t *testing.T) {
	compose := []byte("services:\n  backend:\n    build:\n      context: backend\n      target: development\n" +
		"  frontend:\n    image: nginx:1.27\n    depends_on:\n      - backend\n")
	for df, want := range map[string]bool{
		"FROM node:22 AS development\nHEALTHCHECK --interval=30s CMD node healthcheck.js\nCMD [\"node\", \"app.js\"]\nFROM development AS dev-envs\n": false,
		"FROM node:22 AS base\nHEALTHCHECK CMD true\nFROM base AS development\nCMD [\"node\", \"app.js\"]\n":                                          false,
		"FROM node:22 AS development\nCMD [\"node\", \"app.js\"]\n":                                                                                   true,
		"FROM node:22 AS development\nHEALTHCHECK NONE\n":                                                                                             true,
	} {
		ws := fstest.MapFS{"compose.yaml": {Data: compose}, "backend/Dockerfile": {Data: []byte(df)}}
		if fs := CheckFile("compose.yaml", compose, Options{Workspace: ws}); hasRule(fs, ruleComposeHealthcheckDep.ID) != want {
			t.Errorf("%q: want a healthcheck finding %v, got %v", df, want, rulesOf(fs))
		}
	}
}

// TestComposeBooleanSecretSwitch: MYSQL_ALLOW_EMPTY_PASSWORD=true is a
// switch, not a password.
func TestComposeBooleanSecretSwitch(t *testing.T) {
	src := []byte("services:\n  mysql:\n    image: mysql:9.2\n    environment:\n      - MYSQL_ALLOW_EMPTY_PASSWORD=true\n      - MYSQL_RANDOM_ROOT_PASSWORD=yes\n      - MYSQL_PASSWORD=petclinic\n")
	n := 0
	for _, f := range checkCompose("docker-compose.yml", src) {
		if f.Rule == ruleComposeSecret.ID {
			n++
		}
	}
	if n != 1 {
		t.Errorf("want one plaintext-secret finding (MYSQL_PASSWORD), got %d", n)
	}
}

// TestComposeDefaultsWhenUnset: "${HOST:-127.0.0.1}:${PORT:-8000}:8000"
// loads with its defaults; a file broken either way is still reported.
func TestComposeDefaultsWhenUnset(t *testing.T) {
	ok := []byte("services:\n  vllm:\n    image: vllm/vllm-openai:v0.9.2\n    ports:\n      - \"${QWEN_VLLM_HOST:-127.0.0.1}:${QWEN_VLLM_PORT:-8000}:8000\"\n")
	if fs := checkCompose("docker-compose.yml", ok); hasRule(fs, ruleComposeParse.ID) {
		t.Errorf("defaults load: %v", fs)
	}
	bad := []byte("services:\n  vllm:\n    image: vllm/vllm-openai:v0.9.2\n    ports:\n      - \"300.1.1.1:8000:8000\"\n")
	if fs := checkCompose("docker-compose.yml", bad); !hasRule(fs, ruleComposeParse.ID) {
		t.Errorf("a bad address is still reported: %v", rulesOf(fs))
	}
}

// TestComposeOverlayHealthcheckInBase: compose.override.yml's playwright
// depends on backend, whose healthcheck is in compose.yml.
func TestComposeOverlayHealthcheckInBase(t *testing.T) {
	base := []byte("services:\n  backend:\n    image: app:1\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n  mail:\n    image: mailpit:1\n")
	over := []byte("services:\n  backend:\n    ports:\n      - \"8000:8000\"\n  mail:\n    ports:\n      - \"8025:8025\"\n" +
		"  playwright:\n    image: pw:1\n    depends_on:\n      - backend\n      - mail\n")
	ws := fstest.MapFS{"compose.yml": {Data: base}, "compose.override.yml": {Data: over}}
	var deps []string
	for _, f := range CheckFile("compose.override.yml", over, Options{Workspace: ws}) {
		if f.Rule == ruleComposeHealthcheckDep.ID {
			deps = append(deps, f.Message)
		}
	}
	if len(deps) != 1 || !strings.Contains(deps[0], "depends on mail,") {
		t.Errorf("want only mail reported, got %q", deps)
	}
}

// TestComposeEmptyVariables: "${HTTP_BIND}:${HTTP_PORT}:80" and
// ${HOME}/.ssh load with the variables empty, while ${PW:?set PW} stays
// satisfied; a file broken whatever the variables is still reported.
func TestComposeEmptyVariables(t *testing.T) {
	ok := []byte("services:\n  nginx:\n    image: nginx:1.27\n    ports:\n      - \"${HTTP_BIND}:${HTTP_PORT}:80\"\n" +
		"    volumes:\n      - ${HOME}/.ssh:/root/.ssh:ro\n    environment:\n      PW: ${PW:?set PW}\n")
	if fs := checkCompose("compose.yml", ok); hasRule(fs, ruleComposeParse.ID) {
		t.Errorf("loads with the variables set: %v", fs)
	}
	bad := []byte("services:\n  nginx:\n    image: nginx:1.27\n    ports:\n      - \"${HTTP_BIND}:${HTTP_PORT}:80\"\n    volumes:\n      - nope:/x\n")
	if fs := checkCompose("compose.yml", bad); !hasRule(fs, ruleComposeParse.ID) {
		t.Errorf("an undefined volume is still reported: %v", rulesOf(fs))
	}
}
