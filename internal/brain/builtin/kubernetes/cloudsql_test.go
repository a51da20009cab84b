package kubernetes

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestKubernetesCloudSQLProxy: with cloudsql_proxy=true every Deployment
// runs the Cloud SQL Auth Proxy as a native sidecar that passes the gate's
// restricted pod rules with no errors and no warnings, and the app gets its
// database settings; without the param neither is written.
func TestKubernetesCloudSQLProxy(t *testing.T) {
	tbl, err := kit.LoadImages()
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := tbl.Sidecar(kit.SidecarCloudSQLProxy)
	if err != nil {
		t.Fatal(err)
	}
	repo := &stack.Repo{Services: []stack.Service{kittest.K8sGoAPI, kittest.K8sNodeWeb, kittest.K8sPyRoot}}
	for _, params := range []map[string]string{
		{"cloudsql_proxy": "true"},
		{"cloudsql_proxy": "true", "kustomize": "true", "autoscaling": "true", "ingress": "true"},
	} {
		cs := kittest.Work(t, kit.KubernetesMode, engine.Task{ID: kit.TaskK8s, Params: params}, repo, fstest.MapFS{})
		kittest.StrictGate(t, kit.KubernetesMode, cs)
		kittest.InfraGate(t, kit.KubernetesMode, cs)
		base := "k8s"
		if params["kustomize"] == "true" {
			base = "k8s/base"
		}
		for _, name := range []string{"api", "web", "my-app"} {
			p := base + "/" + name + "/deployment.yaml"
			f := cs.Get(p)
			if f == nil {
				t.Fatalf("no %s in %v", p, cs.Paths())
			}
			var d appsv1.Deployment
			if err := yaml.UnmarshalStrict(f.Content, &d); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			spec := d.Spec.Template.Spec
			if len(spec.InitContainers) != 1 {
				t.Fatalf("%s: init containers %d, want the proxy sidecar", p, len(spec.InitContainers))
			}
			s := spec.InitContainers[0]
			if s.RestartPolicy == nil || *s.RestartPolicy != corev1.ContainerRestartPolicyAlways {
				t.Errorf("%s: the proxy is not a native sidecar (restartPolicy: Always)", p)
			}
			if s.Image != proxy.Image {
				t.Errorf("%s: proxy image %q, want %q from images.yaml", p, s.Image, proxy.Image)
			}
			for _, a := range []string{"--private-ip", "--auto-iam-authn", "--structured-logs", "--port=5432", "--health-check",
				"--http-address=0.0.0.0", "--http-port=9801",
				"--impersonate-service-account=" + kit.GCPDBServiceAccountPlaceholder, kit.GCPDBConnectionNamePlaceholder} {
				if !slices.Contains(s.Args, a) {
					t.Errorf("%s: proxy args %q lack %q", p, s.Args, a)
				}
			}
			if s.Args[len(s.Args)-1] != kit.GCPDBConnectionNamePlaceholder {
				t.Errorf("%s: the instance is not the last argument: %q", p, s.Args)
			}
			sc := s.SecurityContext
			if sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != int64(proxy.UID) || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot ||
				sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
				t.Errorf("%s: proxy security context %+v", p, sc)
			}
			if s.StartupProbe == nil || s.StartupProbe.HTTPGet.Path != "/startup" || s.LivenessProbe == nil || s.LivenessProbe.HTTPGet.Path != "/liveness" {
				t.Errorf("%s: proxy probes %+v %+v", p, s.StartupProbe, s.LivenessProbe)
			}
			env := map[string]string{}
			for _, e := range spec.Containers[0].Env {
				env[e.Name] = e.Value
			}
			for k, v := range map[string]string{"DATABASE_HOST": "127.0.0.1", "DATABASE_PORT": "5432",
				"DATABASE_USER": kit.GCPDBUserPlaceholder, "DATABASE_NAME": kit.GCPDBNamePlaceholder} {
				if env[k] != v {
					t.Errorf("%s: app env %s = %q, want %q", p, k, env[k], v)
				}
			}
			for _, w := range []string{"Cloud SQL Auth Proxy", kit.GCPDBConnectionNamePlaceholder, kit.GCPDBServiceAccountPlaceholder, kit.GCPDBUserPlaceholder, kit.GCPDBNamePlaceholder} {
				if !strings.Contains(f.Note, w) {
					t.Errorf("%s: note lacks %q: %s", p, w, f.Note)
				}
			}
			if sa := cs.Get(base + "/" + name + "/serviceaccount.yaml"); sa == nil || !strings.Contains(sa.Note, "db_service_account") {
				t.Errorf("%s: the ServiceAccount note does not say it may impersonate the login service account", name)
			}
		}
	}

	// Without the param (or with false) the manifests are the ones
	// written before the sidecar existed.
	plain := kittest.Work(t, kit.KubernetesMode, engine.Task{ID: kit.TaskK8s}, repo, fstest.MapFS{})
	off := kittest.Work(t, kit.KubernetesMode, engine.Task{ID: kit.TaskK8s, Params: map[string]string{"cloudsql_proxy": "false"}}, repo, fstest.MapFS{})
	if plain.Diff() != off.Diff() {
		t.Error("cloudsql_proxy=false changed the manifests")
	}
	for _, f := range plain.Files {
		for _, w := range []string{"initContainers", "cloud-sql-proxy", "DATABASE_", "GCP_DB_"} {
			if strings.Contains(string(f.Content), w) || strings.Contains(f.Note, w) {
				t.Errorf("%s without cloudsql_proxy has %q", f.Path, w)
			}
		}
	}
}

func TestKubernetesCloudSQLProxyBadInput(t *testing.T) {
	for _, tc := range []struct {
		params map[string]string
		svc    stack.Service
		want   string
	}{
		{map[string]string{"cloudsql_proxy": "yes"}, kittest.K8sGoAPI, "must be true or false"},
		{map[string]string{"cloudsql_proxy": "true", "workload_identity": "azure"}, kittest.K8sGoAPI, "set one of them"},
		{map[string]string{"cloudsql_proxy": "true"}, stack.Service{Name: "api", Dir: "api", Language: stack.Go, Port: 5432}, "port 5432"},
		{map[string]string{"cloudsql_proxy": "true"}, stack.Service{Name: "api", Dir: "api", Language: stack.Go, Port: 9801}, "port 9801"},
	} {
		in := engine.WorkInput{Task: engine.Task{ID: kit.TaskK8s, Mode: kit.KubernetesMode, Params: tc.params},
			Repo: &stack.Repo{Services: []stack.Service{tc.svc}}, Workspace: fstest.MapFS{}}
		if _, err := kittest.New().Work(context.Background(), in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v port %d: err %v, want %q", tc.params, tc.svc.Port, err, tc.want)
		}
	}
}
