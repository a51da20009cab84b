package app

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/github"
	"github.com/devops-lead/devops-lead/internal/githubtest"
	"github.com/devops-lead/devops-lead/internal/validate"
)

func checkJob(t *testing.T) (*job, *githubtest.Server, string) {
	t.Helper()
	srv := githubtest.New(t, 1, nil)
	srv.AddToken("tok", "devops-lead[bot]", "acme/api")
	r := srv.Repo("acme/api")
	r.Branch("devops-lead/1-container", "main")
	sha := r.Push("devops-lead/1-container", "devops-lead[bot]", map[string]string{"Dockerfile": "FROM x\n"})
	c, err := github.TokenClient("tok", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &job{a: &App{Bot: "devops-lead[bot]"}, c: c, owner: "acme", repo: "api", log: slog.New(slog.NewTextHandler(io.Discard, nil))}, srv, sha
}

// TestCheckTaskPR: a task's pull request gets the check of the findings
// its files passed the gate with, annotated at their lines; warnings make
// it neutral.
func TestCheckTaskPR(t *testing.T) {
	j, srv, sha := checkJob(t)
	cs := change.New("container", "containerization-developer")
	cs.Put("Dockerfile", []byte("FROM x\n"), nil, "")
	cs.Put(".dockerignore", []byte(".git\n"), nil, "")
	tr := engine.TaskResult{ChangeSet: cs, Findings: []validate.Finding{
		{Path: "Dockerfile", Line: 3, Rule: "dockerfile-apt-pin", Severity: validate.Warning, Message: "pin <b>curl</b> | now", Help: "see the docs"},
		{Path: "Dockerfile", Line: 0, Rule: "dockerfile-note", Severity: validate.Note, Message: "a note"},
	}}
	j.checkTaskPR(context.Background(), 2, sha, tr)
	runs := srv.CheckRuns("acme/api")
	if len(runs) != 1 {
		t.Fatalf("%d check runs", len(runs))
	}
	cr := runs[0]
	if cr.Name != CheckName || cr.HeadSHA != sha || cr.Conclusion != "neutral" || len(cr.Annotations) != 2 {
		t.Fatalf("check run %+v", cr)
	}
	a0, a1 := cr.Annotations[0], cr.Annotations[1]
	if a0.Path != "Dockerfile" || a0.StartLine != 1 || a0.Level != "notice" || a1.StartLine != 3 || a1.EndLine != 3 || a1.Level != "warning" ||
		a1.Title != "dockerfile-apt-pin" || !strings.Contains(a1.Message, "see the docs") {
		t.Errorf("annotations %+v", cr.Annotations)
	}
	if !strings.Contains(cr.Summary, "Checked 2 file(s)") || !strings.Contains(cr.Summary, `pin &lt;b&gt;curl&lt;/b&gt; \| now`) ||
		!strings.Contains(cr.Summary, "neutral") {
		t.Errorf("summary:\n%s", cr.Summary)
	}
}

func TestCheckRunConclusion(t *testing.T) {
	for _, c := range []struct {
		sev  []validate.Severity
		want string
	}{{nil, "success"}, {[]validate.Severity{validate.Note}, "success"}, {[]validate.Severity{validate.Note, validate.Warning}, "neutral"},
		{[]validate.Severity{validate.Warning, validate.Error}, "failure"}} {
		var fs []validate.Finding
		for _, s := range c.sev {
			fs = append(fs, validate.Finding{Path: "a.tf", Line: 2, Rule: "r", Severity: s, Message: "m"})
		}
		if got := checkRunFor("0123456789", fs, []string{"a.tf"}, nil, "strict").Conclusion; got != c.want {
			t.Errorf("%v: %s, want %s", c.sev, got, c.want)
		}
	}
}

func TestCandidateAndChart(t *testing.T) {
	for p, want := range map[string]bool{"Dockerfile": true, "svc/Dockerfile.prod": true, "app.dockerfile": true, "main.tf": true,
		"k8s/a.yaml": true, "chart/templates/_helpers.tpl": true, "README.md": false, "go.mod": false, "x.json": false} {
		if candidatePath(p) != want {
			t.Errorf("candidatePath(%q) = %v", p, !want)
		}
	}
	if c, ok := chartOf("charts/api/templates/sub/deploy.yaml"); !ok || c != "charts/api" {
		t.Errorf("chartOf = %q %v", c, ok)
	}
	if _, ok := chartOf("k8s/deploy.yaml"); ok {
		t.Error("k8s/deploy.yaml is not in a chart")
	}
}

// TestCheckFallbackComment: without the Checks permission the summary is
// one sticky comment, edited on the next check.
func TestCheckFallbackComment(t *testing.T) {
	j, srv, sha := checkJob(t)
	srv.Fail("POST /repos/{owner}/{repo}/check-runs", githubtest.ChecksForbidden(), githubtest.ChecksForbidden())
	ctx := context.Background()
	srv.OpenPull("acme/api", "devops-lead/1-container", "main", "bob", "x")
	fs := []validate.Finding{{Path: "Dockerfile", Line: 1, Rule: "dockerfile-base-latest", Severity: validate.Error, Message: "latest"}}
	if err := j.postCheck(ctx, 1, checkRunFor(sha, fs, []string{"Dockerfile"}, nil, "strict")); err != nil {
		t.Fatal(err)
	}
	if err := j.postCheck(ctx, 1, checkRunFor(sha, nil, []string{"Dockerfile"}, nil, "strict")); err != nil {
		t.Fatal(err)
	}
	cs := srv.Repo("acme/api").CommentsOn(1)
	if len(cs) != 1 || !strings.Contains(cs[0].Body, "No findings") || !strings.Contains(cs[0].Body, "conclusion **success**") {
		t.Fatalf("%d comments: %+v", len(cs), cs)
	}
}
