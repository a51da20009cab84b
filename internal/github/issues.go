package github

import (
	"context"
	"fmt"

	gh "github.com/google/go-github/v62/github"
)

// FindComment returns the first comment on an issue that the bot (login
// bot, e.g. "devops-lead[bot]") wrote with the marker of a kind, or nil.
// Comments by anyone else are ignored, so a person cannot plant a marker.
func (c *Client) FindComment(ctx context.Context, owner, repo string, number int, bot, kind string) (*gh.IssueComment, error) {
	opts := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		list, resp, err := c.REST.Issues.ListComments(ctx, owner, repo, number, opts)
		if err != nil {
			return nil, fmt.Errorf("list comments of #%d: %w", number, err)
		}
		for _, cm := range list {
			if cm.GetUser().GetLogin() == bot && HasMarker(cm.GetBody(), kind) {
				return cm, nil
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
}

// UpsertComment edits the bot's comment with the kind's marker, or creates
// it. body must contain the marker. It reports whether it created one.
func (c *Client) UpsertComment(ctx context.Context, owner, repo string, number int, bot, kind, body string) (*gh.IssueComment, bool, error) {
	if !HasMarker(body, kind) {
		return nil, false, fmt.Errorf("comment body lacks the %s marker", kind)
	}
	old, err := c.FindComment(ctx, owner, repo, number, bot, kind)
	if err != nil {
		return nil, false, err
	}
	if old != nil {
		if old.GetBody() == body {
			return old, false, nil
		}
		cm, _, err := c.REST.Issues.EditComment(ctx, owner, repo, old.GetID(), &gh.IssueComment{Body: &body})
		if err != nil {
			return nil, false, fmt.Errorf("edit comment %d on #%d: %w", old.GetID(), number, err)
		}
		return cm, false, nil
	}
	cm, _, err := c.REST.Issues.CreateComment(ctx, owner, repo, number, &gh.IssueComment{Body: &body})
	if err != nil {
		return nil, false, fmt.Errorf("comment on #%d: %w", number, err)
	}
	return cm, true, nil
}

// React adds a reaction ("eyes", "rocket"...) to a comment, or to the
// issue itself when commentID is 0. Adding one twice is harmless.
func (c *Client) React(ctx context.Context, owner, repo string, number int, commentID int64, content string) error {
	var err error
	if commentID != 0 {
		_, _, err = c.REST.Reactions.CreateIssueCommentReaction(ctx, owner, repo, commentID, content)
	} else {
		_, _, err = c.REST.Reactions.CreateIssueReaction(ctx, owner, repo, number, content)
	}
	if err != nil {
		return fmt.Errorf("react %s on #%d: %w", content, number, err)
	}
	return nil
}

// FindIssue returns the open or closed issue with a label whose body has
// the bot's marker of a kind, or nil. Only issues the bot opened count.
func (c *Client) FindIssue(ctx context.Context, owner, repo, label, bot, kind string) (*gh.Issue, error) {
	opts := &gh.IssueListByRepoOptions{State: "all", Labels: []string{label}, ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		list, resp, err := c.REST.Issues.ListByRepo(ctx, owner, repo, opts)
		if err != nil {
			return nil, fmt.Errorf("list issues labelled %s: %w", label, err)
		}
		for _, is := range list {
			if is.GetUser().GetLogin() == bot && HasMarker(is.GetBody(), kind) && !is.IsPullRequest() {
				return is, nil
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
}

// AddSubIssue links the issue with id subID under parent. go-github v62
// has no method for it, so it goes through NewRequest. Linking twice is
// not an error.
func (c *Client) AddSubIssue(ctx context.Context, owner, repo string, parent int, subID int64) error {
	req, err := c.REST.NewRequest("POST", fmt.Sprintf("repos/%s/%s/issues/%d/sub_issues", owner, repo, parent),
		map[string]int64{"sub_issue_id": subID})
	if err != nil {
		return err
	}
	if _, err := c.REST.Do(ctx, req, nil); err != nil {
		if IsUnprocessable(err, "already") {
			return nil
		}
		return fmt.Errorf("link sub-issue %d under #%d: %w", subID, parent, err)
	}
	return nil
}

// SubIssues lists the sub-issues of an issue.
func (c *Client) SubIssues(ctx context.Context, owner, repo string, parent int) ([]*gh.Issue, error) {
	req, err := c.REST.NewRequest("GET", fmt.Sprintf("repos/%s/%s/issues/%d/sub_issues?per_page=100", owner, repo, parent), nil)
	if err != nil {
		return nil, err
	}
	var out []*gh.Issue
	if _, err := c.REST.Do(ctx, req, &out); err != nil {
		return nil, fmt.Errorf("list sub-issues of #%d: %w", parent, err)
	}
	return out, nil
}
