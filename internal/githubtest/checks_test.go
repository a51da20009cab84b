package githubtest

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"
)

// TestChecksAreStrict: the fake refuses what GitHub refuses (over 50
// annotations in one request, a conclusion GitHub does not have, an
// unknown field, an annotation level GitHub does not have) and reports
// it as a test failure; a good run and its later batches are kept.
func TestChecksAreStrict(t *testing.T) {
	rec := &recorder{TB: t}
	srv, c := setup(t, rec)
	ctx := context.Background()
	sha := srv.Repo("acme/api").Head("main")
	ann := func(n int, level string) []*github.CheckRunAnnotation {
		var out []*github.CheckRunAnnotation
		for i := 0; i < n; i++ {
			out = append(out, &github.CheckRunAnnotation{Path: github.String("a.tf"), StartLine: github.Int(i + 1), EndLine: github.Int(i + 1),
				AnnotationLevel: github.String(level), Message: github.String("m")})
		}
		return out
	}
	create := func(conclusion string, anns []*github.CheckRunAnnotation) (*github.CheckRun, error) {
		cr, _, err := c.Checks.CreateCheckRun(ctx, "acme", "api", github.CreateCheckRunOptions{Name: "v", HeadSHA: sha,
			Status: github.String("completed"), Conclusion: github.String(conclusion), CompletedAt: &github.Timestamp{},
			Output: &github.CheckRunOutput{Title: github.String("t"), Summary: github.String("s"), Annotations: anns}})
		return cr, err
	}
	for name, c := range map[string]struct {
		conclusion string
		anns       []*github.CheckRunAnnotation
		want       string
	}{
		"51 annotations": {"success", ann(51, "warning"), "51 annotations in one request"},
		"bad conclusion": {"passed", nil, `conclusion "passed"`},
		"bad level":      {"failure", ann(1, "error"), `level "error"`},
	} {
		rec.errs = nil
		if _, err := create(c.conclusion, c.anns); err == nil || !strings.Contains(rec.reported(), c.want) {
			t.Errorf("%s: err %v, reported %q", name, err, rec.reported())
		}
	}
	rec.errs = nil
	req, _ := c.NewRequest("POST", "repos/acme/api/check-runs", map[string]string{"name": "v", "head_sha": sha, "colour": "red"})
	if _, err := c.Do(ctx, req, nil); err == nil || !strings.Contains(rec.reported(), "malformed body") {
		t.Errorf("unknown field: err %v, reported %q", err, rec.reported())
	}
	rec.errs = nil
	cr, err := create("neutral", ann(50, "warning"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Checks.UpdateCheckRun(ctx, "acme", "api", cr.GetID(), github.UpdateCheckRunOptions{Name: "v",
		Output: &github.CheckRunOutput{Title: github.String("t"), Summary: github.String("s"), Annotations: ann(3, "notice")}}); err != nil {
		t.Fatal(err)
	}
	runs := srv.CheckRuns("acme/api")
	if len(runs) != 1 || len(runs[0].Annotations) != 53 || runs[0].Requests != 2 || runs[0].Conclusion != "neutral" || rec.reported() != "" {
		t.Fatalf("runs %+v, reported %q", runs, rec.reported())
	}
}
