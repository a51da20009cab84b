//go:build linux

package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// entrypointHelperEnv marks the child process TestActionEntrypoint starts.
const entrypointHelperEnv = "DEVOPS_LEAD_TEST_ENTRYPOINT"

// TestActionEntrypointHelper is the action image's entrypoint in a child
// process: `devops-lead <args after -->` through Main, with the process's
// own environment, as the container runs it. Outside TestActionEntrypoint
// it does nothing.
func TestActionEntrypointHelper(t *testing.T) {
	if os.Getenv(entrypointHelperEnv) != "1" {
		t.Skip("the child process of TestActionEntrypoint")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(Main(args, os.Stdin, os.Stdout, os.Stderr))
}

// runnerUID is the user GitHub's hosted Linux runners run as; the runner
// creates the file-command files as this user before each step.
const runnerUID = 1001

// runEntrypoint runs `devops-lead action` in a child process (exe, the
// test binary) with exactly vars as its environment, as cred when set.
func runEntrypoint(t *testing.T, exe string, vars map[string]string, cred *syscall.Credential) (int, string) {
	t.Helper()
	cmd := exec.Command(exe, "-test.run=^TestActionEntrypointHelper$", "--", "action")
	cmd.Env = []string{entrypointHelperEnv + "=1"}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("start the entrypoint: %v", err)
	}
	log := out.String()
	if testing.Verbose() {
		t.Logf("devops-lead action (uid %v) exited %d:\n%s", cred, code, log)
	}
	if strings.Contains(log, actionToken) {
		t.Fatalf("the token was printed:\n%s", log)
	}
	return code, log
}

// runnerFile creates one file-command file the way the runner does: empty,
// mode 0644, owned by the runner's user when the test may chown.
func runnerFile(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(p, runnerUID, runnerUID); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// sharedDir is a directory every user may read and enter (for a child
// process run as another user); removed at the end of the test.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "devops-lead-entrypoint-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestActionEntrypoint runs the action's entrypoint as a process with a
// runner's environment (the event file, GITHUB_* variables, the API at
// the in-memory GitHub, the file-command files the runner made as its own
// user) and checks what the step leaves: the job summary and the outputs.
// Run as root, as the action image's user is, it writes both; run as the
// serve image's non-root user (65532) it cannot, which is why the action
// has its own root target: the summary then goes to the log and the
// outputs are lost.
func TestActionEntrypoint(t *testing.T) {
	e := newActionE2E(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	files := sharedDir(t) // like /github/file_commands
	vars := e.env("issues", e.payload("issues-labeled.json", "alice", ""))
	vars["GITHUB_STEP_SUMMARY"] = runnerFile(t, files, "step_summary_1")
	vars["GITHUB_OUTPUT"] = runnerFile(t, files, "set_output_1")
	vars["GITHUB_WORKSPACE"] = "/github/workspace"
	vars["HOME"] = "/github/home"
	code, log := runEntrypoint(t, exe, vars, nil)
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, log)
	}
	if strings.Contains(log, "job summary not written") || strings.Contains(log, "step outputs not written") {
		t.Errorf("the summary or the outputs were not written:\n%s", log)
	}
	sum, _ := os.ReadFile(vars["GITHUB_STEP_SUMMARY"])
	for _, want := range []string{"## devops-lead: issues/labeled on acme/api#1", "| task | mode | result |", "[pull request #", "delivery `action-4242-1`"} {
		if !strings.Contains(string(sum), want) {
			t.Errorf("job summary lacks %q:\n%s", want, sum)
		}
	}
	out := readOutputs(t, vars["GITHUB_OUTPUT"])
	var prs []string
	var tasks []actionTaskOutput
	if err := json.Unmarshal([]byte(out["pull-requests"]), &prs); err != nil || len(prs) != 2 {
		t.Errorf("pull-requests %q: %v; want two URLs", out["pull-requests"], err)
	}
	if err := json.Unmarshal([]byte(out["tasks"]), &tasks); err != nil || len(tasks) != 2 {
		t.Errorf("tasks %q: %v; want two", out["tasks"], err)
	}
	if out["conclusion"] != "success" || out["exit-code"] != "0" || !strings.Contains(out["plan-url"], "#issuecomment-") {
		t.Errorf("outputs %v", out)
	}

	if os.Geteuid() != 0 {
		t.Skip("not root: the run as the serve image's non-root user needs root to start")
	}
	// The same step in the serve image's user: the runner's files are not
	// its own. The test binary and the event are copied where it may read.
	bin := filepath.Join(files, "devops-lead.test")
	copyFile(t, exe, bin, 0o755)
	vars = e.env("issue_comment", e.payload("issue-comment-created.json", "alice", "/devops status"))
	event := filepath.Join(files, "event.json")
	copyFile(t, vars["GITHUB_EVENT_PATH"], event, 0o644)
	vars["GITHUB_EVENT_PATH"] = event
	vars["GITHUB_STEP_SUMMARY"] = runnerFile(t, files, "step_summary_2")
	vars["GITHUB_OUTPUT"] = runnerFile(t, files, "set_output_2")
	code, log = runEntrypoint(t, bin, vars, &syscall.Credential{Uid: 65532, Gid: 65532})
	if code != exitOK {
		t.Fatalf("as 65532: exit %d:\n%s", code, log)
	}
	for _, want := range []string{"job summary not written", "::group::devops-lead summary", "step outputs not written"} {
		if !strings.Contains(log, want) {
			t.Errorf("as 65532: the log lacks %q:\n%s", want, log)
		}
	}
	for _, p := range []string{vars["GITHUB_STEP_SUMMARY"], vars["GITHUB_OUTPUT"]} {
		if fi, err := os.Stat(p); err != nil || fi.Size() != 0 {
			t.Errorf("as 65532: %s was written (%v)", p, err)
		}
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
