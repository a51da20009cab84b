package stack

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
)

// tree builds a MapFS from path → content.
func tree(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for p, c := range files {
		m[p] = &fstest.MapFile{Data: []byte(c)}
	}
	return m
}

// mustDetect runs Detect and fails the test on an error.
func mustDetect(t testing.TB, files map[string]string, opts Options) *Repo {
	t.Helper()
	repo, err := Detect(tree(files), opts)
	if err != nil {
		t.Fatalf("Detect: %v", err)
	}
	return repo
}

// dump renders a value for failure messages.
func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// hasWarning reports whether a warning contains all the parts.
func hasWarning(repo *Repo, parts ...string) bool {
	for _, w := range repo.Warnings {
		ok := true
		for _, p := range parts {
			if !strings.Contains(w, p) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
