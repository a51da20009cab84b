package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/engine"
)

// TestUnsupportedLanguageRunsItsOwnImage: a Rails application (Ruby, which
// the built-in specialists cannot build) with a Dockerfile of its own is
// deployed to Kubernetes from that image, with the uid the Dockerfile
// creates its user with and the port it exposes; with a user that has no
// fixed uid the deployment is declined with what to change.
func TestUnsupportedLanguageRunsItsOwnImage(t *testing.T) {
	for _, tc := range []struct {
		req, file string
		want      []string
	}{
		{"deploy it to Kubernetes", "k8s/app/deployment.yaml", []string{"runAsUser: 991", "fsGroup: 991", "containerPort: 3000"}},
		{"add a Helm chart", "charts/app/values.yaml", []string{"991", "3000"}},
	} {
		t.Run(engine.Slug(tc.req), func(t *testing.T) {
			dir := copyTree(t, filepath.Join(realworldDir, "ruby-app-dockerfile"))
			out := t.TempDir()
			code, js, errs := runCLI(t, "", "run", "--repo", dir, "--out", out, "--quiet", "--json", tc.req)
			if code != 0 {
				t.Fatalf("exit %d: %s\n%s", code, errs, js)
			}
			var res struct {
				Plan  *engine.Plan        `json:"plan"`
				Tasks []engine.TaskResult `json:"tasks"`
			}
			if err := json.Unmarshal([]byte(js), &res); err != nil {
				t.Fatal(err)
			}
			if len(res.Tasks) != 1 || res.Tasks[0].Task.ID != "k8s" || res.Tasks[0].Status != engine.StatusDone {
				t.Fatalf("want one done k8s task, got %+v", res.Tasks)
			}
			if ts := res.Tasks[0].Task.Services; len(ts) != 1 || ts[0] != "." {
				t.Errorf("task services = %v, want the Ruby unit at the root", ts)
			}
			data, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(tc.file)))
			if err != nil {
				t.Fatalf("%s not written: %v", tc.file, err)
			}
			content := string(data)
			for _, p := range []string{".github", "Dockerfile"} {
				if _, err := os.Stat(filepath.Join(out, p)); err == nil {
					t.Errorf("a Kubernetes request wrote %s", p)
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(content, w) {
					t.Errorf("%s lacks %q", tc.file, w)
				}
			}
			notes := strings.Join(res.Plan.Notes, "\n")
			if !strings.Contains(notes, "uid 991") || !strings.Contains(notes, "nothing in this plan builds or pushes the image") {
				t.Errorf("the plan's notes do not say where the uid came from and that the image is not pushed:\n%s", notes)
			}
		})
	}
	t.Run("cloud run builds the Dockerfile as it is", func(t *testing.T) {
		dir := copyTree(t, filepath.Join(realworldDir, "ruby-app-dockerfile"))
		out := t.TempDir()
		code, js, errs := runCLI(t, "", "run", "--repo", dir, "--out", out, "--quiet", "--json", "deploy it to Cloud Run with Terraform")
		if code != 0 {
			t.Fatalf("exit %d: %s\n%s", code, errs, js)
		}
		var res struct {
			Tasks []engine.TaskResult `json:"tasks"`
		}
		if err := json.Unmarshal([]byte(js), &res); err != nil {
			t.Fatal(err)
		}
		for _, tr := range res.Tasks {
			if tr.Status != engine.StatusDone {
				t.Errorf("task %s: %s %s", tr.Task.ID, tr.Status, tr.Error)
			}
		}
		tfvars, err := os.ReadFile(filepath.Join(out, "infra", "gcp", "variables.tf"))
		if err != nil || !strings.Contains(string(tfvars), "3000") {
			t.Errorf("the Cloud Run service does not listen on the Dockerfile's port 3000 (%v):\n%s", err, tfvars)
		}
		if _, err := os.Stat(filepath.Join(out, "Dockerfile")); err == nil {
			t.Error("the Dockerfile was rewritten")
		}
	})
	t.Run("a user without a fixed uid is declined", func(t *testing.T) {
		dir := copyTree(t, filepath.Join(realworldDir, "ruby-app-dockerfile"))
		df := filepath.Join(dir, "Dockerfile")
		data, err := os.ReadFile(df)
		if err != nil {
			t.Fatal(err)
		}
		fixed := strings.Replace(string(data), `useradd -l -u "${UID}" -m`, "useradd -l -m", 1)
		if fixed == string(data) {
			t.Fatal("the fixture's useradd line changed: update this test")
		}
		if err := os.WriteFile(df, []byte(fixed), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runCLI(t, "", "run", "--repo", dir, "--dry-run", "deploy it to Kubernetes")
		if code != 4 {
			t.Fatalf("exit %d, want 4 (declined): %s\n%s", code, out, errs)
		}
		if !strings.Contains(out+errs, "USER townsquare has no fixed uid") || !strings.Contains(out+errs, "useradd -u 10001 townsquare") {
			t.Errorf("the reason does not say what to change:\n%s\n%s", out, errs)
		}
	})
}
