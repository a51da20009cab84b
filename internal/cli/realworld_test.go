package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// realworldDir holds the fixtures shaped like real public repositories
// (docs/real-repositories.md lists the repositories they follow).
const realworldDir = "../../testdata/realworld"

// realworldRequests are the three ordinary requests a new user makes.
var realworldRequests = []string{
	"containerize this service and add CI",
	"compose for local development with Postgres",
	"deploy it to Cloud Run with Terraform",
}

// realworldFixtures lists the fixture directories.
func realworldFixtures(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(realworldDir)
	if err != nil {
		t.Fatalf("read %s: %v", realworldDir, err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	if len(out) == 0 {
		t.Fatalf("no fixtures under %s", realworldDir)
	}
	return out
}

// TestRealWorldNeverDestroys runs the three ordinary requests on every
// fixture shaped like a real repository and holds the promises of the
// change policy: nothing deleted, no workflow touched by a request that is
// not about CI, a human's file changed only by a small patch with its
// reason, no Terraform in test, example or docs folders, nothing
// containerized that is not a service, no internal error, and every
// Dockerfile written passing the gate with the repository at hand.
func TestRealWorldNeverDestroys(t *testing.T) {
	var summary []string
	for _, fx := range realworldFixtures(t) {
		for _, req := range realworldRequests {
			name := fx + "__" + engine.Slug(req)
			t.Run(name, func(t *testing.T) {
				dir := copyTree(t, filepath.Join(realworldDir, fx))
				out := t.TempDir()
				code, js, errs := runCLI(t, "", "run", "--repo", dir, "--out", out, "--quiet", "--json", req)
				if strings.Contains(errs, "bug in devops-lead") || strings.Contains(errs, "panic") {
					t.Fatalf("internal error (exit %d): %s", code, errs)
				}
				var res struct {
					Plan  *engine.Plan        `json:"plan"`
					Repo  *stack.Repo         `json:"repo"`
					Tasks []engine.TaskResult `json:"tasks"`
					Error string              `json:"error"`
				}
				if err := json.Unmarshal([]byte(js), &res); err != nil {
					t.Fatalf("exit %d, output is not JSON: %v\n%s\n%s", code, err, js, errs)
				}
				summary = append(summary, fmt.Sprintf("%-60s exit %d, %s", name, code, taskLine(res.Tasks)))
				checkGolden(t, filepath.Join("testdata", "golden-realworld", name+".txt"), dir, req)
				for _, tr := range res.Tasks {
					if strings.Contains(tr.Error, "bug in devops-lead") {
						t.Errorf("task %s: internal error: %s", tr.Task.ID, tr.Error)
					}
					if tr.ChangeSet == nil || tr.Status != engine.StatusDone {
						continue // a failed task publishes nothing
					}
					for _, f := range tr.ChangeSet.Files {
						checkPolicy(t, dir, out, req, res.Repo, tr.Task, f)
					}
					for _, fd := range tr.Findings {
						if fd.Severity == validate.Error {
							t.Errorf("task %s: an error finding left the engine: %s", tr.Task.ID, fd)
						}
					}
				}
			})
		}
	}
	sort.Strings(summary)
	t.Logf("real-world fixtures × requests:\n%s", strings.Join(summary, "\n"))
}

// checkGolden compares the dry-run text of a request on a fixture with
// its golden file (-update rewrites it).
func checkGolden(t *testing.T, golden, dir, req string) {
	t.Helper()
	_, out, _ := runCLI(t, "", "run", "--repo", dir, "--dry-run", "--quiet", req)
	matchGolden(t, golden, out, "TestRealWorldNeverDestroys")
}

// matchGolden compares out with the golden file, or rewrites the file
// under -update; test names the test to rerun.
func matchGolden(t *testing.T, golden, out, test string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -run %s -update, then review the files)", err, test)
	}
	if out != string(want) {
		t.Errorf("output differs from %s (rerun with -update and review the diff):\n%s", golden, firstDiff(string(want), out))
	}
}

// checkPolicy holds one written file to the change policy.
func checkPolicy(t *testing.T, repoDir, outDir, req string, repo *stack.Repo, task engine.Task, f *change.File) {
	t.Helper()
	old, oldErr := os.ReadFile(filepath.Join(repoDir, filepath.FromSlash(f.Path)))
	existed := oldErr == nil
	switch {
	case f.Op == change.Delete:
		t.Errorf("task %s deletes %s", task.ID, f.Path)
		return
	case existed && f.Op == change.Add:
		t.Errorf("task %s adds %s, which exists: it would be overwritten", task.ID, f.Path)
	}
	if existed {
		if strings.HasPrefix(f.Path, ".github/workflows/") && !strings.Contains(strings.ToLower(req), "ci") {
			t.Errorf("task %s changes the workflow %s for a request not about CI", task.ID, f.Path)
		}
		if strings.TrimSpace(f.Note) == "" {
			t.Errorf("task %s changes %s without a reason", task.ID, f.Path)
		}
		content, err := os.ReadFile(filepath.Join(outDir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Errorf("task %s: %s is not in --out: %v", task.ID, f.Path, err)
		} else if removed, total := removedLines(string(old), string(content)); removed > max(3, total/4) {
			t.Errorf("task %s rewrites %s: %d of %d lines removed or changed", task.ID, f.Path, removed, total)
		}
	}
	if strings.HasSuffix(f.Path, ".tf") {
		for _, seg := range strings.Split(path.Dir(f.Path), "/") {
			if nonProductDirs[strings.ToLower(seg)] {
				t.Errorf("task %s writes Terraform into %s, a %s folder", task.ID, f.Path, seg)
			}
		}
	}
	if path.Base(f.Path) == "Dockerfile" && !existed && repo != nil {
		dir := path.Dir(f.Path)
		if s := repo.Service(dir); s != nil && s.Kind != "" && s.Kind != stack.KindService && s.Kind != stack.KindWorker {
			t.Errorf("task %s containerizes %s, a %s (%s)", task.ID, dir, s.Kind, s.KindReason)
		}
	}
	if strings.HasPrefix(f.Path, ".github/workflows/") && repo != nil {
		content, _ := os.ReadFile(filepath.Join(outDir, filepath.FromSlash(f.Path)))
		checkPackageManager(t, task, f.Path, string(content), repo)
	}
}

// nonProductDirs are folders whose Terraform is not the product's.
var nonProductDirs = map[string]bool{
	"test": true, "tests": true, "testdata": true, "fixtures": true, "fixture": true,
	"example": true, "examples": true, "samples": true, "sample": true,
	"docs": true, "doc": true, "site": true, "website": true, "blog": true,
}

// checkPackageManager holds a written workflow to the package managers the
// repository uses: a bun, pnpm or yarn project is never installed with npm,
// and a uv or poetry project is installed with its own tool.
func checkPackageManager(t *testing.T, task engine.Task, p, content string, repo *stack.Repo) {
	t.Helper()
	for _, s := range repo.Services {
		if s.Dir != "." && !strings.Contains(content, s.Dir) {
			continue
		}
		switch {
		case s.Language == stack.Node && (s.PackageManager == "bun" || s.PackageManager == "pnpm" || s.PackageManager == "yarn"):
			if strings.Contains(content, "npm ci") && !strings.Contains(content, s.PackageManager) {
				t.Errorf("task %s: %s installs %s with npm; it uses %s", task.ID, p, s.Dir, s.PackageManager)
			}
		case s.Language == stack.Python && (s.PackageManager == "uv" || s.PackageManager == "poetry"):
			if strings.Contains(content, "pip install -r") && !strings.Contains(content, s.PackageManager) {
				t.Errorf("task %s: %s installs %s with pip; it uses %s", task.ID, p, s.Dir, s.PackageManager)
			}
		}
	}
}

// removedLines counts the lines of old that are not in new (as a
// multiset), and old's line count: a patch removes few, a rewrite many.
func removedLines(old, new string) (removed, total int) {
	have := map[string]int{}
	for _, l := range strings.Split(new, "\n") {
		have[strings.TrimRight(l, " \t\r")]++
	}
	for _, l := range strings.Split(old, "\n") {
		l = strings.TrimRight(l, " \t\r")
		if l == "" {
			continue
		}
		total++
		if have[l] > 0 {
			have[l]--
			continue
		}
		removed++
	}
	return removed, total
}

// taskLine summarises the tasks of one run.
func taskLine(tasks []engine.TaskResult) string {
	if len(tasks) == 0 {
		return "no tasks"
	}
	var parts []string
	for _, tr := range tasks {
		n := 0
		if tr.ChangeSet != nil {
			n = len(tr.ChangeSet.Files)
		}
		parts = append(parts, fmt.Sprintf("%s:%s(%d)", tr.Task.ID, tr.Status, n))
	}
	return strings.Join(parts, " ")
}

// copyTree copies a fixture to a temporary directory outside this
// project's git repository, so it is planned as a repository of its own.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, _ := d.Info()
		return os.WriteFile(target, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}
