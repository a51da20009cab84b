package workspace

import (
	"errors"
	"io/fs"
	"sync"
)

// Watched is a file system that remembers the first read through it that
// failed (see Failed). Code that takes any error for "absent" (a brain
// checking whether a file exists, a gate comparing with the old content)
// can then run unchanged over a remote workspace: the caller asks Err
// afterwards and, when a read failed, retries instead of trusting the
// result.
type Watched struct {
	fsys fs.FS
	mu   sync.Mutex
	err  error
}

// Watch wraps fsys.
func Watch(fsys fs.FS) *Watched { return &Watched{fsys: fsys} }

// Err returns the first read that failed, as a *ReadError, or nil.
func (w *Watched) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *Watched) note(name string, err error) {
	if !Failed(err) {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = &ReadError{Path: name, Err: err}
	}
}

// Open implements fs.FS.
func (w *Watched) Open(name string) (fs.File, error) {
	f, err := w.fsys.Open(name)
	if err != nil {
		w.note(name, err)
		return nil, err
	}
	return &watchedFile{File: f, w: w, name: name}, nil
}

// ReadDir implements fs.ReadDirFS.
func (w *Watched) ReadDir(name string) ([]fs.DirEntry, error) {
	list, err := fs.ReadDir(w.fsys, name)
	w.note(name, err)
	return list, err
}

// Stat implements fs.StatFS.
func (w *Watched) Stat(name string) (fs.FileInfo, error) {
	st, err := fs.Stat(w.fsys, name)
	w.note(name, err)
	return st, err
}

type watchedFile struct {
	fs.File
	w    *Watched
	name string
}

func (f *watchedFile) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	f.w.note(f.name, err)
	return n, err
}

func (f *watchedFile) Stat() (fs.FileInfo, error) {
	st, err := f.File.Stat()
	f.w.note(f.name, err)
	return st, err
}

// ReadDir implements fs.ReadDirFile when the wrapped file does.
func (f *watchedFile) ReadDir(n int) ([]fs.DirEntry, error) {
	d, ok := f.File.(fs.ReadDirFile)
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: f.name, Err: errors.New("not a directory")}
	}
	list, err := d.ReadDir(n)
	f.w.note(f.name, err)
	return list, err
}
