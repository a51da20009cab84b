package github

import (
	"context"
	"encoding/base64"
	"fmt"
	"unicode/utf8"

	gh "github.com/google/go-github/v62/github"
)

// FileChange is one file of a commit: new content, or a deletion.
type FileChange struct {
	Path    string
	Content []byte
	Delete  bool
}

// Base is the commit a branch starts from.
type Base struct {
	Commit string // commit SHA
	Tree   string // its tree SHA
}

// BaseOf resolves a branch to its head commit and tree (two calls, once
// per job, shared by every branch the job writes).
func (c *Client) BaseOf(ctx context.Context, owner, repo, branch string) (Base, error) {
	ref, _, err := c.REST.Git.GetRef(ctx, owner, repo, "heads/"+branch)
	if err != nil {
		return Base{}, fmt.Errorf("branch %s of %s/%s: %w", branch, owner, repo, err)
	}
	cm, _, err := c.REST.Git.GetCommit(ctx, owner, repo, ref.GetObject().GetSHA())
	if err != nil {
		return Base{}, fmt.Errorf("commit %s: %w", ref.GetObject().GetSHA(), err)
	}
	return Base{Commit: cm.GetSHA(), Tree: cm.GetTree().GetSHA()}, nil
}

// BranchHead returns the commit a branch points at, or "" when there is
// no such branch. One call.
func (c *Client) BranchHead(ctx context.Context, owner, repo, branch string) (string, error) {
	ref, _, err := c.REST.Git.GetRef(ctx, owner, repo, "heads/"+branch)
	if IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("branch %s of %s/%s: %w", branch, owner, repo, err)
	}
	return ref.GetObject().GetSHA(), nil
}

// CommitBase returns a commit and its tree.
func (c *Client) CommitBase(ctx context.Context, owner, repo, commit string) (Base, error) {
	cm, _, err := c.REST.Git.GetCommit(ctx, owner, repo, commit)
	if err != nil {
		return Base{}, fmt.Errorf("commit %s: %w", commit, err)
	}
	return Base{Commit: cm.GetSHA(), Tree: cm.GetTree().GetSHA()}, nil
}

// CommitFiles commits the files on top of base and points branch at the
// commit, in a constant number of calls whatever the number of files: one
// tree with inline contents on base_tree, one commit, one ref create (plus
// one forced update when the branch already exists). Binary files, which
// cannot be sent inline, cost one blob call each.
func (c *Client) CommitFiles(ctx context.Context, owner, repo, branch string, base Base, message string, files []FileChange) (string, error) {
	commit, err := c.commit(ctx, owner, repo, branch, base, message, files)
	if err != nil {
		return "", err
	}
	ref := &gh.Reference{Ref: gh.String("refs/heads/" + branch), Object: &gh.GitObject{SHA: gh.String(commit)}}
	if _, _, err := c.REST.Git.CreateRef(ctx, owner, repo, ref); err != nil {
		if !IsUnprocessable(err, "reference already exists") {
			return "", fmt.Errorf("create branch %s: %w", branch, err)
		}
		// The branch is ours from an earlier attempt: point it at the
		// new commit, which is built on the current base.
		if _, _, err := c.REST.Git.UpdateRef(ctx, owner, repo, ref, true); err != nil {
			return "", fmt.Errorf("update branch %s: %w", branch, err)
		}
	}
	return commit, nil
}

// AppendCommit adds one commit with files on top of head, the branch's
// current head, and moves the branch to it without forcing: if someone
// pushed to the branch in between, GitHub refuses and nothing is lost.
// Three calls: tree, commit, ref update.
func (c *Client) AppendCommit(ctx context.Context, owner, repo, branch string, head Base, message string, files []FileChange) (string, error) {
	commit, err := c.commit(ctx, owner, repo, branch, head, message, files)
	if err != nil {
		return "", err
	}
	ref := &gh.Reference{Ref: gh.String("refs/heads/" + branch), Object: &gh.GitObject{SHA: gh.String(commit)}}
	if _, _, err := c.REST.Git.UpdateRef(ctx, owner, repo, ref, false); err != nil {
		return "", fmt.Errorf("update branch %s (it may have moved since it was read): %w", branch, err)
	}
	return commit, nil
}

// commit creates the tree of files on base's tree and a commit of it
// whose parent is base's commit.
func (c *Client) commit(ctx context.Context, owner, repo, branch string, base Base, message string, files []FileChange) (string, error) {
	if len(files) == 0 {
		return "", fmt.Errorf("commit on %s: no files", branch)
	}
	entries := make([]*gh.TreeEntry, 0, len(files))
	for _, f := range files {
		e := &gh.TreeEntry{Path: gh.String(f.Path), Mode: gh.String("100644"), Type: gh.String("blob")}
		switch {
		case f.Delete:
			// SHA and Content nil: go-github sends "sha": null.
		case utf8.Valid(f.Content):
			e.Content = gh.String(string(f.Content))
		default:
			b, _, err := c.REST.Git.CreateBlob(ctx, owner, repo, &gh.Blob{
				Content: gh.String(base64.StdEncoding.EncodeToString(f.Content)), Encoding: gh.String("base64")})
			if err != nil {
				return "", fmt.Errorf("blob for %s: %w", f.Path, err)
			}
			e.SHA = b.SHA
		}
		entries = append(entries, e)
	}
	tree, _, err := c.REST.Git.CreateTree(ctx, owner, repo, base.Tree, entries)
	if err != nil {
		return "", fmt.Errorf("tree for %s: %w", branch, err)
	}
	commit, _, err := c.REST.Git.CreateCommit(ctx, owner, repo, &gh.Commit{
		Message: gh.String(message), Tree: tree, Parents: []*gh.Commit{{SHA: gh.String(base.Commit)}}}, nil)
	if err != nil {
		return "", fmt.Errorf("commit for %s: %w", branch, err)
	}
	return commit.GetSHA(), nil
}

// FindOpenPR returns the open pull request whose head is branch, or nil.
func (c *Client) FindOpenPR(ctx context.Context, owner, repo, branch string) (*gh.PullRequest, error) {
	list, _, err := c.REST.PullRequests.List(ctx, owner, repo, &gh.PullRequestListOptions{
		State: "open", Head: owner + ":" + branch, ListOptions: gh.ListOptions{PerPage: 10}})
	if err != nil {
		return nil, fmt.Errorf("find the pull request for %s: %w", branch, err)
	}
	for _, pr := range list {
		if pr.GetHead().GetRef() == branch {
			return pr, nil
		}
	}
	return nil, nil
}

// EnsurePR opens the pull request, unless one is already open for its
// head, in which case it updates title and body. It reports whether it
// created one.
func (c *Client) EnsurePR(ctx context.Context, owner, repo string, np *gh.NewPullRequest) (*gh.PullRequest, bool, error) {
	head := np.GetHead()
	pr, err := c.FindOpenPR(ctx, owner, repo, head)
	if err != nil {
		return nil, false, err
	}
	if pr == nil {
		pr, _, err = c.REST.PullRequests.Create(ctx, owner, repo, np)
		if err == nil {
			return pr, true, nil
		}
		if !IsUnprocessable(err, "already exists") {
			return nil, false, fmt.Errorf("open the pull request for %s: %w", head, err)
		}
		if pr, err = c.FindOpenPR(ctx, owner, repo, head); err != nil || pr == nil {
			return nil, false, fmt.Errorf("the pull request for %s exists but cannot be found: %v", head, err)
		}
	}
	if pr.GetTitle() == np.GetTitle() && pr.GetBody() == np.GetBody() {
		return pr, false, nil
	}
	pr, _, err = c.REST.PullRequests.Edit(ctx, owner, repo, pr.GetNumber(), &gh.PullRequest{Title: np.Title, Body: np.Body})
	if err != nil {
		return nil, false, fmt.Errorf("update the pull request for %s: %w", head, err)
	}
	return pr, false, nil
}
