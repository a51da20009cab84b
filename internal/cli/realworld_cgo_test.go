package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeptDockerfileCgoPatched: a Go service on go-sqlite3 whose
// Dockerfile, kept in docker/, builds with CGO_ENABLED=0 would ship a
// binary that fails at its first query. "containerize" patches that one
// line where the file is and writes no second Dockerfile; a request that
// is not about images says what is wrong and changes nothing.
func TestKeptDockerfileCgoPatched(t *testing.T) {
	setup := func(t *testing.T) string {
		dir := copyTree(t, filepath.Join(realworldDir, "go-sqlite-service"))
		df := filepath.Join(dir, "docker", "Dockerfile")
		data, err := os.ReadFile(df)
		if err != nil {
			t.Fatal(err)
		}
		off := strings.Replace(string(data), "CGO_ENABLED=1", "CGO_ENABLED=0", 1)
		if off == string(data) {
			t.Fatal("the fixture's Dockerfile no longer sets CGO_ENABLED=1: update this test")
		}
		if err := os.WriteFile(df, []byte(off), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	t.Run("containerize patches it in place", func(t *testing.T) {
		dir := setup(t)
		out := t.TempDir()
		code, _, errs := runCLI(t, "", "run", "--repo", dir, "--out", out, "--quiet", "--json", "containerize this service and add CI")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		got, err := os.ReadFile(filepath.Join(out, "docker", "Dockerfile"))
		if err != nil {
			t.Fatalf("docker/Dockerfile not patched: %v", err)
		}
		orig, _ := os.ReadFile(filepath.Join(dir, "docker", "Dockerfile"))
		if want := strings.Replace(string(orig), "CGO_ENABLED=0", "CGO_ENABLED=1", 1); string(got) != want {
			t.Errorf("patched file:\n%s\nwant:\n%s", got, want)
		}
		if _, err := os.Stat(filepath.Join(out, "Dockerfile")); err == nil {
			t.Error("a second Dockerfile was written at the root")
		}
	})
	t.Run("a deploy request only says so", func(t *testing.T) {
		dir := setup(t)
		_, out, errs := runCLI(t, "", "run", "--repo", dir, "--dry-run", "compose for local development with Postgres")
		if !strings.Contains(out+errs, "builds with cgo off") || !strings.Contains(out+errs, `ask to "containerize" to have it patched`) {
			t.Errorf("the plan does not name the cgo problem:\n%s\n%s", out, errs)
		}
		if strings.Contains(out, "+++ b/docker/Dockerfile") {
			t.Error("a compose request patched the Dockerfile")
		}
	})
}
