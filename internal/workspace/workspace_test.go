package workspace

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLocalCountsAndCaps(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "big.txt"), []byte(strings.Repeat("x", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	ws := Local(dir)
	defer ws.Close()
	data, err := ReadFile(ws, "a.txt", 0)
	if err != nil || string(data) != "hello" {
		t.Fatalf("ReadFile = %q, %v", data, err)
	}
	if ws.BytesRead() != 5 || ws.FilesOpened() != 1 {
		t.Errorf("counted %d bytes in %d files, want 5 in 1", ws.BytesRead(), ws.FilesOpened())
	}
	if _, err := ReadFile(ws, "big.txt", 10); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the cap: err = %v, want ErrTooLarge", err)
	}
	if _, err := ReadFile(ws, "missing", 0); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: err = %v, want fs.ErrNotExist", err)
	}
	if !Exists(ws, "a.txt") || Exists(ws, "missing") {
		t.Error("Exists is wrong")
	}
	entries, err := ws.ReadDir(".")
	if err != nil || len(entries) != 2 {
		t.Errorf("ReadDir = %d entries, %v", len(entries), err)
	}
}

func TestLocalRefusesEscapingSymlink(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, []byte("s3cret"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "Dockerfile")); err != nil {
		t.Skipf("symlinks unsupported: %v", err)
	}
	ws := Local(dir)
	defer ws.Close()
	if data, err := ReadFile(ws, "Dockerfile", 0); err == nil {
		t.Fatalf("read %q through a symlink that leaves the repository", data)
	}
}
