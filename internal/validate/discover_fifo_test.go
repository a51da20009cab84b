//go:build unix

package validate

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestDiscoverSkipsFIFO: a named pipe called Dockerfile, named on the
// command line or met in a walk, is reported and never opened (opening it
// would block until a writer came).
func TestDiscoverSkipsFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "Dockerfile")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte("services:\n  a:\n    image: nginx:1.27\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, paths := range [][]string{{"Dockerfile"}, {"."}} {
		done := make(chan struct{})
		var d Discovery
		var err error
		go func() {
			d, err = DiscoverAll(dir, paths)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%v: DiscoverAll hangs on a FIFO", paths)
		}
		if err != nil {
			t.Fatalf("%v: %v", paths, err)
		}
		if len(d.Skipped) != 1 || d.Skipped[0].Rule != ruleNotRegular.ID || d.Skipped[0].Path != "Dockerfile" {
			t.Errorf("%v: want one file-not-regular finding on Dockerfile, got %v", paths, d.Skipped)
		}
		for _, f := range d.Files {
			if f.Path == "Dockerfile" {
				t.Errorf("%v: the FIFO was loaded", paths)
			}
		}
	}
}
