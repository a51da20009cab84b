package kubernetes

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"
)

func TestKubernetesPlainAndKustomize(t *testing.T) {
	files := fstest.MapFS{
		"svc/api/go.mod":             {Data: []byte("module x\n")},
		"svc/api/main.go":            {Data: []byte("package main\nfunc main() { http.HandleFunc(\"/healthz\", h) }\n")},
		"svc/api/main_test.go":       {Data: []byte("package main\n// \"/health\"\n")},
		"web/package.json":           {Data: []byte("{}")},
		"web/src/server.ts":          {Data: []byte("app.get('/health', ok)\n")},
		"web/node_modules/x/a.js":    {Data: []byte("'/healthz'")},
		"requirements.txt":           {Data: []byte("flask\n")},
		"app.py":                     {Data: []byte("print('hi')\n")},
		"billing/pom.xml":            {Data: []byte("<project/>")},
		"billing/src/tests/A.java":   {Data: []byte(`"/healthz"`)},
		"billing/src/main/Main.java": {Data: []byte("class Main {}")},
	}
	repo := &stack.Repo{Services: []stack.Service{kittest.K8sGoAPI, kittest.K8sNodeWeb, kittest.K8sPyRoot, kittest.K8sJava}}
	tests := []struct {
		name   string
		params map[string]string
		url    string
		want   map[string][]string // path -> substrings
		absent []string
	}{
		{name: "plain minimal", params: map[string]string{"dir": "k8s"},
			want: map[string][]string{
				"k8s/api/deployment.yaml":     {"image: ghcr.io/OWNER/REPO/api:IMAGE_TAG", "path: /healthz", "containerPort: 9000", "runAsUser: 65532", "replicas: 2", "mountPath: /tmp", "RuntimeDefault"},
				"k8s/web/deployment.yaml":     {"path: /health\n", "runAsUser: 1000"},
				"k8s/my-app/deployment.yaml":  {"tcpSocket:", "containerPort: 8000", "runAsUser: 10001", "ghcr.io/OWNER/REPO/app:IMAGE_TAG"},
				"k8s/billing/deployment.yaml": {"tcpSocket:", "memory: 1Gi"},
				"k8s/api/service.yaml":        {"targetPort: http"},
				"k8s/api/serviceaccount.yaml": {"automountServiceAccountToken: false"},
			},
			absent: []string{"k8s/api/hpa.yaml", "k8s/api/pdb.yaml", "k8s/api/ingress.yaml", "k8s/api/networkpolicy.yaml", "k8s/base/kustomization.yaml"}},
		{name: "plain everything", params: map[string]string{"dir": "deploy", "autoscaling": "true", "ingress": "true"},
			url: "https://github.com/Acme/Shop/issues/12",
			want: map[string][]string{
				"deploy/api/deployment.yaml":    {"image: ghcr.io/acme/shop/api:IMAGE_TAG"},
				"deploy/api/hpa.yaml":           {"autoscaling/v2", "minReplicas: 2"},
				"deploy/api/pdb.yaml":           {"minAvailable: 1"},
				"deploy/web/ingress.yaml":       {"host: web.example.com", "secretName: web-tls"},
				"deploy/web/networkpolicy.yaml": {"kind: NetworkPolicy", "port: http"},
			}},
		{name: "kustomize", params: map[string]string{"kustomize": "true", "autoscaling": "true"},
			want: map[string][]string{
				"k8s/base/kustomization.yaml":                {"- api/deployment.yaml", "- billing/hpa.yaml"},
				"k8s/overlays/staging/kustomization.yaml":    {"namespace: staging", "- ../../base", "name: ghcr.io/OWNER/REPO/web", "newTag: IMAGE_TAG"},
				"k8s/overlays/production/kustomization.yaml": {"namespace: production"},
				"k8s/base/web/deployment.yaml":               {"kind: Deployment"},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			task := engine.Task{ID: "k8s", Params: tc.params}
			in := engine.WorkInput{Issue: engine.Issue{Title: "deploy", URL: tc.url}, Task: task, Repo: repo, Workspace: files}
			in.Task.Mode = kit.KubernetesMode
			cs := kittest.WorkIn(t, in)
			kittest.StrictGate(t, kit.KubernetesMode, cs)
			kittest.CheckWrote(t, cs, tc.want, tc.absent)
			for _, f := range cs.Files {
				if strings.Contains(string(f.Content), ":latest") {
					t.Errorf("%s uses latest", f.Path)
				}
			}
		})
	}
}

// The Deployment decodes into apps/v1 with the restricted settings the
// gate asks for, and the HPA leaves replicas to the autoscaler.
func TestKubernetesDeploymentDecodes(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{kittest.K8sGoAPI}}
	for _, auto := range []string{"false", "true"} {
		cs := kittest.Work(t, kit.KubernetesMode, engine.Task{ID: "k8s", Params: map[string]string{"autoscaling": auto}}, repo, fstest.MapFS{})
		var d appsv1.Deployment
		if err := yaml.UnmarshalStrict([]byte(kittest.FileOf(t, cs, "k8s/api/deployment.yaml")), &d); err != nil {
			t.Fatal(err)
		}
		if (d.Spec.Replicas == nil) != (auto == "true") {
			t.Errorf("autoscaling=%s: replicas %v", auto, d.Spec.Replicas)
		}
		c := d.Spec.Template.Spec.Containers[0]
		if ro := c.SecurityContext.ReadOnlyRootFilesystem; ro == nil || !*ro {
			t.Error("root filesystem is writable")
		}
		if c.Image != "ghcr.io/OWNER/REPO:IMAGE_TAG" {
			t.Errorf("a single-service repository's image is %q, want the repository image the CI pushes", c.Image)
		}
		if c.LivenessProbe.TCPSocket == nil {
			t.Error("no code states a health path: the probe should be TCP")
		}
	}
}

// TestKubernetesUIDFromDockerfile: pods run as the uid the unit's own
// Dockerfile fixes (its files belong to that user); without one, as the
// usual uid of the images the container specialist writes. A unit in a
// language the specialists do not build is told its image's writes may
// need an emptyDir.
func TestKubernetesUIDFromDockerfile(t *testing.T) {
	own := kittest.K8sGoAPI
	own.Image = &stack.Image{Dockerfile: "svc/api/Dockerfile", User: "app", UID: 1001, UIDSource: "USER 1001", Port: 9000}
	rootImg := kittest.K8sGoAPI
	rootImg.Image = &stack.Image{Dockerfile: "svc/api/Dockerfile", UID: 0}
	ruby := stack.Service{Name: "web", Dir: "web", Language: "ruby", Port: 3000, Kind: stack.KindService,
		Image: &stack.Image{Dockerfile: "web/Dockerfile", User: "rails", UID: 991, UIDSource: "useradd -u 991", Port: 3000}}
	for _, tc := range []struct {
		name, path, uid string
		svc             stack.Service
		emptyDirNote    bool
	}{
		{"the Dockerfile's uid", "k8s/api/deployment.yaml", "runAsUser: 1001", own, false},
		{"a root Dockerfile keeps the language's uid", "k8s/api/deployment.yaml", "runAsUser: 65532", rootImg, false},
		{"an unsupported language", "k8s/web/deployment.yaml", "runAsUser: 991", ruby, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := kittest.Work(t, kit.KubernetesMode, engine.Task{ID: "k8s"}, &stack.Repo{Services: []stack.Service{tc.svc}}, fstest.MapFS{})
			if got := kittest.FileOf(t, cs, tc.path); !strings.Contains(got, tc.uid) {
				t.Errorf("%s lacks %q:\n%s", tc.path, tc.uid, got)
			}
			var notes []string
			for _, f := range cs.Files {
				notes = append(notes, f.Note)
			}
			if got := strings.Contains(strings.Join(notes, "\n"), "mount an emptyDir there"); got != tc.emptyDirNote {
				t.Errorf("emptyDir note present = %v, want %v", got, tc.emptyDirNote)
			}
		})
	}
}

func TestKubernetesBadInput(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{kittest.K8sGoAPI}}
	for _, tc := range []struct {
		params map[string]string
		svcs   []string
		want   string
	}{
		{map[string]string{"dir": "../etc"}, nil, "use k8s or deploy"},
		{map[string]string{"autoscaling": "yes please"}, nil, "must be true or false"},
		{nil, []string{"nope"}, "did not find"},
	} {
		in := engine.WorkInput{Task: engine.Task{ID: "k8s", Mode: kit.KubernetesMode, Params: tc.params, Services: tc.svcs}, Repo: repo}
		_, err := kittest.New().Work(context.Background(), in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want %q", tc.params, err, tc.want)
		}
	}
	if _, err := kittest.New().Work(context.Background(), engine.WorkInput{Task: engine.Task{ID: "k8s", Mode: kit.KubernetesMode}, Repo: &stack.Repo{}}); err == nil {
		t.Error("no service: want an error")
	}
}

// An existing manifest that passes the gate is kept; one that fails it is
// replaced with a note saying why.
func TestKubernetesExisting(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{kittest.K8sGoAPI}}
	first := kittest.Work(t, kit.KubernetesMode, engine.Task{ID: "k8s"}, repo, fstest.MapFS{})
	fsys := fstest.MapFS{}
	for _, f := range first.Files {
		fsys[f.Path] = &fstest.MapFile{Data: f.Content}
	}
	fsys["k8s/api/deployment.yaml"] = &fstest.MapFile{Data: []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: api, image: api}]\n")}
	again := kittest.Work(t, kit.KubernetesMode, engine.Task{ID: "k8s"}, repo, fsys)
	if got := again.Paths(); len(got) != 1 || got[0] != "k8s/api/deployment.yaml" {
		t.Fatalf("paths %v, want only the failing deployment replaced", got)
	}
	if f := again.Get("k8s/api/deployment.yaml"); f.Op != change.Modify || !strings.Contains(f.Note, "replaced the existing file") {
		t.Errorf("op %s note %q", f.Op, f.Note)
	}
}

func TestK8sName(t *testing.T) {
	for in, want := range map[string]string{"API": "api", "my_app.v2": "my-app-v2", "--": "app", "9lives": "app-9lives",
		strings.Repeat("a", 80): strings.Repeat("a", 50)} {
		if got := kit.K8sName(in); got != want {
			t.Errorf("k8sName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGithubRepoOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://github.com/Acme/Shop/issues/1": "acme/shop",
		"https://github.com/a/b/pull/7":         "a/b",
		"https://github.com/a/b/issues/1\n":     "",
		"https://evil.com/a/b/issues/1":         "",
		"https://github.com/a/../issues/1":      "",
		"":                                      "",
	} {
		o, r, ok := kit.GitHubRepoOf(in)
		got := ""
		if ok {
			got = o + "/" + r
		}
		if got != want {
			t.Errorf("githubRepoOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// An object the repository already declares in another file is not
// written twice; the service's other files say where it is.
func TestKubernetesExistingObjectElsewhere(t *testing.T) {
	svc := "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  ports: [{port: 80}]\n---\nnot: [valid\n"
	fsys := fstest.MapFS{"deploy/all.yaml": {Data: []byte(svc)}}
	repo := &stack.Repo{Services: []stack.Service{kittest.K8sGoAPI}, Artifacts: stack.Artifacts{Kubernetes: []string{"deploy/all.yaml", "deploy/missing.yaml"}}}
	cs := kittest.Work(t, kit.KubernetesMode, engine.Task{ID: "k8s"}, repo, fsys)
	if cs.Get("k8s/api/service.yaml") != nil {
		t.Error("the Service was written again")
	}
	if f := cs.Get("k8s/api/deployment.yaml"); f == nil || !strings.Contains(f.Note, "Service api (already in deploy/all.yaml)") {
		t.Errorf("no note about the existing Service: %+v", f)
	}
}
