package github

import (
	"context"
	"io/fs"
	"testing"
	"testing/fstest"
)

func TestTreeFSReadsLazily(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.source.SetFiles(map[string]string{"services/api/go.mod": "module api\n", "services/api/cmd/api/main.go": "package main\n", "README.md": "hi"})
	base, err := f.c.BaseOf(ctx, "acme", "api", "main")
	if err != nil {
		t.Fatal(err)
	}
	f.srv.ResetCalls()
	tfs := f.c.Tree(ctx, "acme", "api", base.Commit)
	if err := fstest.TestFS(tfs, "go.mod", "main.go", "README.md", "services/api/go.mod", "services/api/cmd/api/main.go"); err != nil {
		t.Fatal(err)
	}
	data, err := fs.ReadFile(tfs, "services/api/go.mod")
	if err != nil || string(data) != "module api\n" {
		t.Fatalf("read = %q %v", data, err)
	}
	if got := f.srv.Calls("GET /repos/{owner}/{repo}/git/trees/{sha}"); got != 1 {
		t.Errorf("tree listed %d times, want once", got)
	}
	if _, err := fs.Stat(tfs, "nope"); err == nil {
		t.Error("missing file")
	}
	// Listing and stat do not fetch contents.
	f.srv.ResetCalls()
	if _, err := fs.ReadDir(tfs, "services/api"); err != nil {
		t.Fatal(err)
	}
	if f.apiCalls() != 0 {
		t.Errorf("ReadDir made %d calls", f.apiCalls())
	}
}

func TestBranchChanges(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	base, err := f.c.BaseOf(ctx, "acme", "api", "main")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.CommitFiles(ctx, "acme", "api", "b", base, "m", []FileChange{
		{Path: "Dockerfile", Content: []byte("FROM x\n")}, {Path: "main.go", Delete: true}}); err != nil {
		t.Fatal(err)
	}
	got, err := f.c.BranchChanges(ctx, "acme", "api", base, "b")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, fc := range got {
		if fc.Delete {
			seen[fc.Path] = "<deleted>"
		} else {
			seen[fc.Path] = string(fc.Content)
		}
	}
	if len(seen) != 2 || seen["Dockerfile"] != "FROM x\n" || seen["main.go"] != "<deleted>" {
		t.Fatalf("changes = %v", seen)
	}
}
