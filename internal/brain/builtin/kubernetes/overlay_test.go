package kubernetes

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
)

const overlayDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 3
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.4.2
        - name: sidecar
          image: busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000
`

const overlayService = `apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector: {app: api}
  ports:
    - port: 80
      targetPort: 8080
`

// overlayRun runs the kubernetes specialist with overlays on a workspace.
func overlayRun(t *testing.T, files map[string]string, params map[string]string) (*change.ChangeSet, fstest.MapFS) {
	t.Helper()
	fsys := fstest.MapFS{}
	var k8s []string
	for p, c := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(c)}
		if strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml") {
			k8s = append(k8s, p)
		}
	}
	repo := &stack.Repo{Artifacts: stack.Artifacts{Kubernetes: k8s}}
	cs := kittest.Work(t, kit.KubernetesMode, engine.Task{ID: "k8s", Params: params}, repo, fsys)
	kittest.StrictGate(t, kit.KubernetesMode, cs)
	return cs, fsys
}

// kustomizeBuild builds dir with kubectl kustomize over the workspace and
// the ChangeSet, when kubectl is installed (it needs no cluster).
func kustomizeBuild(t *testing.T, fsys fstest.MapFS, cs *change.ChangeSet, dir string) string {
	t.Helper()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Log("kubectl not installed: the overlay is not built")
		return ""
	}
	root := t.TempDir()
	write := func(p string, b []byte) {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for p, f := range fsys {
		write(p, f.Data)
	}
	for _, f := range cs.Files {
		write(f.Path, f.Content)
	}
	out, err := exec.Command(kubectl, "kustomize", filepath.Join(root, filepath.FromSlash(dir))).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, out)
	}
	return string(out)
}

func TestK8sOverlaysOnPlainManifests(t *testing.T) {
	files := map[string]string{"k8s/deployment.yaml": overlayDeployment, "k8s/service.yaml": overlayService, "k8s/notes.yaml": "owner: team-a\n",
		"k8s/chart/Chart.yaml": "apiVersion: v2\nname: x\nversion: 0.1.0\n", "k8s/chart/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"}
	cs, fsys := overlayRun(t, files, map[string]string{"overlays": "staging, production"})
	for p := range files {
		if cs.Get(p) != nil {
			t.Errorf("%s changed: the human files stay as they are", p)
		}
	}
	base := kittest.FileOf(t, cs, "k8s/kustomization.yaml")
	for _, s := range []string{"- deployment.yaml", "- service.yaml"} {
		if !strings.Contains(base, s) {
			t.Errorf("base lacks %q:\n%s", s, base)
		}
	}
	if strings.Contains(base, "notes.yaml") || strings.Contains(base, "chart") {
		t.Errorf("base lists a file that is no manifest:\n%s", base)
	}
	staging := kittest.FileOf(t, cs, "kustomize/overlays/staging/kustomization.yaml")
	for _, s := range []string{"namespace: staging", "- ../../../k8s", "name: ghcr.io/acme/api", `newTag: "1.4.2"`, "count: 1", "environment: staging"} {
		if !strings.Contains(staging, s) {
			t.Errorf("staging lacks %q:\n%s", s, staging)
		}
	}
	if strings.Contains(staging, "busybox") {
		t.Errorf("a digest-pinned image is listed:\n%s", staging)
	}
	prod := kittest.FileOf(t, cs, "kustomize/overlays/production/kustomization.yaml")
	if strings.Contains(prod, "replicas:") || !strings.Contains(prod, "namespace: production") {
		t.Errorf("production overlay:\n%s", prod)
	}
	if out := kustomizeBuild(t, fsys, cs, "kustomize/overlays/staging"); out != "" {
		for _, s := range []string{"namespace: staging", "replicas: 1", "image: ghcr.io/acme/api:1.4.2", "environment: staging"} {
			if !strings.Contains(out, s) {
				t.Errorf("built staging lacks %q:\n%s", s, out)
			}
		}
	}
}

// A base/overlays layout gets only the environment it lacks, on ../../base.
func TestK8sOverlaysAddMissingEnv(t *testing.T) {
	files := map[string]string{
		"deploy/base/kustomization.yaml":                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n",
		"deploy/base/deployment.yaml":                   overlayDeployment,
		"deploy/overlays/production/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\n",
	}
	cs, fsys := overlayRun(t, files, map[string]string{"overlays": "staging,production"})
	if got := cs.Paths(); len(got) != 1 || got[0] != "deploy/overlays/staging/kustomization.yaml" {
		t.Fatalf("wrote %v, want only the staging overlay", got)
	}
	if s := kittest.FileOf(t, cs, "deploy/overlays/staging/kustomization.yaml"); !strings.Contains(s, "- ../../base") {
		t.Errorf("staging overlay does not build on the base:\n%s", s)
	}
	kustomizeBuild(t, fsys, cs, "deploy/overlays/staging")
}

// Nested service folders are listed by their paths; a folder that is a
// kustomization keeps its own file.
func TestK8sOverlaysNestedAndExistingKustomization(t *testing.T) {
	cs, fsys := overlayRun(t, map[string]string{"k8s/api/deployment.yaml": overlayDeployment, "k8s/web/service.yaml": strings.ReplaceAll(overlayService, "name: api", "name: web")},
		map[string]string{"overlays": "staging"})
	if s := kittest.FileOf(t, cs, "k8s/kustomization.yaml"); !strings.Contains(s, "- api/deployment.yaml") || !strings.Contains(s, "- web/service.yaml") {
		t.Errorf("base:\n%s", s)
	}
	kustomizeBuild(t, fsys, cs, "kustomize/overlays/staging")

	cs, _ = overlayRun(t, map[string]string{"k8s/deployment.yaml": overlayDeployment,
		"k8s/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n"},
		map[string]string{"overlays": "staging", "dir": "k8s/"})
	if got := cs.Paths(); len(got) != 1 || got[0] != "kustomize/overlays/staging/kustomization.yaml" {
		t.Errorf("wrote %v, want only the overlay", got)
	}
}

func TestK8sOverlaysErrors(t *testing.T) {
	two := map[string]string{"k8s/a.yaml": overlayService, "deploy/b.yaml": overlayService}
	for _, tc := range []struct {
		name   string
		files  map[string]string
		params map[string]string
	}{
		{"bad env", map[string]string{"k8s/a.yaml": overlayService}, map[string]string{"overlays": "Staging Env"}},
		{"two folders", two, map[string]string{"overlays": "staging"}},
		{"dir outside", two, map[string]string{"overlays": "staging", "dir": "../x"}},
		{"no manifests", map[string]string{}, map[string]string{"overlays": "staging"}},
	} {
		fsys := fstest.MapFS{}
		var k8s []string
		for p, c := range tc.files {
			fsys[p] = &fstest.MapFile{Data: []byte(c)}
			k8s = append(k8s, p)
		}
		_, err := kittest.New().Work(context.Background(), engine.WorkInput{Task: engine.Task{ID: "k", Mode: kit.KubernetesMode, Params: tc.params},
			Repo: &stack.Repo{Artifacts: stack.Artifacts{Kubernetes: k8s}}, Workspace: fsys})
		if err == nil {
			t.Errorf("%s: want an error", tc.name)
		}
	}
	// With dir given, two folders are fine.
	cs, _ := overlayRun(t, two, map[string]string{"overlays": "staging", "dir": "deploy"})
	if s := kittest.FileOf(t, cs, "kustomize/overlays/staging/kustomization.yaml"); !strings.Contains(s, "- ../../../deploy") {
		t.Errorf("overlay on deploy:\n%s", s)
	}
	// The dir named kustomize: the overlays go elsewhere.
	cs, fsys := overlayRun(t, map[string]string{"kustomize/svc.yaml": overlayService}, map[string]string{"overlays": "staging"})
	if cs.Get("deploy/overlays/staging/kustomization.yaml") == nil {
		t.Errorf("wrote %v", cs.Paths())
	}
	kustomizeBuild(t, fsys, cs, "deploy/overlays/staging")
}

// A second run on its own output writes nothing.
func TestK8sOverlaysIdempotent(t *testing.T) {
	files := map[string]string{"k8s/deployment.yaml": overlayDeployment, "k8s/service.yaml": overlayService}
	cs, fsys := overlayRun(t, files, map[string]string{"overlays": "staging,production"})
	k8s := []string{"k8s/deployment.yaml", "k8s/service.yaml"}
	for _, f := range cs.Files {
		fsys[f.Path] = &fstest.MapFile{Data: f.Content}
		k8s = append(k8s, f.Path)
	}
	again := kittest.Work(t, kit.KubernetesMode, engine.Task{ID: "k8s", Params: map[string]string{"overlays": "staging,production"}},
		&stack.Repo{Artifacts: stack.Artifacts{Kubernetes: k8s}}, fsys)
	if !again.Empty() {
		t.Errorf("a second run writes %v", again.Paths())
	}
}
