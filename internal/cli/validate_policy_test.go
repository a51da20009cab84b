package cli

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/validate"
)

// rootDockerfile has no USER: dockerfile-user-missing, an error under
// strict and a warning under recommended.
const rootDockerfile = "FROM alpine:3.20\nCMD [\"sh\"]\n"

// shellWorkflow has an unquoted $HOME in a run: script (SC2086, info) and
// is otherwise clean under both presets.
const shellWorkflow = `name: ci
on: push
permissions: {contents: read}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo $HOME
`

func TestValidatePresets(t *testing.T) {
	dir := writeTree(t, map[string]string{"Dockerfile": rootDockerfile})
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{nil, exitOK, "Dockerfile:1:1: warning [dockerfile-user-missing]"},
		{[]string{"--preset", "recommended"}, exitOK, "Dockerfile:1:1: warning [dockerfile-user-missing]"},
		{[]string{"--preset", "strict"}, exitFail, "Dockerfile:1:1: error [dockerfile-user-missing]"},
		{[]string{"--strict"}, exitFail, "Dockerfile:1:1: error [dockerfile-user-missing]"},
		// --strict fails on the warning that recommended leaves.
		{[]string{"--strict", "--preset=recommended"}, exitFail, "Dockerfile:1:1: warning [dockerfile-user-missing]"},
	} {
		code, out, errOut := validateCLI(t, dir, c.args...)
		if code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("validate %v: exit %d (want %d)\n%s%s\nwant %q", c.args, code, c.code, out, errOut, c.want)
		}
	}
}

func TestValidateRepositoryPolicy(t *testing.T) {
	for _, c := range []struct {
		name, config string
		args         []string
		code         int
		want, absent string
	}{
		{"a rule made an error", "validate:\n  rules:\n    dockerfile-user-missing: error\n", nil, exitFail, "error [dockerfile-user-missing]", ""},
		{"a rule turned off", "validate:\n  rules:\n    dockerfile-user-missing: off\n", []string{"--strict"}, exitOK, "no findings", "dockerfile-user-missing"},
		{"a rule made a note", "validate:\n  rules:\n    dockerfile-user-missing: note\n", []string{"--strict"}, exitOK, "note [dockerfile-user-missing]", ""},
		{"the config's preset", "validate:\n  preset: strict\n", nil, exitFail, "error [dockerfile-user-missing]", ""},
		{"--preset beats the config", "validate:\n  preset: strict\n", []string{"--preset", "recommended"}, exitOK, "warning [dockerfile-user-missing]", ""},
		{"other settings only", "trigger_label: ops\n", nil, exitOK, "warning [dockerfile-user-missing]", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{"Dockerfile": rootDockerfile, ".github/devops-lead.yml": c.config})
			code, out, errOut := validateCLI(t, dir, c.args...)
			if code != c.code || !strings.Contains(out, c.want) || (c.absent != "" && strings.Contains(out, c.absent)) {
				t.Errorf("exit %d (want %d)\n%s%s\nwant %q, not %q", code, c.code, out, errOut, c.want, c.absent)
			}
			// The same file given with --config from elsewhere.
			other := writeTree(t, map[string]string{"Dockerfile": rootDockerfile, "policy.yml": c.config})
			code2, out2, _ := validateCLI(t, other, append([]string{"--config", "policy.yml", "Dockerfile"}, c.args...)...)
			if code2 != code || out2 != out {
				t.Errorf("--config: exit %d, output\n%s\nthe repository's file: exit %d\n%s", code2, out2, code, out)
			}
		})
	}
}

func TestValidatePolicyErrors(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"Dockerfile":              rootDockerfile,
		".github/devops-lead.yml": "validate:\n  rules:\n    dockerfile-user: off\n",
		"sev.yml":                 "validate:\n  rules:\n    k8s-probes: fatal\n",
	})
	code, out, errOut := validateCLI(t, dir)
	if code != exitUsage || out != "" {
		t.Errorf("exit %d, want 2; stdout %q", code, out)
	}
	for _, want := range []string{".github/devops-lead.yml line 3", `unknown rule "dockerfile-user"`, "dockerfile-user-missing", "valid rules are", "k8s-seccomp"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--config", "sev.yml"}, `sev.yml line 3: validate.rules.k8s-probes: unknown severity "fatal"`},
		{[]string{"--config", "missing.yml"}, "read the config"},
		{[]string{"--config", "sev.yml", "--preset", "lenient"}, `--preset: unknown preset "lenient"`},
	} {
		code, _, errOut := validateCLI(t, dir, c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant %q", c.args, code, errOut, c.want)
		}
	}
}

func TestValidateShellcheckAbsent(t *testing.T) {
	dir := writeTree(t, map[string]string{".github/workflows/ci.yml": shellWorkflow})
	t.Setenv("PATH", t.TempDir())
	if _, err := exec.LookPath("shellcheck"); err == nil {
		t.Fatal("shellcheck still found")
	}
	code, out, errOut := validateCLI(t, dir)
	if code != exitOK {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if want := "no findings\nnote: " + validate.NoticeNoShellcheck + "\n"; out != want {
		t.Errorf("text:\n%s\nwant:\n%s", out, want)
	}
	_, out, _ = validateCLI(t, dir, "--format", "json")
	var rep validate.JSONReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Notices) != 1 || rep.Notices[0] != validate.NoticeNoShellcheck {
		t.Errorf("json notices %v (%v):\n%s", rep.Notices, err, out)
	}
	_, out, _ = validateCLI(t, dir, "--format", "sarif")
	var log struct {
		Runs []struct {
			Invocations []struct {
				ExecutionSuccessful bool `json:"executionSuccessful"`
				Notifications       []struct {
					Level   string `json:"level"`
					Message struct{ Text string }
				} `json:"toolExecutionNotifications"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil || len(log.Runs) != 1 || len(log.Runs[0].Invocations) != 1 {
		t.Fatalf("sarif (%v):\n%s", err, out)
	}
	inv := log.Runs[0].Invocations[0]
	if !inv.ExecutionSuccessful || len(inv.Notifications) != 1 || inv.Notifications[0].Message.Text != validate.NoticeNoShellcheck || inv.Notifications[0].Level != "note" {
		t.Errorf("sarif invocation %+v", inv)
	}
	// Nothing for shellcheck to check: nothing to say.
	clean := writeTree(t, cleanFiles)
	if _, out, _ := validateCLI(t, clean); out != "no findings\n" {
		t.Errorf("without workflows or Dockerfiles: %q", out)
	}
}

func TestValidateShellcheckFindings(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Skip("shellcheck is not installed (CI installs it)")
	}
	dir := writeTree(t, map[string]string{".github/workflows/ci.yml": shellWorkflow})
	code, out, errOut := validateCLI(t, dir, "--strict")
	want := filepath.ToSlash(".github/workflows/ci.yml") + ":8:19: note [shellcheck/SC2086] Double quote to prevent globbing and word splitting (shellcheck info)\n"
	if code != exitOK || !strings.HasPrefix(out, want) || strings.Contains(out, "note: shellcheck") {
		t.Errorf("exit %d:\n%s%s\nwant first %q", code, out, errOut, want)
	}
	for _, c := range []struct {
		config string
		code   int
		want   string
	}{
		{"validate:\n  rules:\n    shellcheck: error\n", exitFail, "error [shellcheck/SC2086]"},
		{"validate:\n  rules:\n    shellcheck/SC2086: warning\n", exitOK, "warning [shellcheck/SC2086]"},
		{"validate:\n  rules:\n    shellcheck/SC2086: off\n", exitOK, "no findings"},
	} {
		d := writeTree(t, map[string]string{".github/workflows/ci.yml": shellWorkflow, ".github/devops-lead.yml": c.config})
		code, out, errOut := validateCLI(t, d)
		if code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("%q: exit %d (want %d)\n%s%s", c.config, code, c.code, out, errOut)
		}
	}
}
