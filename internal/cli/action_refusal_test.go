package cli

import (
	"net/http"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/githubtest"
)

// TestActionWorkflowRefusal403: GitHub answers the CI task's branch write
// with 403 and its workflow refusal, as it does for the default
// GITHUB_TOKEN. The plan comment, the sub-issue's suggested files and the
// log name the refused file and the fix: another token as github-token,
// bot-login, then `/devops retry ci`.
func TestActionWorkflowRefusal403(t *testing.T) {
	e := newActionE2E(t)
	e.issue = e.gh.AddIssue("acme/api", "alice", "Add CI", "Run the Go tests in GitHub Actions on every pull request.")
	e.gh.Fail("POST /repos/{owner}/{repo}/git/refs", githubtest.Fault{Status: http.StatusForbidden,
		Body: "{\"message\":\"refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission\"}"})
	code, out := e.run("issues", e.payload("issues-labeled.json", "alice", ""))
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	want := "GitHub refused to write `.github/workflows/ci.yml` with this token: the default GITHUB_TOKEN cannot create or change workflow files. " +
		"Pass an App installation token (actions/create-github-app-token) or a fine-grained PAT with Workflows: write as `github-token`, set `bot-login`, then comment `/devops retry ci`."
	if !strings.Contains(out, want) {
		t.Errorf("the log lacks the fix:\n%s", out)
	}
	if strings.Contains(out, "give the job `permissions:") {
		t.Errorf("the log blames the job's permissions for a workflow refusal:\n%s", out)
	}
	e.gh.Lock()
	defer e.gh.Unlock()
	r := e.gh.ReposUnlocked("acme/api")
	st := planState(t, r, e.issue.Number)
	if len(st.Plan.Tasks) != 1 || st.Plan.Tasks[0].ID != "ci" {
		t.Fatalf("plan %+v; the test wants the CI task alone", st.Plan.Tasks)
	}
	if !hasCommentBy(r, e.issue.Number, defaultActionBot, "needs the workflows permission: "+want) {
		t.Errorf("the plan comment does not say what to do")
	}
	sub := st.Tasks["ci"].SubIssue
	if sub == 0 || !hasCommentBy(r, sub, defaultActionBot, want+" Or add the files yourself") {
		t.Errorf("the suggested files on sub-issue #%d do not say what to do", sub)
	}
	for _, c := range r.Comments {
		if strings.Contains(c.Body, "the App lacks") {
			t.Errorf("comment #%d blames the App for GITHUB_TOKEN: %s", c.ID, c.Body)
		}
	}
}
