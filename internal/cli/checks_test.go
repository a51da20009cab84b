package cli

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/githubtest"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// The devops-lead/validate check run on pull requests, end to end on the
// in-memory GitHub, through serve and through the action.

const checksConfig = "checks:\n  pull_requests: true\n"

const badDockerfile = "FROM ubuntu:latest\nRUN apt-get update\nRUN apt-get install -y curl\nCOPY . .\nCMD [\"./app\"]\n"

// manyFindings is a Dockerfile with over 50 findings (three per RUN).
func manyFindings() string {
	var b strings.Builder
	b.WriteString("FROM ubuntu:latest\n")
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&b, "RUN apt-get install -y pkg%d\n", i)
	}
	b.WriteString("COPY . .\n")
	return b.String()
}

// annotationKeys lists a check run's annotations as
// "path:line level rule", sorted.
func annotationKeys(cr githubtest.CheckRun) []string {
	var out []string
	for _, a := range cr.Annotations {
		out = append(out, fmt.Sprintf("%s:%d %s %s", a.Path, a.StartLine, a.Level, a.Title))
	}
	sort.Strings(out)
	return out
}

// expectedKeys is what the strict gate finds in the files, as
// annotationKeys lists it.
func expectedKeys(files map[string]string) []string {
	var vf []validate.File
	for p, c := range files {
		vf = append(vf, validate.File{Path: p, Content: []byte(c)})
	}
	var out []string
	// People's pull requests are checked with the repository's policy:
	// recommended, as the test configs set none.
	for _, f := range (validate.Policy{Preset: validate.PresetRecommended}).Apply(validate.Check(vf, validate.Options{})) {
		level := map[validate.Severity]string{validate.Error: "failure", validate.Warning: "warning", validate.Note: "notice"}[f.Severity]
		out = append(out, fmt.Sprintf("%s:%d %s %s", f.Path, max(f.Line, 1), level, f.Rule))
	}
	sort.Strings(out)
	return out
}

// humanPull pushes files on a new branch of acme/api as author and opens
// a pull request from it.
func humanPull(gh *githubtest.Server, branch, author string, files map[string]string) *githubtest.Pull {
	gh.Lock()
	r := gh.ReposUnlocked("acme/api")
	r.Branch(branch, "main")
	r.Push(branch, author, files)
	gh.Unlock()
	return gh.OpenPull("acme/api", branch, "main", author, "Change "+branch)
}

// waitCheck waits for the first check run on a commit with at least n
// annotations (its later batches arrive after it is created).
func (e *e2e) waitCheck(sha string, n int) githubtest.CheckRun {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last []githubtest.CheckRun
	for time.Now().Before(deadline) {
		if last = checkRunsOn(e.gh, sha); len(last) > 0 && len(last[0].Annotations) >= n {
			time.Sleep(100 * time.Millisecond) // a wrong extra batch would show now
			return checkRunsOn(e.gh, sha)[0]
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatalf("no check run with %d annotations on %s: %+v", n, sha, last)
	return githubtest.CheckRun{}
}

// TestServeChecksOnPullRequests: each task pull request gets the check
// run of the gate its files passed; with checks.pull_requests, a person's
// pull request changing a Dockerfile gets one with annotations at the
// findings' lines, one with over 50 findings gets them in batches of 50,
// and one changing only README.md gets nothing.
func TestServeChecksOnPullRequests(t *testing.T) {
	e := newE2E(t)
	e.deliver("issues", e.payload("issues-labeled.json", "alice", ""))
	e.waitUntil("two pull requests", func(r *githubtest.Repo) bool { return len(openPRs(r)) == 2 })

	e.gh.Lock()
	r := e.gh.ReposUnlocked("acme/api")
	tasks := openPRs(r)
	heads := map[int]string{}
	for _, p := range tasks {
		heads[p.Number] = r.Head(p.Head)
	}
	e.gh.Unlock()
	for _, p := range tasks {
		cr := e.waitCheck(heads[p.Number], 0)
		if cr.Name != "devops-lead/validate" || cr.Status != "completed" || cr.Author != "devops-lead[bot]" {
			t.Errorf("PR #%d: check run %+v", p.Number, cr)
		}
		warn := false
		for _, a := range cr.Annotations {
			e.gh.Lock()
			_, ok := r.File(p.Head, a.Path)
			e.gh.Unlock()
			if !ok || a.StartLine < 1 {
				t.Errorf("PR #%d: annotation %+v is not at a file of the pull request", p.Number, a)
			}
			if a.Level == "failure" {
				t.Errorf("PR #%d: an error annotation on a pull request the gate passed: %+v", p.Number, a)
			}
			warn = warn || a.Level == "warning"
		}
		if want := map[bool]string{true: "neutral", false: "success"}[warn]; cr.Conclusion != want {
			t.Errorf("PR #%d: conclusion %s, want %s (annotations %v)", p.Number, cr.Conclusion, want, annotationKeys(cr))
		}
		if !strings.Contains(cr.Summary, "### devops-lead/validate") || !strings.Contains(cr.Summary, "`strict` policy") {
			t.Errorf("PR #%d: summary\n%s", p.Number, cr.Summary)
		}
	}
	// The App's own pull_request events check nothing more.
	e.deliver("pull_request", pullEvent(t, e.gh, tasks[0].Number, "opened", "devops-lead[bot]"))

	// People's pull requests, once the repository enables it.
	e.gh.Lock()
	r.SetFiles(map[string]string{".github/devops-lead.yml": checksConfig})
	e.gh.Unlock()
	docs := humanPull(e.gh, "carol/docs", "carol", map[string]string{"README.md": "# api\n\nBetter words.\n"})
	docker := humanPull(e.gh, "bob/docker", "bob", map[string]string{"Dockerfile": badDockerfile, "README.md": "# api\n"})
	many := humanPull(e.gh, "bob/many", "bob", map[string]string{"deploy/Dockerfile": manyFindings()})
	for _, p := range []*githubtest.Pull{docs, docker, many} {
		e.deliver("pull_request", pullEvent(t, e.gh, p.Number, "opened", p.Author))
	}
	cr := e.waitCheck(headOf(e.gh, docker.Head), 0)
	if got, want := annotationKeys(cr), expectedKeys(map[string]string{"Dockerfile": badDockerfile}); strings.Join(got, "\n") != strings.Join(want, "\n") || len(want) < 3 {
		t.Errorf("Dockerfile PR annotations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if cr.Conclusion != "failure" || cr.Requests != 1 || !strings.Contains(cr.Summary, "`Dockerfile` | 1 | `dockerfile-base-latest`") ||
		!strings.Contains(cr.Summary, "`recommended` policy") {
		t.Errorf("Dockerfile PR: conclusion %s, %d requests, summary\n%s", cr.Conclusion, cr.Requests, cr.Summary)
	}
	for _, a := range cr.Annotations {
		if a.Path == "README.md" {
			t.Errorf("README.md annotated: %+v", a)
		}
	}
	want := expectedKeys(map[string]string{"deploy/Dockerfile": manyFindings()})
	cr = e.waitCheck(headOf(e.gh, many.Head), len(want))
	if len(want) <= 50 || len(cr.Annotations) != len(want) || cr.Requests != (len(want)+49)/50 {
		t.Errorf("%d findings: %d annotations in %d requests, want %d in %d", len(want), len(cr.Annotations), cr.Requests, len(want), (len(want)+49)/50)
	}
	// The README pull request's job ran (its files were listed) and posted
	// nothing.
	deadline := time.Now().Add(10 * time.Second)
	for e.gh.Calls("GET /repos/{owner}/{repo}/pulls/{number}/files") < 3 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	if n := e.gh.Calls("GET /repos/{owner}/{repo}/pulls/{number}/files"); n != 3 {
		t.Errorf("pull request files listed %d times, want 3 (the bot's own event lists nothing)", n)
	}
	e.gh.Lock()
	docsHead, docsComments := r.Head(docs.Head), len(r.CommentsOn(docs.Number))
	e.gh.Unlock()
	if runs := checkRunsOn(e.gh, docsHead); len(runs) != 0 || docsComments != 0 {
		t.Errorf("README-only PR: %d check runs, %d comments", len(runs), docsComments)
	}
	if runs := checkRunsOn(e.gh, heads[tasks[0].Number]); len(runs) != 1 {
		t.Errorf("task PR #%d: %d check runs, want 1", tasks[0].Number, len(runs))
	}
}

// TestServeChecksWithoutPermission: without the Checks permission the
// summary goes in one sticky comment, updated on the next push.
func TestServeChecksWithoutPermission(t *testing.T) {
	e := newE2E(t)
	e.gh.Fail("POST /repos/{owner}/{repo}/check-runs", githubtest.ChecksForbidden(), githubtest.ChecksForbidden())
	e.gh.Lock()
	r := e.gh.ReposUnlocked("acme/api")
	r.SetFiles(map[string]string{".github/devops-lead.yml": checksConfig})
	e.gh.Unlock()
	p := humanPull(e.gh, "bob/docker", "bob", map[string]string{"Dockerfile": badDockerfile})
	e.deliver("pull_request", pullEvent(t, e.gh, p.Number, "opened", "bob"))
	first := headOf(e.gh, p.Head)
	e.waitUntil("the check's comment", func(r *githubtest.Repo) bool { return hasCommentBy(r, p.Number, "devops-lead[bot]", short7(first)) })

	e.gh.Lock()
	second := r.Push(p.Head, "bob", map[string]string{"Dockerfile": "FROM alpine:3.20\nUSER 65532\n"})
	e.gh.Unlock()
	e.deliver("pull_request", pullEvent(t, e.gh, p.Number, "synchronize", "bob"))
	e.waitUntil("the comment updated", func(r *githubtest.Repo) bool { return hasCommentBy(r, p.Number, "devops-lead[bot]", short7(second)) })

	e.gh.Lock()
	cs := commentsBy(r, p.Number, "devops-lead[bot]")
	e.gh.Unlock()
	if len(cs) != 1 || !strings.Contains(cs[0].Body, "<!-- devops-lead:validate-check -->") || !strings.Contains(cs[0].Body, "checks: write") ||
		strings.Contains(cs[0].Body, "dockerfile-base-latest") {
		t.Fatalf("%d comments; the last:\n%s", len(cs), cs[len(cs)-1].Body)
	}
	if n := len(e.gh.CheckRuns("acme/api")); n != 0 {
		t.Errorf("%d check runs despite the 403s", n)
	}
	if n := e.gh.Calls("POST /repos/{owner}/{repo}/check-runs"); n != 2 {
		t.Errorf("%d check run posts, want 2", n)
	}
}

func short7(sha string) string { return sha[:7] }

// headOf reads a branch head of acme/api while serve may be running.
func headOf(gh *githubtest.Server, branch string) string {
	gh.Lock()
	defer gh.Unlock()
	return gh.ReposUnlocked("acme/api").Head(branch)
}

// TestActionChecksPullRequest: the action on a pull_request event posts
// the check run when the repository enables it, and nothing before.
func TestActionChecksPullRequest(t *testing.T) {
	e := newActionE2E(t)
	p := humanPull(e.gh, "bob/docker", "bob", map[string]string{"Dockerfile": badDockerfile})
	if code, out := e.run("pull_request", pullEvent(t, e.gh, p.Number, "opened", "bob")); code != exitOK || len(e.gh.CheckRuns("acme/api")) != 0 {
		t.Fatalf("checks off: exit %d, %d check runs\n%s", code, len(e.gh.CheckRuns("acme/api")), out)
	}
	e.gh.Repo("acme/api").SetFiles(map[string]string{".github/devops-lead.yml": checksConfig})
	code, out := e.run("pull_request", pullEvent(t, e.gh, p.Number, "synchronize", "bob"))
	runs := checkRunsOn(e.gh, headOf(e.gh, p.Head))
	if code != exitOK || len(runs) != 1 {
		t.Fatalf("exit %d, %d check runs\n%s", code, len(runs), out)
	}
	cr := runs[0]
	if cr.Author != defaultActionBot || cr.Conclusion != "failure" ||
		strings.Join(annotationKeys(cr), "\n") != strings.Join(expectedKeys(map[string]string{"Dockerfile": badDockerfile}), "\n") {
		t.Errorf("check run by %s, %s, annotations %v", cr.Author, cr.Conclusion, annotationKeys(cr))
	}
	if !strings.Contains(e.summary(), "devops-lead/validate") {
		t.Errorf("job summary:\n%s", e.summary())
	}
	if n := len(e.gh.Repo("acme/api").CommentsOn(p.Number)); n != 0 {
		t.Errorf("%d comments on the pull request", n)
	}
}

// TestActionChecksTaskAndRevision: through the action, the task's pull
// request gets its check run when it is opened, and its revised head gets
// another when a review revises it.
func TestActionChecksTaskAndRevision(t *testing.T) {
	e, p := k8sPR(t)
	head0, _, _, _ := branchState(e, p)
	runs := checkRunsOn(e.gh, head0)
	if len(runs) != 1 || runs[0].Author != defaultActionBot || runs[0].Name != "devops-lead/validate" || runs[0].Conclusion == "failure" {
		t.Fatalf("check runs on the task's head: %+v", runs)
	}
	for _, a := range runs[0].Annotations {
		if !strings.HasPrefix(a.Path, "k8s/") || a.Level == "failure" {
			t.Errorf("annotation %+v", a)
		}
	}
	rv := e.gh.AddReview("acme/api", p.Number, "alice", "CHANGES_REQUESTED", "Please add autoscaling.")
	if code, out := e.run("pull_request_review", e.reviewPayload(p, rv)); code != exitOK {
		t.Fatalf("review: exit %d:\n%s", code, out)
	}
	head1, _, files, _ := branchState(e, p)
	if head1 == head0 || !files["hpa.yaml"] {
		t.Fatalf("not revised: head %s, files %v", head1, files)
	}
	if runs := checkRunsOn(e.gh, head1); len(runs) != 1 || runs[0].Conclusion == "failure" || !strings.Contains(runs[0].Summary, "`strict` policy") {
		t.Fatalf("check runs on the revised head: %+v", runs)
	}
	if n := len(checkRunsOn(e.gh, head0)); n != 1 {
		t.Errorf("%d check runs on the first head, want still 1", n)
	}
}

// TestActionChecksHelmTemplate: a changed chart template is checked with
// its chart's Chart.yaml and values.yaml read from the head commit (it is
// rendered, not read as a plain manifest), and only it is annotated.
func TestActionChecksHelmTemplate(t *testing.T) {
	e := newActionE2E(t)
	chart := map[string]string{
		"charts/api/Chart.yaml":  "apiVersion: v2\nname: api\nversion: 0.1.0\n",
		"charts/api/values.yaml": "image: nginx:1.27\nreplicas: 2\n",
	}
	tmpl := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Chart.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n" +
		"  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n" +
		"        - name: api\n          image: {{ .Values.image }}\n"
	e.gh.Repo("acme/api").SetFiles(map[string]string{".github/devops-lead.yml": checksConfig, "charts/api/Chart.yaml": chart["charts/api/Chart.yaml"],
		"charts/api/values.yaml": chart["charts/api/values.yaml"]})
	p := humanPull(e.gh, "bob/chart", "bob", map[string]string{"charts/api/templates/deploy.yaml": tmpl})
	if code, out := e.run("pull_request", pullEvent(t, e.gh, p.Number, "opened", "bob")); code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	runs := checkRunsOn(e.gh, headOf(e.gh, p.Head))
	if len(runs) != 1 {
		t.Fatalf("%d check runs", len(runs))
	}
	all := map[string]string{"charts/api/templates/deploy.yaml": tmpl}
	for k, v := range chart {
		all[k] = v
	}
	var want []string
	for _, k := range expectedKeys(all) {
		if strings.HasPrefix(k, "charts/api/templates/deploy.yaml:") {
			want = append(want, k)
		}
	}
	if got := annotationKeys(runs[0]); strings.Join(got, "\n") != strings.Join(want, "\n") || len(want) == 0 {
		t.Errorf("annotations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Contains(runs[0].Summary, "Chart.yaml") || !strings.Contains(runs[0].Summary, "Checked 1 file(s)") {
		t.Errorf("summary:\n%s", runs[0].Summary)
	}
}
