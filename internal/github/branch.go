package github

import (
	"context"
	"fmt"
)

// BranchChanges returns what a branch changes relative to base: each file
// it adds or modifies with its content, and each it deletes (Delete set).
// It lists both trees (one call each, plus two to resolve the branch) and
// reads only the changed blobs.
func (c *Client) BranchChanges(ctx context.Context, owner, repo string, base Base, branch string) ([]FileChange, error) {
	head, err := c.BaseOf(ctx, owner, repo, branch)
	if err != nil {
		return nil, err
	}
	if head.Tree == base.Tree {
		return nil, nil
	}
	list := func(tree string) (map[string]string, error) {
		t, _, err := c.REST.Git.GetTree(ctx, owner, repo, tree, true)
		if err != nil {
			return nil, fmt.Errorf("list tree %s: %w", tree, err)
		}
		if t.GetTruncated() {
			return nil, fmt.Errorf("tree %s is too large to compare (GitHub truncated it)", tree)
		}
		out := map[string]string{}
		for _, e := range t.Entries {
			if e.GetType() == "blob" {
				out[e.GetPath()] = e.GetSHA()
			}
		}
		return out, nil
	}
	before, err := list(base.Tree)
	if err != nil {
		return nil, err
	}
	after, err := list(head.Tree)
	if err != nil {
		return nil, err
	}
	var out []FileChange
	for p, sha := range after {
		if before[p] == sha {
			continue
		}
		blob, _, err := c.REST.Git.GetBlob(ctx, owner, repo, sha)
		if err != nil {
			return nil, fmt.Errorf("read %s on %s: %w", p, branch, err)
		}
		data, err := decodeBlob(blob)
		if err != nil {
			return nil, fmt.Errorf("read %s on %s: %w", p, branch, err)
		}
		out = append(out, FileChange{Path: p, Content: data})
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			out = append(out, FileChange{Path: p, Delete: true})
		}
	}
	return out, nil
}
