package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	gh "github.com/google/go-github/v62/github"
)

// MaxAnnotationsPerRequest is GitHub's limit on the annotations one
// create or update of a check run may carry; more go in further updates.
const MaxAnnotationsPerRequest = 50

// MaxAnnotations bounds the annotations one check run gets (the rest are
// counted in its summary), so a file with thousands of findings costs a
// bounded number of calls.
const MaxAnnotations = 500

// Check run conclusions devops-lead uses.
const (
	ConclusionSuccess = "success"
	ConclusionNeutral = "neutral"
	ConclusionFailure = "failure"
)

// CheckRun is a completed check run to post on a commit.
type CheckRun struct {
	Name        string // e.g. "devops-lead/validate"
	HeadSHA     string
	Conclusion  string // success, neutral or failure
	Title       string // the output's title, one line
	Summary     string // Markdown
	Text        string // optional Markdown details
	DetailsURL  string // optional
	ExternalID  string // optional
	Annotations []*gh.CheckRunAnnotation
}

// PostCheckRun creates a completed check run with the first 50
// annotations and adds the others 50 at a time by updating it with the
// same output title and summary (GitHub appends the annotations of each
// update). At most MaxAnnotations are sent. Without the Checks permission
// the error is a 403 (IsForbidden).
func (c *Client) PostCheckRun(ctx context.Context, owner, repo string, run CheckRun) (*gh.CheckRun, error) {
	anns := run.Annotations
	if len(anns) > MaxAnnotations {
		anns = anns[:MaxAnnotations]
	}
	first, rest := splitAnnotations(anns)
	now := gh.Timestamp{Time: time.Now().UTC()}
	opts := gh.CreateCheckRunOptions{
		Name: run.Name, HeadSHA: run.HeadSHA,
		Status: gh.String("completed"), Conclusion: gh.String(run.Conclusion), CompletedAt: &now,
		Output: run.output(first),
	}
	if run.DetailsURL != "" {
		opts.DetailsURL = gh.String(run.DetailsURL)
	}
	if run.ExternalID != "" {
		opts.ExternalID = gh.String(run.ExternalID)
	}
	cr, _, err := c.REST.Checks.CreateCheckRun(ctx, owner, repo, opts)
	if err != nil {
		return nil, fmt.Errorf("create check run %s on %s: %w", run.Name, short(run.HeadSHA), err)
	}
	for len(rest) > 0 {
		var batch []*gh.CheckRunAnnotation
		batch, rest = splitAnnotations(rest)
		_, _, err := c.REST.Checks.UpdateCheckRun(ctx, owner, repo, cr.GetID(), gh.UpdateCheckRunOptions{
			Name: run.Name, Output: run.output(batch)})
		if err != nil {
			return nil, fmt.Errorf("add annotations to check run %d: %w", cr.GetID(), err)
		}
	}
	return cr, nil
}

// splitAnnotations cuts the first batch GitHub takes in one request.
func splitAnnotations(a []*gh.CheckRunAnnotation) (first, rest []*gh.CheckRunAnnotation) {
	if len(a) <= MaxAnnotationsPerRequest {
		return a, nil
	}
	return a[:MaxAnnotationsPerRequest], a[MaxAnnotationsPerRequest:]
}

func (run CheckRun) output(anns []*gh.CheckRunAnnotation) *gh.CheckRunOutput {
	out := &gh.CheckRunOutput{Title: gh.String(run.Title), Summary: gh.String(run.Summary), Annotations: anns}
	if run.Text != "" {
		out.Text = gh.String(run.Text)
	}
	return out
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// MaxPullFiles is how many files GitHub lists for one pull request.
const MaxPullFiles = 3000

// PullFiles lists the files a pull request changes (GitHub lists at most
// 3000), following the pages.
func (c *Client) PullFiles(ctx context.Context, owner, repo string, number int) ([]*gh.CommitFile, error) {
	opts := &gh.ListOptions{PerPage: 100}
	var out []*gh.CommitFile
	for {
		list, resp, err := c.REST.PullRequests.ListFiles(ctx, owner, repo, number, opts)
		if err != nil {
			return nil, fmt.Errorf("list the files of pull request #%d: %w", number, err)
		}
		out = append(out, list...)
		if resp.NextPage == 0 || len(out) >= MaxPullFiles {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// ReadAt reads files of the repository at a commit (a pull request's head
// SHA) through one tree listing and one blob call per file. A file over
// maxSize bytes, or one that is not a regular file there, is left out and
// reported in skipped with the reason.
func (c *Client) ReadAt(ctx context.Context, owner, repo, commit string, paths []string, maxSize int64) (files map[string][]byte, skipped map[string]string, err error) {
	t := c.Tree(ctx, owner, repo, commit)
	files, skipped = map[string][]byte{}, map[string]string{}
	for _, p := range paths {
		st, err := fs.Stat(t, p)
		switch {
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return nil, nil, err
		case err != nil || !st.Mode().IsRegular():
			skipped[p] = "not a regular file at the head commit"
			continue
		case st.Size() > maxSize:
			skipped[p] = fmt.Sprintf("%d bytes, over the %d-byte limit", st.Size(), maxSize)
			continue
		}
		f, err := t.Open(p)
		if err != nil {
			return nil, nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, maxSize+1))
		f.Close()
		if err != nil {
			return nil, nil, err
		}
		files[p] = data
	}
	return files, skipped, nil
}
