package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// readOutputs parses the GITHUB_OUTPUT file a run wrote.
func readOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("GITHUB_OUTPUT: %v", err)
	}
	out, err := parseActionOutputs(string(data))
	if err != nil {
		t.Fatalf("GITHUB_OUTPUT is not in GitHub's format: %v\n%s", err, data)
	}
	return out
}

// TestActionOutputs: with GITHUB_OUTPUT set, a labeled issue's run writes
// the plan comment's URL, the two pull requests as a JSON array, the tasks,
// questions=false and the exit code; action.yml declares every output.
func TestActionOutputs(t *testing.T) {
	e := newActionE2E(t)
	vars := e.env("issues", e.payload("issues-labeled.json", "alice", ""))
	outPath := filepath.Join(e.dir, "output.txt")
	os.WriteFile(outPath, []byte("earlier=kept\n"), 0o644) // other steps' lines stay
	vars["GITHUB_OUTPUT"] = outPath
	code, log := runAction(t, vars)
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, log)
	}
	out := readOutputs(t, outPath)
	if testing.Verbose() {
		data, _ := os.ReadFile(outPath)
		t.Logf("GITHUB_OUTPUT:\n%s", data)
	}
	if out["earlier"] != "kept" {
		t.Errorf("the file's earlier lines were not kept: %v", out)
	}

	e.gh.Lock()
	r := e.gh.ReposUnlocked("acme/api")
	var wantPRs []string
	for _, p := range openPRs(r) {
		wantPRs = append(wantPRs, "https://github.com/acme/api/pull/"+strconv.Itoa(p.Number))
	}
	var planCommentID int64
	for _, c := range commentsBy(r, e.issue.Number, defaultActionBot) {
		if strings.Contains(c.Body, "devops-lead:plan") {
			planCommentID = c.ID
		}
	}
	e.gh.Unlock()
	sort.Strings(wantPRs)

	if want := "https://github.com/acme/api/issues/" + strconv.Itoa(e.issue.Number) + "#issuecomment-" + strconv.FormatInt(planCommentID, 10); planCommentID == 0 || out["plan-url"] != want {
		t.Errorf("plan-url = %q, want %q", out["plan-url"], want)
	}
	var prs []string
	if err := json.Unmarshal([]byte(out["pull-requests"]), &prs); err != nil {
		t.Fatalf("pull-requests %q is not a JSON array of strings: %v", out["pull-requests"], err)
	}
	sort.Strings(prs)
	if len(wantPRs) != 2 || strings.Join(prs, " ") != strings.Join(wantPRs, " ") {
		t.Errorf("pull-requests = %v, want %v", prs, wantPRs)
	}
	var tasks []actionTaskOutput
	if err := json.Unmarshal([]byte(out["tasks"]), &tasks); err != nil || len(tasks) != 2 {
		t.Fatalf("tasks %q: %v; want two", out["tasks"], err)
	}
	for _, ta := range tasks {
		if ta.ID == "" || ta.Mode == "" || ta.Status != "pr" || !strings.HasPrefix(ta.PullRequest, "https://github.com/acme/api/pull/") {
			t.Errorf("task output %+v", ta)
		}
	}
	if out["questions"] != "false" || out["exit-code"] != "0" || out["conclusion"] != "success" {
		t.Errorf("questions %q, exit-code %q, conclusion %q; want false, 0, success", out["questions"], out["exit-code"], out["conclusion"])
	}

	// The same event again: nothing is opened, so no pull request is
	// reported, but the plan is.
	vars = e.env("issue_comment", e.payload("issue-comment-created.json", "alice", "/devops status"))
	os.Remove(outPath)
	vars["GITHUB_OUTPUT"] = outPath
	if code, log := runAction(t, vars); code != exitOK {
		t.Fatalf("status: exit %d:\n%s", code, log)
	}
	out = readOutputs(t, outPath)
	if out["pull-requests"] != "[]" || out["plan-url"] == "" || out["exit-code"] != "0" {
		t.Errorf("after /devops status: %v; want no pull requests, the plan's URL, exit 0", out)
	}
}

// TestActionOutputsNotWritten: without GITHUB_OUTPUT nothing is written;
// an event with nothing to do, and a bad environment, still report how
// the step ended when it is set.
func TestActionOutputsNotWritten(t *testing.T) {
	e := newActionE2E(t)
	vars := e.env("issues", e.payload("issues-labeled.json", "alice", ""))
	if code, log := runAction(t, vars); code != exitOK {
		t.Fatalf("exit %d:\n%s", code, log)
	}
	entries, _ := os.ReadDir(e.dir)
	for _, en := range entries {
		if strings.Contains(en.Name(), "output") {
			t.Errorf("%s written without GITHUB_OUTPUT", en.Name())
		}
	}

	outPath := filepath.Join(e.dir, "output-push.txt")
	vars = e.env("push", []byte(`{"ref":"refs/heads/main","repository":{"full_name":"acme/api"}}`))
	vars["GITHUB_OUTPUT"] = outPath
	if code, _ := runAction(t, vars); code != exitOK {
		t.Fatalf("push: exit %d", code)
	}
	out := readOutputs(t, outPath)
	if out["conclusion"] != "nothing-to-do" || out["pull-requests"] != "[]" || out["questions"] != "false" || out["plan-url"] != "" || out["exit-code"] != "0" {
		t.Errorf("nothing to do: %v", out)
	}

	outPath = filepath.Join(e.dir, "output-bad.txt")
	vars = e.env("issues", e.payload("issues-labeled.json", "alice", ""))
	vars["GITHUB_OUTPUT"], vars["GITHUB_REPOSITORY"] = outPath, ""
	if code, _ := runAction(t, vars); code != exitUsage {
		t.Fatalf("bad environment: exit %d", code)
	}
	if out := readOutputs(t, outPath); out["exit-code"] != "2" || out["conclusion"] != "usage-error" {
		t.Errorf("bad environment: %v", out)
	}

	// An unwritable GITHUB_OUTPUT is a warning, not a failure.
	vars = e.env("push", []byte(`{"ref":"refs/heads/main","repository":{"full_name":"acme/api"}}`))
	vars["GITHUB_OUTPUT"] = filepath.Join(e.dir, "no-such-dir", "out")
	if code, log := runAction(t, vars); code != exitOK || !strings.Contains(log, "step outputs not written") {
		t.Errorf("unwritable GITHUB_OUTPUT: exit %d:\n%s", code, log)
	}
}

// TestActionOutputFormat: a value with line breaks goes between delimiter
// lines GitHub's runner reads back unchanged; one-line values are name=value.
func TestActionOutputFormat(t *testing.T) {
	var b strings.Builder
	values := map[string]string{"one": "a=b", "multi": "line 1\nline 2\n", "empty": ""}
	for _, k := range []string{"one", "multi", "empty"} {
		if err := formatOutput(&b, k, values[k]); err != nil {
			t.Fatal(err)
		}
	}
	text := b.String()
	if !strings.HasPrefix(text, "one=a=b\n") || !regexp.MustCompile(`(?m)^multi<<ghadelimiter_[0-9a-f]{32}$`).MatchString(text) {
		t.Fatalf("format:\n%s", text)
	}
	got, err := parseActionOutputs(text)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range values {
		if got[k] != v {
			t.Errorf("%s: read back %q, want %q", k, got[k], v)
		}
	}
	if _, err := parseActionOutputs("multi<<EOF\nnever closed\n"); err == nil {
		t.Error("an unclosed delimiter was accepted")
	}
}

// TestActionOutputsDeclared: action.yml declares exactly the outputs the
// command writes, each with a description.
func TestActionOutputsDeclared(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var md struct {
		Outputs map[string]struct {
			Description string `yaml:"description"`
		} `yaml:"outputs"`
	}
	if err := yaml.Unmarshal(data, &md); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	for _, name := range actionOutputNames {
		if o, ok := md.Outputs[name]; !ok || strings.TrimSpace(o.Description) == "" {
			t.Errorf("action.yml does not declare output %s with a description", name)
		}
	}
	if len(md.Outputs) != len(actionOutputNames) {
		t.Errorf("action.yml declares %d outputs, the command writes %d: %v", len(md.Outputs), len(actionOutputNames), actionOutputNames)
	}
}

// TestActionOutputsQuestions: a request too vague to plan ("Deploy it")
// makes the lead ask on the issue; questions is true, no tasks, no pull
// requests, and plan-url points at the comment that asks.
func TestActionOutputsQuestions(t *testing.T) {
	e := newActionE2E(t)
	e.issue = e.gh.AddIssue("acme/api", "alice", "Deploy it", "Please.")
	vars := e.env("issues", e.payload("issues-labeled.json", "alice", ""))
	outPath := filepath.Join(e.dir, "output.txt")
	vars["GITHUB_OUTPUT"] = outPath
	if code, log := runAction(t, vars); code != exitOK {
		t.Fatalf("exit %d:\n%s", code, log)
	}
	out := readOutputs(t, outPath)
	if out["questions"] != "true" || out["tasks"] != "[]" || out["pull-requests"] != "[]" ||
		!strings.HasPrefix(out["plan-url"], "https://github.com/acme/api/issues/"+strconv.Itoa(e.issue.Number)+"#issuecomment-") {
		t.Errorf("outputs %v; want questions=true, no tasks or pull requests, the plan comment's URL", out)
	}
}
