package github

import (
	"context"
	"fmt"

	gh "github.com/google/go-github/v62/github"
)

// ReviewComment is one line comment of a pull request review.
type ReviewComment struct {
	Author, Path, Body string
	Line               int
}

// ReviewComments lists the line comments of one review (all pages, at
// most maxReviewComments).
func (c *Client) ReviewComments(ctx context.Context, owner, repo string, number int, reviewID int64) ([]ReviewComment, error) {
	var out []ReviewComment
	opts := &gh.ListOptions{PerPage: 100}
	for {
		list, resp, err := c.REST.PullRequests.ListReviewComments(ctx, owner, repo, number, reviewID, opts)
		if err != nil {
			return nil, fmt.Errorf("read the comments of review %d on #%d: %w", reviewID, number, err)
		}
		for _, rc := range list {
			out = append(out, ReviewComment{Author: rc.GetUser().GetLogin(), Path: rc.GetPath(), Body: rc.GetBody(), Line: rc.GetLine()})
		}
		if resp == nil || resp.NextPage == 0 || len(out) >= maxReviewComments {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// maxReviewComments bounds what one review can feed a revision.
const maxReviewComments = 300
