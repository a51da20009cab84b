package github

import (
	"context"
	"fmt"
	"testing"

	gh "github.com/google/go-github/v62/github"

	"github.com/devops-lead/devops-lead/internal/githubtest"
)

func annotations(n int) []*gh.CheckRunAnnotation {
	var out []*gh.CheckRunAnnotation
	for i := 1; i <= n; i++ {
		out = append(out, &gh.CheckRunAnnotation{Path: gh.String("Dockerfile"), StartLine: gh.Int(i), EndLine: gh.Int(i),
			AnnotationLevel: gh.String("warning"), Message: gh.String(fmt.Sprintf("finding %d", i)), Title: gh.String("rule")})
	}
	return out
}

// TestPostCheckRunBatches: annotations go 50 per request, the first with
// the create and the rest through updates with the same title and summary;
// the fake refuses a request with more than 50.
func TestPostCheckRunBatches(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct{ n, posts, patches int }{{0, 1, 0}, {50, 1, 0}, {51, 1, 1}, {120, 1, 2}, {MaxAnnotations + 7, 1, MaxAnnotations/50 - 1}} {
		f := newFixture(t)
		sha := f.source.Head("main")
		cr, err := f.c.PostCheckRun(ctx, "acme", "api", CheckRun{Name: "devops-lead/validate", HeadSHA: sha, Conclusion: ConclusionNeutral,
			Title: "t", Summary: "s", Annotations: annotations(c.n)})
		if err != nil {
			t.Fatalf("%d annotations: %v", c.n, err)
		}
		runs := f.srv.CheckRuns("acme/api")
		want := min(c.n, MaxAnnotations)
		if len(runs) != 1 || runs[0].ID != cr.GetID() || len(runs[0].Annotations) != want || runs[0].Conclusion != "neutral" ||
			runs[0].Title != "t" || runs[0].Summary != "s" || runs[0].HeadSHA != sha {
			t.Fatalf("%d annotations: runs %+v", c.n, runs)
		}
		if want > 0 && runs[0].Annotations[want-1].StartLine != want {
			t.Errorf("%d annotations: the last is at line %d", c.n, runs[0].Annotations[want-1].StartLine)
		}
		if p, u := f.srv.Calls("POST /repos/{owner}/{repo}/check-runs"), f.srv.Calls("PATCH /repos/{owner}/{repo}/check-runs/{id}"); p != c.posts || u != c.patches {
			t.Errorf("%d annotations: %d creates and %d updates, want %d and %d", c.n, p, u, c.posts, c.patches)
		}
	}
}

func TestPostCheckRunForbidden(t *testing.T) {
	f := newFixture(t)
	f.srv.Fail("POST /repos/{owner}/{repo}/check-runs", githubtest.ChecksForbidden())
	_, err := f.c.PostCheckRun(context.Background(), "acme", "api", CheckRun{Name: "x", HeadSHA: f.source.Head("main"), Conclusion: ConclusionSuccess, Title: "t", Summary: "s"})
	if !IsForbidden(err) {
		t.Fatalf("err = %v, want a 403", err)
	}
}

// TestPullFilesAndReadAt: the files of a pull request come page by page
// (here 130, over one page of 100), and are read at the head commit.
func TestPullFilesAndReadAt(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.source.Branch("feature", "main")
	files := map[string]string{}
	for i := 0; i < 130; i++ {
		files[fmt.Sprintf("k8s/m%03d.yaml", i)] = fmt.Sprintf("n: %d\n", i)
	}
	sha := f.source.Push("feature", "bob", files)
	f.source.SetFiles(map[string]string{"README.md": "moved on\n"}) // base moves: not in the diff
	p := f.srv.OpenPull("acme/api", "feature", "main", "bob", "manifests")
	list, err := f.c.PullFiles(ctx, "acme", "api", p.Number)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 130 || list[0].GetFilename() != "k8s/m000.yaml" || list[0].GetStatus() != "added" {
		t.Fatalf("%d files, first %v", len(list), list[0])
	}
	if n := f.srv.Calls("GET /repos/{owner}/{repo}/pulls/{number}/files"); n != 2 {
		t.Errorf("%d pages read, want 2", n)
	}
	got, skipped, err := f.c.ReadAt(ctx, "acme", "api", sha, []string{"k8s/m007.yaml", "k8s", "nope.yaml", "main.go"}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if string(got["k8s/m007.yaml"]) != "n: 7\n" || len(got) != 1 || skipped["k8s"] == "" || skipped["nope.yaml"] == "" || skipped["main.go"] == "" {
		t.Fatalf("read %q, skipped %v", got, skipped)
	}
}
