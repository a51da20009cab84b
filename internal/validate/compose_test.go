package validate

import (
	"strings"
	"testing"
)

func TestRefPinProblem(t *testing.T) {
	for _, c := range []struct {
		ref  string
		want string // a word the problem must contain, or "" for none
	}{
		{"nginx:1.27", ""},
		{"ghcr.io/org/app:v2.3.4", ""},
		{"localhost:5000/app:1.0", ""},
		{"localhost:5000/app", "no tag"},
		{"nginx", "no tag"},
		{"nginx:latest", "latest"},
		{"registry.example.com:443/team/app:latest", "latest"},
		{"app@sha256:abcdef", ""},
		{"${REGISTRY}/app:${TAG}", ""},
		{"", "empty"},
	} {
		got := refPinProblem(c.ref)
		if (c.want == "") != (got == "") || (c.want != "" && !strings.Contains(got, c.want)) {
			t.Errorf("refPinProblem(%q) = %q, want a problem containing %q", c.ref, got, c.want)
		}
	}
}

func TestSecretEnvKey(t *testing.T) {
	yes := []string{"POSTGRES_PASSWORD", "DB_PASSWD", "JWT_SECRET", "GITHUB_TOKEN", "STRIPE_API_KEY", "secret_key_base"}
	no := []string{"POSTGRES_PASSWORD_FILE", "TOKEN_PATH", "LOG_LEVEL", "KEYCLOAK_URL", "AWS_ACCESS_KEY_ID", "SECRETS_DIR"}
	for _, k := range yes {
		if !secretEnvKey(k) {
			t.Errorf("secretEnvKey(%q) = false, want true", k)
		}
	}
	for _, k := range no {
		if secretEnvKey(k) {
			t.Errorf("secretEnvKey(%q) = true, want false", k)
		}
	}
	for v, want := range map[string]bool{"hunter2": true, "${PW}": false, "${PW:?set PW}": false, "": false, "  ": false, "$PW": false, "/run/secrets/db-password": false, "/var/run/secrets/pw": false, "/run/secretsX": true} {
		if got := literalSecretValue(v); got != want {
			t.Errorf("literalSecretValue(%q) = %v, want %v", v, got, want)
		}
	}
}

// TestComposeInMemory checks that the loader neither reads other files nor
// fails on variables that are not set.
func TestComposeInMemory(t *testing.T) {
	src := `name: ${PROJECT:-demo}
services:
  api:
    image: ${REGISTRY:?set REGISTRY}/api:${TAG:-1.0.0}
    env_file: /definitely/not/here.env
    label_file: ./missing.labels
    deploy:
      replicas: ${REPLICAS}
    ports:
      - "${PORT}:8080"
  worker:
    extends:
      file: ./other-compose.yaml
      service: base
`
	if got := checkCompose("compose.yaml", []byte(src)); len(got) != 0 {
		t.Errorf("got %v, want no findings", got)
	}
}

func TestComposeShape(t *testing.T) {
	for name, src := range map[string]string{
		"empty":     "",
		"scalar":    "just a string\n",
		"two docs":  "services: {a: {image: 'x:1'}}\n---\nservices: {}\n",
		"null":      "~\n",
		"list":      "- a\n- b\n",
		"bad type":  "services:\n  web:\n    image: nginx:1.27\n    ports: 80\n",
		"too large": "services:\n" + strings.Repeat("#", composeMaxBytes),
	} {
		got := checkCompose("compose.yaml", []byte(src))
		if len(got) == 0 || got[0].Rule != "compose-parse" {
			t.Errorf("%s: got %v, want a compose-parse finding", name, got)
		}
	}
}

func TestComposeErrorPosition(t *testing.T) {
	src := "services:\n  db:\n    image: postgres:16.4\n  web:\n    image: nginx:1.27\n    bogus_key: 1\n"
	got := checkCompose("compose.yaml", []byte(src))
	if len(got) != 1 || got[0].Line != 6 || !strings.Contains(got[0].Message, "bogus_key") {
		t.Errorf("got %v, want one compose-parse finding at line 6 naming bogus_key", got)
	}
}

func FuzzCompose(f *testing.F) {
	for _, b := range seedFiles(f, "compose-", KindCompose) {
		f.Add(b)
	}
	f.Add([]byte("services:\n  a:\n    depends_on: {b: {condition: service_healthy}}\n  b: {image: 'x'}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fd := range checkCompose("compose.yaml", b) {
			if fd.Rule == "" || fd.Line < 0 || fd.Col < 0 {
				t.Fatalf("malformed finding %+v", fd)
			}
		}
	})
}

func TestComposeExtendsHealthcheck(t *testing.T) {
	src := `services:
  base:
    image: postgres:16.4
    healthcheck:
      test: ["CMD", "pg_isready"]
  db:
    extends: {service: base}
  nohc:
    image: redis:7.4
  api:
    image: example/api:1.0.0
    depends_on:
      db: {condition: service_healthy}
      nohc: {condition: service_healthy}
`
	got := checkCompose("compose.yaml", []byte(src))
	if len(got) != 1 || got[0].Rule != "compose-healthcheck" || got[0].Line != 14 {
		t.Errorf("got %v, want one compose-healthcheck finding for nohc on line 14", got)
	}
}
