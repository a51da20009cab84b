package workspace

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"testing"
	"testing/fstest"
)

// errUnavailable stands for a remote workspace's 5xx.
var errUnavailable = errors.New("GET blob: 500 Server Error")

// flaky fails reads (open, read, stat, readdir) of the listed names.
type flaky struct {
	fstest.MapFS
	bad map[string]bool
}

func (f flaky) Open(name string) (fs.File, error) {
	if f.bad[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errUnavailable}
	}
	return f.MapFS.Open(name)
}

func (f flaky) Stat(name string) (fs.FileInfo, error) {
	if f.bad[name] {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: errUnavailable}
	}
	return f.MapFS.Stat(name)
}

func TestFailedIsNotAbsent(t *testing.T) {
	for _, tc := range []struct {
		err    error
		failed bool
	}{
		{nil, false},
		{io.EOF, false},
		{fs.ErrNotExist, false},
		{&fs.PathError{Op: "open", Path: "a", Err: fs.ErrNotExist}, false},
		{fmt.Errorf("x: %w", ErrTooLarge), false},
		{fs.ErrPermission, false},
		{errUnavailable, true},
		{fmt.Errorf("read a: %w", errUnavailable), true},
	} {
		if got := Failed(tc.err); got != tc.failed {
			t.Errorf("Failed(%v) = %v, want %v", tc.err, got, tc.failed)
		}
	}
}

func TestHasTellsFailureFromAbsence(t *testing.T) {
	fsys := flaky{MapFS: fstest.MapFS{"go.mod": {Data: []byte("module x\n")}, "down": {Data: []byte("x")}}, bad: map[string]bool{"down": true}}
	if ok, err := Has(fsys, "go.mod"); !ok || err != nil {
		t.Errorf("Has(go.mod) = %v, %v; want true, nil", ok, err)
	}
	if ok, err := Has(fsys, "missing"); ok || err != nil {
		t.Errorf("Has(missing) = %v, %v; want false, nil", ok, err)
	}
	ok, err := Has(fsys, "down")
	if ok || !IsReadError(err) || !errors.Is(err, errUnavailable) {
		t.Errorf("Has(down) = %v, %v; want a ReadError wrapping the failure", ok, err)
	}
}

func TestWatchRecordsFailedReads(t *testing.T) {
	fsys := flaky{MapFS: fstest.MapFS{"a.txt": {Data: []byte("hello")}, "down": {Data: []byte("x")}}, bad: map[string]bool{"down": true}}
	w := Watch(fsys)
	if data, err := ReadFile(w, "a.txt", 0); err != nil || string(data) != "hello" {
		t.Fatalf("ReadFile(a.txt) = %q, %v", data, err)
	}
	if Exists(w, "missing") || w.Err() != nil {
		t.Fatalf("absence recorded as a failure: %v", w.Err())
	}
	if _, err := fs.ReadDir(w, "."); err != nil || w.Err() != nil {
		t.Fatalf("ReadDir: %v, recorded %v", err, w.Err())
	}
	if Exists(w, "down") {
		t.Fatal("a failed stat reported as present")
	}
	err := w.Err()
	var re *ReadError
	if !errors.As(err, &re) || re.Path != "down" || !errors.Is(err, errUnavailable) {
		t.Fatalf("Err() = %v, want a ReadError for down", err)
	}
	// The first failure is kept.
	w.Open("down")
	if w.Err() != err {
		t.Errorf("Err() changed to %v", w.Err())
	}
}
