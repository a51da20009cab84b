package gen

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestGenerateExactCount(t *testing.T) {
	for _, n := range []int{MinFiles(), 1234} {
		dir := t.TempDir()
		if err := Generate(dir, n); err != nil {
			t.Fatalf("Generate(%d): %v", n, err)
		}
		got := 0
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				got++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got != n {
			t.Errorf("Generate(%d) wrote %d files", n, got)
		}
		for _, s := range Services {
			if _, err := os.Stat(filepath.Join(dir, s)); err != nil {
				t.Errorf("service %s missing: %v", s, err)
			}
		}
	}
}

func TestGenerateRejects(t *testing.T) {
	if err := Generate(t.TempDir(), MinFiles()-1); err == nil {
		t.Error("too few files: want an error")
	}
	if err := Generate(filepath.Join(t.TempDir(), "missing"), 1000); err == nil {
		t.Error("missing directory: want an error")
	}
}
