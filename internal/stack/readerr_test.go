package stack

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/workspace"
)

// errRemote stands for a remote workspace's 500.
var errRemote = errors.New("GET blob: 500 Server Error")

// failingFS fails some operations on named paths the way a remote
// workspace does when GitHub answers 500: opening, reading, or listing.
type failingFS struct {
	fstest.MapFS
	open, read, list map[string]bool
}

func (f failingFS) Open(name string) (fs.File, error) {
	if f.open[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errRemote}
	}
	file, err := f.MapFS.Open(name)
	if err != nil || !f.read[name] {
		return file, err
	}
	return failingFile{file}, nil
}

func (f failingFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if f.list[name] {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errRemote}
	}
	return f.MapFS.ReadDir(name)
}

type failingFile struct{ fs.File }

func (failingFile) Read([]byte) (int, error) { return 0, errRemote }

func goAPIRepo() fstest.MapFS {
	return fstest.MapFS{
		"go.mod":          {Data: []byte("module example.com/api\n\ngo 1.22\n")},
		"cmd/api/main.go": {Data: []byte("package main\n\nfunc main() {}\n")},
		"internal/x/x.go": {Data: []byte("package x\n")},
	}
}

// A read that failed must fail detection (so the job retries), never
// read as "the file is absent".
func TestDetectFailedReadIsAnError(t *testing.T) {
	for name, fsys := range map[string]failingFS{
		"open main.go":   {MapFS: goAPIRepo(), open: map[string]bool{"cmd/api/main.go": true}},
		"read main.go":   {MapFS: goAPIRepo(), read: map[string]bool{"cmd/api/main.go": true}},
		"read go.mod":    {MapFS: goAPIRepo(), read: map[string]bool{"go.mod": true}},
		"list cmd":       {MapFS: goAPIRepo(), list: map[string]bool{"cmd": true}},
		"list the root":  {MapFS: goAPIRepo(), list: map[string]bool{".": true}},
		"list a sub dir": {MapFS: goAPIRepo(), list: map[string]bool{"internal/x": true}},
	} {
		t.Run(name, func(t *testing.T) {
			repo, err := Detect(fsys, Options{})
			if err == nil {
				t.Fatalf("Detect succeeded over a failed read: services %+v, warnings %q", repo.Services, repo.Warnings)
			}
			if !workspace.IsReadError(err) || !errors.Is(err, errRemote) {
				t.Errorf("err = %v; want a workspace.ReadError wrapping the failure", err)
			}
		})
	}
}

// Absence and files unreadable by their nature stay what they were.
func TestDetectAbsenceIsNotAnError(t *testing.T) {
	repo, err := Detect(goAPIRepo(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(repo.Services) != 1 || len(repo.Services[0].Mains) != 1 {
		t.Fatalf("services = %+v; want the api with its entry point", repo.Services)
	}
	big := goAPIRepo()
	big["package.json"] = &fstest.MapFile{Data: []byte(`{"name":"x","x":"` + strings.Repeat("a", MaxFileBytes) + `"}`)}
	if _, err := Detect(big, Options{}); err != nil {
		t.Errorf("an oversized manifest failed detection: %v", err)
	}
}
