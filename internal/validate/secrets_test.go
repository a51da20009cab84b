package validate

import (
	"strings"
	"testing"
	"time"
)

// The fake credentials are assembled at run time so this source file does
// not itself look like it leaks them.
func fakeSecret(prefix string, n int) string {
	const alphabet = "Q7mZ2xR9kT4vB8nW3pL6"
	var b strings.Builder
	b.WriteString(prefix)
	for i := 0; i < n; i++ {
		b.WriteByte(alphabet[i%len(alphabet)])
	}
	return b.String()
}

func TestSecretPatterns(t *testing.T) {
	cases := []struct {
		name, line, rule, secret string
	}{
		{"aws id", "key: " + strings.ToUpper(fakeSecret("AKIA", 16)), ruleSecretAWSKeyID.ID, strings.ToUpper(fakeSecret("AKIA", 16))},
		{"aws sts id", "id=" + strings.ToUpper(fakeSecret("ASIA", 16)), ruleSecretAWSKeyID.ID, strings.ToUpper(fakeSecret("ASIA", 16))},
		{"aws secret", `AWS_SECRET_ACCESS_KEY: "` + fakeSecret("", 40) + `"`, ruleSecretAWSSecret.ID, fakeSecret("", 40)},
		{"github pat classic", "token " + fakeSecret("gh"+"p_", 36), ruleSecretGitHub.ID, fakeSecret("gh"+"p_", 36)},
		{"github app", "x=" + fakeSecret("gh"+"s_", 36), ruleSecretGitHub.ID, fakeSecret("gh"+"s_", 36)},
		{"github fine-grained", fakeSecret("github"+"_pat_", 82), ruleSecretGitHub.ID, fakeSecret("github"+"_pat_", 82)},
		{"private key", "-----BEGIN " + "RSA PRIVATE KEY-----\n" + fakeSecret("MIIE", 60), ruleSecretPrivateKey.ID, "-----BEGIN RSA PRIVATE KEY-----"},
		{"private key in a string", `key: "-----BEGIN ` + `EC PRIVATE KEY-----\n` + fakeSecret("MHcC", 40) + `"`, ruleSecretPrivateKey.ID, "-----BEGIN EC PRIVATE KEY-----"},
		{"slack", "url: " + fakeSecret("xo"+"xb-", 24), ruleSecretSlack.ID, fakeSecret("xo"+"xb-", 24)},
		{"google", "k = " + fakeSecret("AI"+"za", 35), ruleSecretGoogle.ID, fakeSecret("AI"+"za", 35)},
		{"stripe", "STRIPE=" + fakeSecret("sk"+"_live_", 24), ruleSecretStripe.ID, fakeSecret("sk"+"_live_", 24)},
		{"generic quoted", `db_password = "Tr0ub4dor&3x"`, ruleSecretAssignment.ID, "Tr0ub4dor&3x"},
		{"generic yaml", `  api_key: 9f8e7d6c5b4a`, ruleSecretAssignment.ID, "9f8e7d6c5b4a"},
		{"generic json", `{"clientSecret": "c2VjcmV0dmFsdWUx"}`, ruleSecretAssignment.ID, "c2VjcmV0dmFsdWUx"},
		{"go short assign", `token := "abcd1234efgh"`, ruleSecretAssignment.ID, "abcd1234efgh"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := checkSecrets("f.txt", []byte("first line\n"+c.line+"\n"))
			if len(fs) != 1 || fs[0].Rule != c.rule || fs[0].Line != 2 || fs[0].Severity != Error {
				t.Fatalf("want one %s error on line 2, got %v", c.rule, fs)
			}
			if want := strings.Index(c.line, c.secret) + 1; fs[0].Col != want {
				t.Errorf("column %d, want %d", fs[0].Col, want)
			}
			if c.rule != ruleSecretPrivateKey.ID && strings.Contains(fs[0].Message, c.secret[len(c.secret)/2:]) {
				t.Errorf("message leaks the secret: %s", fs[0].Message)
			}
		})
	}
}

func TestSecretPlaceholders(t *testing.T) {
	for _, line := range []string{
		`password: ${{ secrets.DB_PASSWORD }}`,
		`DB_PASSWORD=${DB_PASSWORD}`,
		`password = var.db_password`,
		`token: "<your token>"`,
		`SECRET_KEY=changeme`,
		`api_key = ""`,
		`password = "example-password"`,
		`aws_access_key_id = AKIAIOSFODNN7EXAMPLE`,
		`password = random_password.db.result`,
		`token = getToken()`,
		`POSTGRES_PASSWORD: postgres`,
		`secretKeyRef:`,
		`password: "password"`,
		`token: |`,
		`secret_name = "db-credentials"`,
		`DATABASE_URL: postgres://app:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}@db:5432/app`,
		`access_key = "not-a-real-access-key"`,
		`echo token:abc123def`,
	} {
		if fs := checkSecrets("f", []byte(line)); len(fs) != 0 {
			t.Errorf("%q: want no finding, got %v", line, fs)
		}
	}
}

// TestSecretComposeLeftToComposeRule checks the generic assignment rule
// leaves Compose files to compose-plaintext-secret, while vendor patterns
// still apply there.
func TestSecretComposeLeftToComposeRule(t *testing.T) {
	src := "services:\n  db:\n    environment:\n      DB_PASSWORD: s3cr3t-value9\n      KEY: " + strings.ToUpper(fakeSecret("AKIA", 16)) + "\n"
	fs := checkSecrets("compose.yaml", []byte(src))
	if len(fs) != 1 || fs[0].Rule != ruleSecretAWSKeyID.ID || fs[0].Line != 5 {
		t.Errorf("compose: want only the AWS key on line 5, got %v", fs)
	}
	if fs := checkSecrets("app.env", []byte(src)); countRule(fs, ruleSecretAssignment.ID) != 1 {
		t.Errorf("other files: want the assignment too, got %v", fs)
	}
}

func TestSecretBinaryAndHuge(t *testing.T) {
	bin := append([]byte{0, 1, 2}, []byte("\n"+strings.ToUpper(fakeSecret("AKIA", 16)))...)
	if fs := checkSecrets("f.bin", bin); len(fs) != 0 {
		t.Errorf("binary content: want no findings, got %v", fs)
	}
	big := strings.Repeat("some ordinary line of text = value\n", MaxFileSize/35) + "x=" + strings.ToUpper(fakeSecret("AKIA", 16)) + "\n"
	start := time.Now()
	fs := checkSecrets("big.txt", []byte(big))
	t.Logf("5 MB scan: %v", time.Since(start).Round(time.Millisecond))
	if len(fs) != 1 || fs[0].Rule != ruleSecretAWSKeyID.ID {
		t.Errorf("want the one key at the end, got %v", fs)
	}
}

func TestRedact(t *testing.T) {
	if got := redact("abcdefghijklmnop"); got != "abcd…(16 chars)" {
		t.Errorf("redact = %q", got)
	}
	if got := redact("ab"); !strings.HasPrefix(got, "…") {
		t.Errorf("short values show nothing: %q", got)
	}
}

func FuzzSecrets(f *testing.F) {
	f.Add([]byte(`password = "x"`))
	f.Add([]byte(strings.ToUpper(fakeSecret("AKIA", 16))))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fd := range checkSecrets("f", b) {
			if fd.Line < 1 || fd.Col < 1 {
				t.Fatalf("bad position %+v", fd)
			}
		}
	})
}

// TestSecretAssignmentContext: each case reproduces a false positive met
// in public repositories (see testdata/precision) and must stay silent,
// while the positives beside them are still reported.
func TestSecretAssignmentContext(t *testing.T) {
	quiet := []struct{ name, path, text string }{
		{"permissions block", ".github/workflows/deploy.yml", "jobs:\n  deploy:\n    permissions:\n      contents: read\n      id-token: 'write'\n"},
		{"permission value anywhere", "x.yaml", "id-token: write\n"},
		{"lockfile package name", "backend/package-lock.json", "{\n  \"requires\": {\n    \"registry-auth-token\": \"^4.0.0\"\n  }\n}\n"},
		{"yarn lock", "yarn.lock", "registry-auth-token@^4.0.0:\n  version \"4.2.2\"\n"},
		{"crd description block", "crd.yaml", "properties:\n  automount:\n    description: |-\n      If the service account has `automountServiceAccountToken: true`, set it to false.\n    type: boolean\n"},
		{"description quoted prose", "x.yaml", "spec:\n  description: \"set the api_key: abcdef123456 in the form\"\n"},
		{"config from secret", "ci/14-values.yaml", "server:\n  configFromSecret: \"prometheus-config\"\n"},
		{"secret name", "values.yaml", "tls:\n  secretName: web-tls-cert\n  existingSecret: grafana-admin\n"},
		{"secretKeyRef", "deploy.yaml", "env:\n  - name: P\n    valueFrom:\n      secretKeyRef:\n        name: db\n        key: password\n"},
		{"value names a secret", "values.yaml", "extraEnvSecrets:\n  ES_PASSWORD:\n    secret: my-secret\n"},
		{"commented example", "values.yaml", "targets:\n  # - name: mysql1\n  #   password: password1\n  #   password: hunter22\n"},
		{"your placeholder", "values.yaml", "pingdom:\n  apiToken: \"YourPingdomApiToken\"\n"},
		{"value placeholder", "values.yaml", "stringData:\n  secret: \"value\"\n"},
		{"template", "values.yaml", "auth:\n  password: '{{ .Values.password }}'\n  token: \"${API_TOKEN}\"\n"},
		{"markdown prose", "README.md", "Set `password: hunter2` in the file.\n"},
		{"token url", "config.yaml", "oauth:\n  token_url: https://example.org/oauth/token\n  tokenTTL: 3600s\n"},
	}
	for _, c := range quiet {
		t.Run(c.name, func(t *testing.T) {
			if fs := checkSecrets(c.path, []byte(c.text)); len(fs) != 0 {
				t.Errorf("want no finding, got %v", fs)
			}
		})
	}
	loud := []struct{ name, path, text string }{
		{"secret manifest", "secret.yaml", "apiVersion: v1\nkind: Secret\ndata:\n  password: cXVvYnl0ZQ==\n"},
		{"values literal", "values.yaml", "db:\n  password: \"Tr0ub4dor&3x\"\n"},
		{"script in run", ".github/workflows/ci.yml", "jobs:\n  a:\n    steps:\n      - run: |\n          curl --data api_key=9f8e7d6c5b4a2b1c\n"},
		{"random in comment", "values.yaml", "# api_key: 9f8E7d6C5b4A2b1cQ7mZ2x\n"},
		{"random in markdown", "README.md", "Use `token = 9f8E7d6C5b4A2b1cQ7mZ2x` to log in.\n"},
	}
	for _, c := range loud {
		t.Run(c.name, func(t *testing.T) {
			fs := checkSecrets(c.path, []byte(c.text))
			if len(fs) != 1 || fs[0].Rule != ruleSecretAssignment.ID {
				t.Errorf("want one secret-assignment, got %v", fs)
			}
		})
	}
}

func TestSecretLockfileHash(t *testing.T) {
	line := "  \"integrity\": \"sha512-x/" + strings.ToUpper(fakeSecret("AKIA", 16)) + "/y==\"\n"
	if fs := checkSecrets("package-lock.json", []byte("{\n"+line+"}\n")); len(fs) != 0 {
		t.Errorf("a checksum in a lockfile is not a key id: %v", fs)
	}
	if fs := checkSecrets("other.json", []byte("{\n"+line+"}\n")); len(fs) != 1 {
		t.Errorf("the same text elsewhere is still reported: %v", fs)
	}
}

// TestSecretAssignmentRecall: contexts that look like the quiet ones but
// hold a literal credential are still reported.
func TestSecretAssignmentRecall(t *testing.T) {
	for _, c := range []struct{ name, path, text string }{
		{"flag in a script", "job.yaml", "spec:\n  script: |\n    deploy \\\n      --password=Zq8rT2mX7vLp\n"},
		{"properties map", "values.yaml", "properties:\n  spring.datasource.password: Zq8rT2mX7vLp\n"},
		{"under annotations", "values.yaml", "annotations:\n  api_key: Zq8rT2mX7vLp\n"},
		{"json", "config.json", "{\n  \"auth\": {\"client_secret\": \"Zq8rT2mX7vLp\"}\n}\n"},
		{"terraform", "main.tf", "resource \"x\" \"y\" {\n  password = \"Zq8rT2mX7vLp\"\n}\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if fs := checkSecrets(c.path, []byte(c.text)); len(fs) != 1 || fs[0].Rule != ruleSecretAssignment.ID {
				t.Errorf("want one secret-assignment, got %v", fs)
			}
		})
	}
}

// TestSecretPrivateKeyProse: a header named in prose, with no key
// material after it, is not a key (bitnami/charts values.yaml comments:
// "should start with -----BEGIN CERTIFICATE----- or -----BEGIN RSA
// PRIVATE KEY-----").
func TestSecretPrivateKeyProse(t *testing.T) {
	header := "-----BEGIN " + "RSA PRIVATE KEY-----"
	for _, text := range []string{
		"## the key should start with " + header + "\n##\ntls:\n  key: \"\"\n",
		"kafka: ssl.keystore.key=" + header + " \\\n  ... \\\n",
	} {
		if fs := checkSecrets("values.yaml", []byte(text)); len(fs) != 0 {
			t.Errorf("%q: want no finding, got %v", text, fs)
		}
	}
	block := "hostKey: |-\n  " + header + "\n  " + fakeSecret("MIIE", 60) + "\n"
	if fs := checkSecrets("values.yaml", []byte(block)); len(fs) != 1 || fs[0].Rule != ruleSecretPrivateKey.ID {
		t.Errorf("a key block is reported: %v", fs)
	}
}

// TestSecretAssignmentValues: paths, decoded examples, regular
// expressions and Secret names are not credentials.
func TestSecretAssignmentValues(t *testing.T) {
	for _, text := range []string{
		"registry:\n  privatekey: /etc/registry/pk.pem\n",
		"data:\n  secret: ZXhhbXBsZS1hcHAtc2VjcmV0\n", // base64 of example-app-secret
		"  local password=$(grep -oP '^password=\\K.+' $1);\n",
		"ingress:\n  tlsSecret: grafana.local-tls\n",
	} {
		if fs := checkSecrets("x.yaml", []byte(text)); len(fs) != 0 {
			t.Errorf("%q: want no finding, got %v", text, fs)
		}
	}
}

// TestSecretProseKeyOutsideYAML: JSON and HCL descriptions are prose too.
func TestSecretProseKeyOutsideYAML(t *testing.T) {
	for _, c := range []struct{ path, text string }{
		{"schema.json", "{\n  \"description\": \"the api_key: abcdef123456 goes in the header\"\n}\n"},
		{"variables.tf", "variable \"x\" {\n  description = \"token=abcdef123456 is read from the vault\"\n}\n"},
	} {
		if fs := checkSecrets(c.path, []byte(c.text)); len(fs) != 0 {
			t.Errorf("%s: want no finding, got %v", c.path, fs)
		}
	}
	if fs := checkSecrets("c.json", []byte("{\n  \"api_key\": \"abcdef123456\"\n}\n")); len(fs) != 1 {
		t.Errorf("a JSON key of its own is still reported: %v", fs)
	}
}

// TestSecretMessageCatalog: translation catalogs hold text about
// passwords and tokens ("password": "Heslo"), not credentials; a value
// that reads as a generated token is still reported there.
func TestSecretMessageCatalog(t *testing.T) {
	for _, p := range []string{"src/lang/cs-CZ.json", "public/intl/messages/de-DE.json", "apps/web/locales/fr-FR.json",
		"src/i18n/es/common.json", "config/locales/en.yml"} {
		text := "{\n  \"password\": \"Heslo\",\n  \"forgot_your_password\": \"Glömt ditt lösenord?\",\n" +
			"  \"brevoApiKey\": \"Brevo-API-Schlüssel\",\n  \"Token\": \"Berechtigungs-Code\"\n}\n"
		if fs := checkSecrets(p, []byte(text)); len(fs) != 0 {
			t.Errorf("%s: want no finding, got %v", p, fs)
		}
		real := "{\n  \"api_key\": \"" + fakeSecret("k9", 30) + "\"\n}\n"
		if fs := checkSecrets(p, []byte(real)); len(fs) != 1 {
			t.Errorf("%s: a random-looking token is still reported, got %v", p, fs)
		}
	}
	for _, p := range []string{"config/settings.json", "messages/app.json", "src/language.json"} {
		if fs := checkSecrets(p, []byte("{\n  \"password\": \"Heslo1\"\n}\n")); len(fs) != 1 {
			t.Errorf("%s is not a catalog: want one finding, got %v", p, fs)
		}
	}
}

// TestSecretJSONPointer: an OpenAPI $ref-like value ("#/components/...")
// points at a schema.
func TestSecretJSONPointer(t *testing.T) {
	text := "{\n  \"lookup_secret\": \"#/components/schemas/updateSettingsFlowWithLookupMethod\"\n}\n"
	if fs := checkSecrets("spec/api.json", []byte(text)); len(fs) != 0 {
		t.Errorf("want no finding, got %v", fs)
	}
}

// TestSecretDurationsAndStandIns: a token lifetime ("720h") and test
// stand-ins (foo1, bar2) are not credentials; a real-looking value is.
func TestSecretDurationsAndStandIns(t *testing.T) {
	for _, text := range []string{
		"{\n  \"ttl\": {\n    \"refresh_token\": \"720h\",\n    \"access_token\": \"1h30m\"\n  }\n}\n",
		"{\n  \"searchApiKey\": \"foo5\",\n  \"writeApiKey\": \"bar5\"\n}\n",
	} {
		if fs := checkSecrets("expected.json", []byte(text)); len(fs) != 0 {
			t.Errorf("%q: want no finding, got %v", text, fs)
		}
	}
	if fs := checkSecrets("c.json", []byte("{\n  \"writeApiKey\": \"barn720hx\"\n}\n")); len(fs) != 1 {
		t.Errorf("want one finding, got %v", fs)
	}
}

// TestSecretPrivateKeyFiller: a header followed by a repeated word (a
// sample config's stand-in) is not a key; real-looking material is.
func TestSecretPrivateKeyFiller(t *testing.T) {
	filler := "# github-app.private-key: |\n#   -----BEGIN " + "RSA PRIVATE KEY-----\n#   privatekeyprivatekeyprivatekeyprivatekey\n#   -----END RSA PRIVATE KEY-----\n"
	if fs := checkSecrets("config.example.yml", []byte(filler)); len(fs) != 0 {
		t.Errorf("want no finding, got %v", fs)
	}
	real := "key: |\n  -----BEGIN " + "PRIVATE KEY-----\n  MIIJQwIBADANBgkqhkiG9w0BAQEFAASCCS0wggkpAgEAAoICAQCPrHPExpLkhNYd\n"
	if fs := checkSecrets("configuration.yml", []byte(real)); len(fs) != 1 {
		t.Errorf("want one finding, got %v", fs)
	}
}
