package github

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gh "github.com/google/go-github/v62/github"
)

// TreeFS is a read-only view of a repository at one commit, as an fs.FS:
// the file list comes from one recursive tree call made on first use, and
// a file's content is fetched only when it is read. It never downloads the
// whole repository.
type TreeFS struct {
	c           *Client
	ctx         context.Context
	owner, repo string
	commit      string

	once      sync.Once
	err       error
	files     map[string]treeEntry
	dirs      map[string][]string // dir → sorted child names
	Truncated bool                // GitHub truncated the listing (very large repositories)
	bytesRead atomic.Int64
}

type treeEntry struct {
	sha  string
	size int64
}

// Tree returns the repository at a commit as a file system. ctx bounds
// the API calls the file system makes.
func (c *Client) Tree(ctx context.Context, owner, repo, commit string) *TreeFS {
	return &TreeFS{c: c, ctx: ctx, owner: owner, repo: repo, commit: commit}
}

// BytesRead returns the content bytes fetched so far.
func (t *TreeFS) BytesRead() int64 { return t.bytesRead.Load() }

func (t *TreeFS) load() error {
	t.once.Do(func() {
		tree, _, err := t.c.REST.Git.GetTree(t.ctx, t.owner, t.repo, t.commit, true)
		if err != nil {
			t.err = fmt.Errorf("list %s/%s at %s: %w", t.owner, t.repo, t.commit, err)
			return
		}
		t.Truncated = tree.GetTruncated()
		t.files = map[string]treeEntry{}
		children := map[string]map[string]bool{".": {}}
		addChild := func(dir, name string) {
			if children[dir] == nil {
				children[dir] = map[string]bool{}
			}
			children[dir][name] = true
		}
		for _, e := range tree.Entries {
			p := e.GetPath()
			if !fs.ValidPath(p) {
				continue
			}
			if e.GetType() == "blob" {
				t.files[p] = treeEntry{sha: e.GetSHA(), size: int64(e.GetSize())}
			}
			// Register every ancestor directory.
			for q := p; q != "."; {
				dir := path.Dir(q)
				addChild(dir, path.Base(q))
				q = dir
			}
			if e.GetType() == "tree" && children[p] == nil {
				children[p] = map[string]bool{}
			}
		}
		t.dirs = map[string][]string{}
		for d, names := range children {
			list := make([]string, 0, len(names))
			for n := range names {
				list = append(list, n)
			}
			sort.Strings(list)
			t.dirs[d] = list
		}
	})
	return t.err
}

// Open implements fs.FS.
func (t *TreeFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if err := t.load(); err != nil {
		return nil, err
	}
	if e, ok := t.files[name]; ok {
		return &treeFile{t: t, name: name, e: e}, nil
	}
	if _, ok := t.dirs[name]; ok {
		return &treeDir{t: t, name: name}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// ReadDir implements fs.ReadDirFS.
func (t *TreeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if err := t.load(); err != nil {
		return nil, err
	}
	names, ok := t.dirs[name]
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	out := make([]fs.DirEntry, 0, len(names))
	for _, n := range names {
		full := n
		if name != "." {
			full = name + "/" + n
		}
		out = append(out, fs.FileInfoToDirEntry(t.info(full)))
	}
	return out, nil
}

// Stat implements fs.StatFS.
func (t *TreeFS) Stat(name string) (fs.FileInfo, error) {
	if err := t.load(); err != nil {
		return nil, err
	}
	if _, ok := t.files[name]; !ok {
		if _, ok := t.dirs[name]; !ok {
			return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
		}
	}
	return t.info(name), nil
}

func (t *TreeFS) info(name string) fileInfo {
	if e, ok := t.files[name]; ok {
		return fileInfo{name: path.Base(name), size: e.size}
	}
	return fileInfo{name: path.Base(name), dir: true}
}

type fileInfo struct {
	name string
	size int64
	dir  bool
}

func (i fileInfo) Name() string { return i.name }
func (i fileInfo) Size() int64  { return i.size }
func (i fileInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i fileInfo) ModTime() time.Time { return time.Time{} }
func (i fileInfo) IsDir() bool        { return i.dir }
func (i fileInfo) Sys() any           { return nil }

type treeFile struct {
	t    *TreeFS
	name string
	e    treeEntry
	r    *bytes.Reader
}

func (f *treeFile) Stat() (fs.FileInfo, error) { return f.t.info(f.name), nil }
func (f *treeFile) Close() error               { return nil }

func (f *treeFile) Read(p []byte) (int, error) {
	if f.r == nil {
		blob, _, err := f.t.c.REST.Git.GetBlob(f.t.ctx, f.t.owner, f.t.repo, f.e.sha)
		if err != nil {
			return 0, fmt.Errorf("read %s: %w", f.name, err)
		}
		data, err := decodeBlob(blob)
		if err != nil {
			return 0, fmt.Errorf("read %s: %w", f.name, err)
		}
		f.t.bytesRead.Add(int64(len(data)))
		f.r = bytes.NewReader(data)
	}
	return f.r.Read(p)
}

func decodeBlob(b *gh.Blob) ([]byte, error) {
	if b.GetEncoding() == "base64" {
		return base64.StdEncoding.DecodeString(strings.ReplaceAll(b.GetContent(), "\n", ""))
	}
	return []byte(b.GetContent()), nil
}

type treeDir struct {
	t    *TreeFS
	name string
	read int
}

func (d *treeDir) Stat() (fs.FileInfo, error) { return d.t.info(d.name), nil }
func (d *treeDir) Close() error               { return nil }
func (d *treeDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: fs.ErrInvalid}
}

// ReadDir implements fs.ReadDirFile.
func (d *treeDir) ReadDir(n int) ([]fs.DirEntry, error) {
	all, err := d.t.ReadDir(d.name)
	if err != nil {
		return nil, err
	}
	rest := all[d.read:]
	if n <= 0 {
		d.read = len(all)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	if n > len(rest) {
		n = len(rest)
	}
	d.read += n
	return rest[:n], nil
}
