package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/validate"
)

// validateCLI runs "devops-lead validate args..." in dir (made the current
// directory for the test) and returns the exit code and outputs.
func validateCLI(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Chdir(dir)
	var out, errOut bytes.Buffer
	code = Main(append([]string{"validate"}, args...), strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// cleanFiles parse and carry nothing any rule flags.
var cleanFiles = map[string]string{
	"config/settings.json": "{\"name\": \"api\", \"replicas\": 2}\n",
	"config/app.toml":      "name = \"api\"\nport = 8080\n",
	"notes.md":             "not an artifact\n",
}

// bigDockerfile is over the size limit: a file-too-large warning.
var bigDockerfile = "FROM scratch\n" + strings.Repeat("# padding\n", validate.MaxFileSize/10+1)

func TestValidateClean(t *testing.T) {
	dir := writeTree(t, cleanFiles)
	code, out, errOut := validateCLI(t, dir)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if out != "no findings\n" {
		t.Errorf("stdout %q", out)
	}
	if !strings.Contains(errOut, "2 file(s) checked") {
		t.Errorf("stderr %q does not count the 2 artifacts", errOut)
	}
}

func TestValidateErrorsExit1(t *testing.T) {
	files := map[string]string{"deploy/values.json": "{\"a\": 1,,}\n"}
	for p, c := range cleanFiles {
		files[p] = c
	}
	dir := writeTree(t, files)
	code, out, errOut := validateCLI(t, dir, ".")
	if code != exitFail {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.HasPrefix(out, "deploy/values.json:1:") || !strings.Contains(out, ": error [") {
		t.Errorf("stdout does not report the error at deploy/values.json:1:\n%s", out)
	}
	if !strings.HasSuffix(out, "1 error(s), 0 warning(s), 0 note(s) in 1 file(s)\n") {
		t.Errorf("summary line wrong:\n%s", out)
	}
	// Paths are relative to the current directory, whatever was named.
	t.Chdir(filepath.Join(dir, "deploy"))
	var b bytes.Buffer
	if code := Main([]string{"validate", "values.json"}, nil, &b, &bytes.Buffer{}); code != exitFail || !strings.HasPrefix(b.String(), "values.json:1:") {
		t.Errorf("from deploy/: exit %d, stdout:\n%s", code, b.String())
	}
}

// helmChart is a small chart whose pod meets the restricted policy unless
// values.yaml turns privileged on.
func helmChart(privileged bool) map[string]string {
	return map[string]string{
		"charts/web/Chart.yaml":             "apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: \"1.2.0\"\n",
		"charts/web/values.yaml":            fmt.Sprintf("image: ghcr.io/example/web:1.2.0\nprivileged: %v\n", privileged),
		"charts/web/templates/_helpers.tpl": "{{- define \"web.labels\" -}}\napp: {{ .Chart.Name }}\n{{- end }}\n",
		"charts/web/templates/pod.yaml": `apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-web
  labels:
    {{- include "web.labels" . | nindent 4 }}
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: web
      image: {{ .Values.image }}
      securityContext:
        privileged: {{ .Values.privileged }}
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities:
          drop: ["ALL"]
      resources:
        requests: {cpu: 10m, memory: 16Mi}
        limits: {cpu: 100m, memory: 64Mi}
`,
	}
}

// TestValidateHelmChart checks that validate renders a chart with its
// values.yaml and reports what the rendered pod breaks on the template,
// also when only the template is named.
func TestValidateHelmChart(t *testing.T) {
	dir := writeTree(t, helmChart(false))
	if code, out, errOut := validateCLI(t, dir); code != exitOK || out != "no findings\n" {
		t.Fatalf("clean chart: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	dir = writeTree(t, helmChart(true))
	for _, args := range [][]string{nil, {"charts/web/templates/pod.yaml"}} {
		code, out, errOut := validateCLI(t, dir, args...)
		if code != exitFail || !strings.Contains(out, "charts/web/templates/pod.yaml:") || !strings.Contains(out, "[k8s-privileged] rendered with values.yaml:") {
			t.Errorf("validate %v: exit %d, want 1 and k8s-privileged on the template\nstdout:\n%s\nstderr:\n%s", args, code, out, errOut)
		}
		if !strings.Contains(errOut, "4 file(s) checked") {
			t.Errorf("validate %v: stderr %q does not count the chart's 4 files", args, errOut)
		}
	}
}

func TestValidateStrict(t *testing.T) {
	dir := writeTree(t, map[string]string{"Dockerfile": bigDockerfile})
	code, out, _ := validateCLI(t, dir)
	if code != exitOK {
		t.Errorf("a warning failed without --strict: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "Dockerfile:1:1: warning [file-too-large]") {
		t.Errorf("stdout lacks the warning:\n%s", out)
	}
	// Flags may follow the paths.
	if code, out, _ := validateCLI(t, dir, ".", "--strict"); code != exitFail {
		t.Errorf("--strict with a warning: exit %d, want 1\n%s", code, out)
	}
}

func TestValidateJSON(t *testing.T) {
	dir := writeTree(t, map[string]string{"bad.toml": "a = = 1\n", "ok.json": "{}\n"})
	code, out, errOut := validateCLI(t, dir, "--format", "json")
	if code != exitFail {
		t.Errorf("exit %d, want 1; stderr %s", code, errOut)
	}
	var rep validate.JSONReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if len(rep.Findings) == 0 || rep.Findings[0].Path != "bad.toml" || rep.Findings[0].Severity != validate.Error {
		t.Errorf("findings %+v, want an error in bad.toml", rep.Findings)
	}
	if rep.Summary.Errors != len(rep.Findings) || rep.Summary.Files != 1 {
		t.Errorf("summary %+v for %d findings", rep.Summary, len(rep.Findings))
	}
	if !strings.Contains(errOut, "2 file(s) checked: ") {
		t.Errorf("stderr %q lacks the outcome", errOut)
	}
}

func TestValidateSARIFToFile(t *testing.T) {
	dir := writeTree(t, map[string]string{"svc/bad.yaml": "a: [1, 2\n"})
	out := filepath.Join(t.TempDir(), "results.sarif")
	code, stdout, errOut := validateCLI(t, dir, "--format=sarif", "--output", out, "svc")
	if code != exitFail {
		t.Errorf("exit %d, want 1; stderr %s", code, errOut)
	}
	if stdout != "" {
		t.Errorf("with --output, stdout must stay empty, got %q", stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "devops-lead" {
		t.Fatalf("not a devops-lead SARIF 2.1.0 log:\n%s", data)
	}
	res := log.Runs[0].Results
	if len(res) == 0 || res[0].Level != "error" || len(res[0].Locations) != 1 {
		t.Fatalf("results %+v, want an error with a location", res)
	}
	loc := res[0].Locations[0].PhysicalLocation.ArtifactLocation
	if loc.URI != "svc/bad.yaml" || loc.URIBaseID != "%SRCROOT%" {
		t.Errorf("location %+v, want svc/bad.yaml against %%SRCROOT%%", loc)
	}
	if rules := log.Runs[0].Tool.Driver.Rules; len(rules) == 0 || rules[0].ID != res[0].RuleID {
		t.Errorf("rules %+v do not describe %s", rules, res[0].RuleID)
	}
}

func TestValidateRules(t *testing.T) {
	code, out, errOut := validateCLI(t, t.TempDir(), "--rules")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(validate.Rules())+1 || !strings.HasPrefix(lines[0], "ID ") {
		t.Errorf("want a header and %d rule lines, got:\n%s", len(validate.Rules()), out)
	}
	for _, r := range validate.Rules() {
		if !strings.Contains(out, "\n"+r.ID+" ") {
			t.Errorf("rule %s missing from the table", r.ID)
		}
	}

	code, out, _ = validateCLI(t, t.TempDir(), "--rules", "--format", "json")
	if code != exitOK {
		t.Fatalf("--rules --format json: exit %d", code)
	}
	var rules []validate.Rule
	if err := json.Unmarshal([]byte(out), &rules); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(rules) != len(validate.Rules()) {
		t.Errorf("%d rules in JSON, %d registered", len(rules), len(validate.Rules()))
	}
	for _, r := range rules {
		if r.ID == "" || r.Kind == "" || r.Severity == "" || r.Summary == "" {
			t.Errorf("incomplete rule %+v", r)
		}
	}
	var withPresets []struct {
		ID                    string
		Severity, Recommended validate.Severity
	}
	if err := json.Unmarshal([]byte(out), &withPresets); err != nil {
		t.Fatal(err)
	}
	for _, r := range withPresets {
		if r.ID == "k8s-seccomp" && (r.Severity != validate.Error || r.Recommended != validate.Warning) {
			t.Errorf("k8s-seccomp: strict %s, recommended %s", r.Severity, r.Recommended)
		}
	}
}

func TestValidateUsageErrors(t *testing.T) {
	dir := writeTree(t, cleanFiles)
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"--format", "xml"},
		{"--rules", "--format", "sarif"},
		{"--rules", "somepath"},
		{"does/not/exist"},
	} {
		code, out, errOut := validateCLI(t, dir, args...)
		if code != exitUsage {
			t.Errorf("validate %q: exit %d, want 2\nstdout %s\nstderr %s", args, code, out, errOut)
		}
		if errOut == "" {
			t.Errorf("validate %q: nothing on stderr", args)
		}
	}
}

func TestValidateDoubleDash(t *testing.T) {
	dir := writeTree(t, map[string]string{"--strict/x.json": "{}\n"})
	// After "--", "--strict" is a path, not a flag.
	code, out, errOut := validateCLI(t, dir, "--", "--strict")
	if code != exitOK || !strings.Contains(errOut, "1 file(s) checked") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
}

// TestCheckFilesParallelMatchesCheck runs the gate over files of every kind
// on several goroutines (run it with -race) and wants the findings of the
// sequential gate, in the same order.
func TestCheckFilesParallelMatchesCheck(t *testing.T) {
	var files []validate.File
	for i := range 6 {
		p := fmt.Sprintf("svc%d/", i)
		files = append(files,
			validate.File{Path: fmt.Sprintf(".github/workflows/ci%d.yml", i), Content: []byte("on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.issue.title }}\n")},
			validate.File{Path: p + "Dockerfile", Content: []byte("FROM alpine\nRUN apk add curl\nCMD node server.js\n")},
			validate.File{Path: p + ".dockerignore", Content: []byte(".git\n")},
			validate.File{Path: p + "compose.yaml", Content: []byte("services:\n  web:\n    image: nginx\n    privileged: true\n")},
			validate.File{Path: p + "main.tf", Content: []byte("resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n}\n")},
			validate.File{Path: p + "k8s/pod.yaml", Content: []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx\n")},
			validate.File{Path: p + "rules.yml", Content: []byte("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n")},
			validate.File{Path: p + "bad.json", Content: []byte("{,}")},
			validate.File{Path: p + "a.toml", Content: []byte("a = 1\n")},
		)
		for path, content := range helmChart(i%2 == 0) {
			files = append(files, validate.File{Path: p + path, Content: []byte(content)})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	want := validate.Check(files, validate.Options{})
	if len(want) == 0 {
		t.Fatal("the fixture gives no findings: the comparison would prove nothing")
	}
	for _, workers := range []int{1, 2, 4} {
		got := checkFiles(files, validate.Options{}, workers)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("workers=%d: %d findings, want the %d of validate.Check in order", workers, len(got), len(want))
		}
	}
}

// contextRepo is a repository whose service Dockerfile copies a file that
// is not there and builds a go.mod that replaces a module outside its
// context: both need the repository to be seen.
var contextRepo = map[string]string{
	".git/HEAD": "ref: refs/heads/main\n",
	"services/api/Dockerfile": "FROM golang:1.25-bookworm AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\n" +
		"RUN CGO_ENABLED=0 go build -o /out/api .\n\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /out/api /app/api\nUSER 65532:65532\nENTRYPOINT [\"/app/api\"]\n",
	"services/api/.dockerignore": ".git\n.env\n",
	"services/api/go.mod":        "module example.com/api\n\ngo 1.25\n\nrequire example.com/libs v0.0.0\n\nreplace example.com/libs => ../../libs\n",
	"services/api/main.go":       "package main\n\nfunc main() {}\n",
	"libs/go.mod":                "module example.com/libs\n\ngo 1.25\n",
}

// The build-context rules run with the repository found from the current
// directory, also from a subdirectory: the go.mod replace is resolved
// against the repository root above it, and the paths stay relative to
// the current directory.
func TestValidateBuildContext(t *testing.T) {
	dir := writeTree(t, contextRepo)
	for _, tc := range []struct{ cwd, prefix string }{{".", "services/api/"}, {"services", "api/"}, {"services/api", ""}} {
		code, out, errOut := validateCLI(t, filepath.Join(dir, filepath.FromSlash(tc.cwd)))
		if code != exitFail {
			t.Fatalf("cwd %s: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", tc.cwd, code, out, errOut)
		}
		for _, want := range []string{
			tc.prefix + "Dockerfile:3:1: error [dockerfile-copy-missing]",
			tc.prefix + "Dockerfile:3:1: error [dockerfile-context-go-replace]",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("cwd %s: stdout lacks %q:\n%s", tc.cwd, want, out)
			}
		}
	}
	// With go.sum there and the module built from the root, the same
	// Dockerfile is clean.
	fixed := map[string]string{"services/api/go.sum": "\n"}
	for p, c := range contextRepo {
		fixed[p] = c
	}
	fixed["services/api/go.mod"] = "module example.com/api\n\ngo 1.25\n"
	dir = writeTree(t, fixed)
	if code, out, errOut := validateCLI(t, dir); code != exitOK {
		t.Errorf("fixed repository: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

// Without .git the current directory is the repository.
func TestRepositoryOptions(t *testing.T) {
	dir := writeTree(t, map[string]string{"a/b/x.txt": "x\n"})
	opts := repositoryOptions(filepath.Join(dir, "a", "b"))
	if opts.Workspace == nil || opts.Base != "." {
		t.Errorf("no .git: base %q, workspace %v; want the current directory", opts.Base, opts.Workspace)
	}
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	opts = repositoryOptions(filepath.Join(dir, "a", "b"))
	if opts.Base != "a/b" {
		t.Errorf("with .git at the top: base %q, want a/b", opts.Base)
	}
	if _, err := fs.Stat(opts.Workspace, "a/b/x.txt"); err != nil {
		t.Errorf("the workspace is not the repository root: %v", err)
	}
}
