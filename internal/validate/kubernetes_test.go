package validate

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// k8sRules returns the sorted rule ids of findings.
func k8sRules(fs []Finding) string {
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.Rule)
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

func TestK8sEffectiveSecurityContext(t *testing.T) {
	// The pod sets runAsNonRoot and seccomp; the container overrides
	// seccomp with Unconfined and runAsNonRoot with false.
	src := `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: ok
      image: app:1.0
      securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [all]}}
      resources: {requests: {cpu: 1, memory: 1Gi}, limits: {cpu: 1, memory: 1Gi}}
    - name: bad
      image: app:1.0
      securityContext: {runAsNonRoot: false, seccompProfile: {type: Unconfined}, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
      resources: {requests: {cpu: 1, memory: 1Gi}, limits: {cpu: 1, memory: 1Gi}}
`
	got := checkKubernetes("pod.yaml", []byte(src))
	if ids := k8sRules(got); ids != "k8s-run-as-non-root,k8s-seccomp" {
		t.Fatalf("got %v, want k8s-run-as-non-root and k8s-seccomp on container bad", got)
	}
	for _, f := range got {
		if f.Line != 15 || !strings.Contains(f.Message, "container bad") {
			t.Errorf("finding %v: want line 15 naming container bad", f)
		}
	}
}

func TestK8sYAMLOnlyKinds(t *testing.T) {
	for name, src := range map[string]string{
		"crd":       "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: x}\nspec: {anything: [goes]}\n",
		"kustomize": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n",
		"hpa v1":    "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: x}\nspec: {whatever: 1}\n",
		"empty doc": "---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
		"helm":      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
	} {
		p := "k8s/x.yaml"
		if name == "helm" {
			p = "chart/templates/deploy.yaml"
		}
		if got := checkKubernetes(p, []byte(src)); len(got) != 0 {
			t.Errorf("%s: got %v, want no findings", name, got)
		}
	}
}

func TestK8sSchemaPosition(t *testing.T) {
	src := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labelz: {a: b}\ndata: {a: b}\n"
	got := checkKubernetes("cm.yaml", []byte(src))
	if len(got) != 1 || got[0].Rule != "k8s-schema" || got[0].Line != 5 || !strings.Contains(got[0].Message, "labelz") {
		t.Errorf("got %v, want one k8s-schema finding on line 5 naming labelz", got)
	}
}

func FuzzKubernetes(f *testing.F) {
	for _, b := range seedFiles(f, "k8s-", KindKubernetes) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fd := range checkKubernetes("k8s/app.yaml", b) {
			if fd.Rule == "" || fd.Line < 0 || fd.Col < 0 {
				t.Fatalf("malformed finding %+v", fd)
			}
		}
	})
}

func TestK8sNonRoot(t *testing.T) {
	i := func(v int64) *int64 { return &v }
	b := func(v bool) *bool { return &v }
	for _, c := range []struct {
		name string
		pod  corev1.PodSecurityContext
		ctr  corev1.SecurityContext
		want bool
	}{
		{"nothing set", corev1.PodSecurityContext{}, corev1.SecurityContext{}, false},
		{"pod nonroot", corev1.PodSecurityContext{RunAsNonRoot: b(true)}, corev1.SecurityContext{}, true},
		{"pod uid", corev1.PodSecurityContext{RunAsUser: i(1000)}, corev1.SecurityContext{}, true},
		{"container uid 0 overrides", corev1.PodSecurityContext{RunAsNonRoot: b(true)}, corev1.SecurityContext{RunAsUser: i(0)}, false},
		{"container false overrides pod true", corev1.PodSecurityContext{RunAsNonRoot: b(true)}, corev1.SecurityContext{RunAsNonRoot: b(false)}, false},
		{"container uid over pod uid 0", corev1.PodSecurityContext{RunAsUser: i(0)}, corev1.SecurityContext{RunAsUser: i(10001)}, true},
	} {
		if got := k8sNonRoot(&c.pod, &c.ctr); got != c.want {
			t.Errorf("%s: k8sNonRoot = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestK8sWindowsPod checks that a pod on Windows nodes is not told to set
// the Linux-only security settings, and still gets the other rules.
func TestK8sWindowsPod(t *testing.T) {
	const base = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: w\nspec:\n%s  containers:\n    - name: app\n      image: ghcr.io/example/app:1.0.0\n"
	linuxOnly := []string{"k8s-privilege-escalation", "k8s-capabilities", "k8s-seccomp", "k8s-readonly-rootfs"}
	for _, c := range []struct {
		name, spec string
		windows    bool
	}{
		{"linux", "", false},
		{"os name", "  os:\n    name: windows\n", true},
		{"node selector", "  nodeSelector:\n    kubernetes.io/os: windows\n", true},
		{"host process", "  securityContext:\n    windowsOptions:\n      hostProcess: true\n", true},
	} {
		fs := Check([]File{{Path: "pod.yaml", Content: []byte(fmt.Sprintf(base, c.spec))}}, Options{})
		for _, id := range linuxOnly {
			if got := countRule(fs, id) > 0; got == c.windows {
				t.Errorf("%s: %s reported = %v, want %v", c.name, id, got, !c.windows)
			}
		}
		if countRule(fs, "k8s-run-as-non-root") != 1 {
			t.Errorf("%s: want k8s-run-as-non-root still reported, got %v", c.name, fs)
		}
	}
}

// TestK8sPatchFragmentsGetNoPodRules: kube-prometheus'
// tests/e2e/kind/patches/kube-controller-manager.yaml is a kubeadm patch
// that only lowers the controller manager's CPU request; it names no
// image, and the pod rules (an empty image, no runAsNonRoot, no limits)
// were about the fragment, not the pod kubeadm writes. The same Pod with
// an image, or outside a patches directory, is still checked.
func TestK8sPatchFragmentsGetNoPodRules(t *testing.T) {
	patch := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-controller-manager\n  namespace: kube-system\nspec:\n  containers:\n    - name: kube-controller-manager\n      resources:\n        requests:\n          cpu: 1m\n"
	for _, p := range []string{"tests/kind/patches/kube-controller-manager.yaml", "overlays/prod/resources-patch.yaml"} {
		if fs := checkKubernetes(p, []byte(patch)); len(fs) != 0 {
			t.Errorf("%s: got %v, want none on a patch", p, fs)
		}
	}
	// A kustomize overlay's patches/resources.yaml (lornu-ai/lornu-ai)
	// patches a Deployment's resources: no selector either.
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: app\n        resources:\n          limits: {cpu: 200m, memory: 256Mi}\n"
	if fs := checkKubernetes("kubernetes/overlays/dev/patches/resources.yaml", []byte(deploy)); len(fs) != 0 {
		t.Errorf("overlay patch Deployment: got %v, want none", fs)
	}
	if fs := checkKubernetes("kubernetes/base/deployment.yaml", []byte(deploy)); len(fs) == 0 || fs[0].Rule != "k8s-schema" {
		t.Errorf("the same Deployment outside a patch path: got %v, want the missing selector", fs)
	}
	if fs := checkKubernetes("k8s/kube-controller-manager.yaml", []byte(patch)); len(fs) == 0 {
		t.Errorf("an imageless Pod outside a patch path: got no findings, want the pod rules")
	}
	withImage := strings.Replace(patch, "    - name: kube-controller-manager\n", "    - name: kube-controller-manager\n      image: registry.k8s.io/kube-controller-manager:v1.33.0\n", 1)
	if fs := checkKubernetes("tests/kind/patches/kcm.yaml", []byte(withImage)); len(fs) == 0 {
		t.Errorf("a whole Pod under patches/: got no findings, want the pod rules")
	}
}

// TestK8sResourcesLimitsImplyRequests: a container that sets limits but
// no requests gets requests equal to its limits from the API server
// (kubernetes/examples' vitess vttablet pod sets only limits), so only
// what is really unset is reported.
func TestK8sResourcesLimitsImplyRequests(t *testing.T) {
	const pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: ghcr.io/example/app:1.0.0\n      resources:\n%s"
	for _, c := range []struct{ res, want string }{
		{"        limits: {cpu: 500m, memory: 1Gi}\n", ""},
		{"        limits: {cpu: 500m}\n", "does not set requests.memory, limits.memory"},
		{"        requests: {cpu: 100m, memory: 100Mi}\n", "does not set limits.cpu, limits.memory"},
		{"        {}\n", "does not set requests.cpu, requests.memory, limits.cpu, limits.memory"},
	} {
		var got []string
		for _, f := range checkKubernetes("k8s/p.yaml", []byte(fmt.Sprintf(pod, c.res))) {
			if f.Rule == "k8s-resources" {
				got = append(got, f.Message)
			}
		}
		switch {
		case c.want == "" && len(got) != 0:
			t.Errorf("%q: got %v, want no k8s-resources finding", c.res, got)
		case c.want != "" && (len(got) != 1 || !strings.HasSuffix(got[0], c.want)):
			t.Errorf("%q: got %v, want one ending %q", c.res, got, c.want)
		}
	}
}

// TestK8sStrategicMergePatchDirectives: microservices-demo's
// kustomize/components/without-loadgenerator/delete-loadgenerator.patch.yaml
// deletes a Deployment with $patch: delete; a document with a patch
// directive is a patch kustomize applies, not an object (no "unknown
// field $patch", no pod rules). The same Deployment without it is checked.
func TestK8sStrategicMergePatchDirectives(t *testing.T) {
	del := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: loadgenerator\n$patch: delete\n"
	if fs := checkKubernetes("kustomize/components/x/delete.yaml", []byte(del)); len(fs) != 0 {
		t.Errorf("$patch: delete: got %v, want none", fs)
	}
	order := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      $setElementOrder/containers:\n        - name: web\n      containers:\n        - name: web\n          image: nginx\n"
	if fs := checkKubernetes("k8s/web.yaml", []byte(order)); len(fs) != 0 {
		t.Errorf("$setElementOrder: got %v, want none", fs)
	}
	plain := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: loadgenerator\nbogus: 1\n"
	if fs := checkKubernetes("kustomize/components/x/delete.yaml", []byte(plain)); len(fs) != 1 || fs[0].Rule != "k8s-schema" {
		t.Errorf("an unknown field without a patch directive: got %v, want one k8s-schema finding", fs)
	}
}
