package stack

import (
	"os"
	"reflect"
	"testing"

	"github.com/devops-lead/devops-lead/bench/gen"
	"github.com/devops-lead/devops-lead/internal/workspace"
)

// TestGeneratedRepo runs Detect on a small generated monorepo on disk
// through the workspace, as the run command does.
func TestGeneratedRepo(t *testing.T) {
	dir := t.TempDir()
	if err := gen.Generate(dir, 3000); err != nil {
		t.Fatal(err)
	}
	ws := workspace.Local(dir)
	defer ws.Close()
	repo, err := Detect(ws, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, s := range repo.Services {
		dirs = append(dirs, s.Dir)
	}
	if !reflect.DeepEqual(dirs, gen.Services) {
		t.Fatalf("services %q, want %q", dirs, gen.Services)
	}
	if got := ws.BytesRead(); got != repo.BytesRead {
		t.Errorf("Detect counted %d bytes, the workspace %d", repo.BytesRead, got)
	}
	want := map[string]struct {
		version string
		port    int
	}{
		"apps/web": {"20", 3000}, "services/api": {"1.22", 8080}, "services/billing": {"17", 8081},
		"services/engine": {"1.78", 3001}, "services/ml": {"3.11", 8000},
	}
	for _, s := range repo.Services {
		if w := want[s.Dir]; s.Version != w.version || s.Port != w.port {
			t.Errorf("%s: version %q port %d, want %q %d", s.Dir, s.Version, s.Port, w.version, w.port)
		}
	}
	if len(repo.Warnings) != 0 {
		t.Errorf("warnings: %q", repo.Warnings)
	}
}

// BenchmarkDetect100k measures Detect over a generated 100,000-file
// monorepo on disk. Set DEVOPS_LEAD_BENCH_REPO to reuse a tree made by
// bench/gen100k instead of generating one.
func BenchmarkDetect100k(b *testing.B) {
	dir := os.Getenv("DEVOPS_LEAD_BENCH_REPO")
	if dir == "" {
		dir = b.TempDir()
		if err := gen.Generate(dir, 100_000); err != nil {
			b.Fatal(err)
		}
	}
	var repo *Repo
	var opened int64
	for b.Loop() {
		ws := workspace.Local(dir)
		var err error
		repo, err = Detect(ws, Options{})
		if err != nil {
			b.Fatal(err)
		}
		opened = ws.FilesOpened()
		ws.Close()
	}
	if len(repo.Services) != len(gen.Services) {
		b.Fatalf("found %d services, want %d", len(repo.Services), len(gen.Services))
	}
	b.ReportMetric(float64(repo.BytesRead), "bytes_read/op")
	b.ReportMetric(float64(opened), "files_opened/op")
	b.ReportMetric(float64(repo.FilesSeen), "entries_walked/op")
}
