package kubernetes

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
	"gopkg.in/yaml.v3"
)

// helmChartFiles are the files of one chart, relative to charts/<name>/.
var helmChartFiles = []string{".helmignore", "Chart.yaml", "templates/NOTES.txt", "templates/_helpers.tpl",
	"templates/deployment.yaml", "templates/hpa.yaml", "templates/ingress.yaml", "templates/networkpolicy.yaml",
	"templates/pdb.yaml", "templates/service.yaml", "templates/serviceaccount.yaml", "values.yaml"}

// helmChartMeta is what Chart.yaml declares.
type helmChartMeta struct {
	APIVersion  string `yaml:"apiVersion"`
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Type        string `yaml:"type"`
	Version     string `yaml:"version"`
	AppVersion  any    `yaml:"appVersion"`
}

// helmChartValues is the part of values.yaml the tests look at.
type helmChartValues struct {
	ReplicaCount int `yaml:"replicaCount"`
	Image        struct {
		Repository, Tag string
		PullPolicy      string `yaml:"pullPolicy"`
	}
	ServiceAccount struct {
		Create, Automount bool
		Name              string
	} `yaml:"serviceAccount"`
	PodSecurityContext struct {
		RunAsNonRoot   bool `yaml:"runAsNonRoot"`
		RunAsUser      int  `yaml:"runAsUser"`
		SeccompProfile struct {
			Type string
		} `yaml:"seccompProfile"`
	} `yaml:"podSecurityContext"`
	SecurityContext struct {
		AllowPrivilegeEscalation bool `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   bool `yaml:"readOnlyRootFilesystem"`
		Capabilities             struct{ Drop []string }
	} `yaml:"securityContext"`
	ContainerPort int `yaml:"containerPort"`
	Service       struct {
		Type string
		Port int
	}
	Probes    struct{ Path string }
	Resources struct {
		Requests, Limits map[string]string
	}
	Autoscaling struct {
		Enabled     bool
		MinReplicas int `yaml:"minReplicas"`
		MaxReplicas int `yaml:"maxReplicas"`
	}
	PDB struct {
		Enabled      bool
		MinAvailable int `yaml:"minAvailable"`
	} `yaml:"pdb"`
	Ingress struct {
		Enabled bool
		Host    string
		TLS     struct{ Enabled bool } `yaml:"tls"`
	}
	NetworkPolicy struct{ Enabled bool } `yaml:"networkPolicy"`
	Azure         *struct {
		Enabled  bool
		ClientID string `yaml:"clientId"`
	} `yaml:"azureWorkloadIdentity"`
	CloudSQL *struct {
		Enabled                   bool
		Image                     string
		RunAsUser                 int    `yaml:"runAsUser"`
		InstanceConnectionName    string `yaml:"instanceConnectionName"`
		ImpersonateServiceAccount string `yaml:"impersonateServiceAccount"`
		DatabaseUser              string `yaml:"databaseUser"`
		DatabaseName              string `yaml:"databaseName"`
	} `yaml:"cloudSqlProxy"`
}

// helmValuesOf decodes a chart's values.yaml strictly enough: every key
// the test reads must be where the templates look for it.
func helmValuesOf(t *testing.T, cs *change.ChangeSet, chart string) helmChartValues {
	t.Helper()
	var v helmChartValues
	if err := yaml.Unmarshal([]byte(kittest.FileOf(t, cs, chart+"/values.yaml")), &v); err != nil {
		t.Fatalf("%s/values.yaml: %v", chart, err)
	}
	return v
}

var helmRepo = fstest.MapFS{
	"svc/api/go.mod":    {Data: []byte("module x\n")},
	"svc/api/main.go":   {Data: []byte("package main\nfunc main() { http.HandleFunc(\"/healthz\", h) }\n")},
	"web/package.json":  {Data: []byte("{}")},
	"web/src/server.ts": {Data: []byte("console.log('no health')\n")},
}

// The chart of each service: its files and no plain manifests, Chart.yaml
// with the fields Helm requires, and values.yaml defaults that follow the
// task params and the service.
func TestKubernetesHelmChart(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{kittest.K8sGoAPI, kittest.K8sNodeWeb}}
	for _, tc := range []struct {
		name                 string
		params               map[string]string
		url                  string
		autoscaling, ingress bool
	}{
		{name: "defaults", params: map[string]string{"helm": "true"}},
		{name: "autoscaling and ingress", params: map[string]string{"helm": "true", "autoscaling": "true", "ingress": "true", "dir": "deploy"},
			url: "https://github.com/Acme/Shop/issues/3", autoscaling: true, ingress: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := engine.WorkInput{Issue: engine.Issue{Title: "helm", URL: tc.url}, Task: engine.Task{ID: "k8s", Mode: kit.KubernetesMode, Params: tc.params},
				Repo: repo, Workspace: helmRepo}
			cs := kittest.WorkIn(t, in)
			var want []string
			for _, svc := range []string{"api", "web"} {
				for _, f := range helmChartFiles {
					want = append(want, "charts/"+svc+"/"+f)
				}
			}
			if got := cs.Paths(); !slices.Equal(got, want) {
				t.Fatalf("paths:\n%q\nwant\n%q", got, want)
			}
			for _, f := range cs.Files {
				if f.Note == "" {
					t.Errorf("%s has no note", f.Path)
				}
				if f.Op != change.Add {
					t.Errorf("%s: op %s, want add", f.Path, f.Op)
				}
			}

			var meta helmChartMeta
			if err := yaml.Unmarshal([]byte(kittest.FileOf(t, cs, "charts/api/Chart.yaml")), &meta); err != nil {
				t.Fatal(err)
			}
			if meta.APIVersion != "v2" || meta.Name != "api" || meta.Type != "application" || meta.Version != "0.1.0" || meta.AppVersion != "0.1.0" || meta.Description == "" {
				t.Errorf("Chart.yaml: %+v", meta)
			}
			if c := kittest.FileOf(t, cs, "charts/api/Chart.yaml"); !strings.Contains(c, helmMarker) || !strings.Contains(c, "image.tag") {
				t.Errorf("Chart.yaml lacks the marker or the comment on image.tag:\n%s", c)
			}

			api, web := helmValuesOf(t, cs, "charts/api"), helmValuesOf(t, cs, "charts/web")
			image := "ghcr.io/OWNER/REPO/"
			if tc.url != "" {
				image = "ghcr.io/acme/shop/"
			}
			for _, c := range []struct {
				v                helmChartValues
				name, probe, cpu string
				port, uid        int
			}{{api, "api", "/healthz", "100m", 9000, 65532}, {web, "web", "", "100m", 3000, 1000}} {
				v := c.v
				if v.Image.Repository != image+c.name || v.Image.Tag != "IMAGE_TAG" || v.Image.PullPolicy != "IfNotPresent" {
					t.Errorf("%s image: %+v", c.name, v.Image)
				}
				if v.ReplicaCount != 2 || v.ContainerPort != c.port || v.Probes.Path != c.probe || v.Service.Port != 80 || v.Service.Type != "ClusterIP" {
					t.Errorf("%s: replicas %d, port %d, probes %q, service %+v", c.name, v.ReplicaCount, v.ContainerPort, v.Probes.Path, v.Service)
				}
				if !v.ServiceAccount.Create || v.ServiceAccount.Automount {
					t.Errorf("%s serviceAccount: %+v", c.name, v.ServiceAccount)
				}
				psc, sc := v.PodSecurityContext, v.SecurityContext
				if !psc.RunAsNonRoot || psc.RunAsUser != c.uid || psc.SeccompProfile.Type != "RuntimeDefault" ||
					sc.AllowPrivilegeEscalation || !sc.ReadOnlyRootFilesystem || !slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) {
					t.Errorf("%s security contexts: %+v %+v", c.name, psc, sc)
				}
				if v.Resources.Requests["cpu"] != c.cpu || v.Resources.Limits["memory"] != "256Mi" {
					t.Errorf("%s resources: %+v", c.name, v.Resources)
				}
				if v.Autoscaling.Enabled != tc.autoscaling || v.PDB.Enabled != tc.autoscaling || v.Autoscaling.MinReplicas != 2 || v.Autoscaling.MaxReplicas != 10 || v.PDB.MinAvailable != 1 {
					t.Errorf("%s autoscaling %+v pdb %+v, want enabled=%v", c.name, v.Autoscaling, v.PDB, tc.autoscaling)
				}
				if v.Ingress.Enabled != tc.ingress || v.NetworkPolicy.Enabled != tc.ingress || v.Ingress.Host != c.name+".example.com" || !v.Ingress.TLS.Enabled {
					t.Errorf("%s ingress %+v networkPolicy %+v, want enabled=%v", c.name, v.Ingress, v.NetworkPolicy, tc.ingress)
				}
				if v.Azure != nil || v.CloudSQL != nil {
					t.Errorf("%s: identity or proxy values without the params: %+v %+v", c.name, v.Azure, v.CloudSQL)
				}
			}
			if !strings.Contains(cs.Get("charts/web/values.yaml").Note, "probes open a TCP connection") {
				t.Errorf("web values note: %s", cs.Get("charts/web/values.yaml").Note)
			}

			// The helpers are named after the chart, as helm create names
			// them, and every template uses only its own chart's helpers.
			helpers := kittest.FileOf(t, cs, "charts/web/templates/_helpers.tpl")
			for _, h := range []string{"name", "fullname", "chart", "labels", "selectorLabels", "serviceAccountName", "probe"} {
				if !strings.Contains(helpers, `{{- define "web.`+h+`" -}}`) {
					t.Errorf("_helpers.tpl does not define web.%s:\n%s", h, helpers)
				}
			}
			includeRE := regexp.MustCompile(`include "([a-z0-9-]+)\.`)
			for _, f := range cs.Files {
				chart := strings.Split(f.Path, "/")[1]
				for _, m := range includeRE.FindAllStringSubmatch(string(f.Content), -1) {
					if m[1] != chart {
						t.Errorf("%s includes a helper of chart %s", f.Path, m[1])
					}
				}
				if strings.Contains(string(f.Content), "[[") || strings.Contains(string(f.Content), "<no value>") {
					t.Errorf("%s has unrendered parts:\n%s", f.Path, f.Content)
				}
				if strings.Contains(string(f.Content), ":latest") {
					t.Errorf("%s uses latest", f.Path)
				}
			}
			// The image is IMAGE_TAG unless the deploy sets it, and the
			// template never reads an image with latest.
			dep := kittest.FileOf(t, cs, "charts/api/templates/deployment.yaml")
			for _, w := range []string{`image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"`,
				`{{- toYaml .Values.podSecurityContext | nindent 8 }}`, `{{- toYaml .Values.securityContext | nindent 12 }}`,
				`{{- toYaml .Values.resources | nindent 12 }}`, `{{- include "api.probe" . | nindent 12 }}`, "mountPath: /tmp"} {
				if !strings.Contains(dep, w) {
					t.Errorf("deployment.yaml lacks %q", w)
				}
			}
			kittest.InfraGate(t, kit.KubernetesMode, cs)
		})
	}
}

// The AKS workload identity and Cloud SQL Auth Proxy extras are values of
// the chart when their params are set, with the placeholders the deploy
// sets with --set-string.
func TestKubernetesHelmExtras(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "", Language: stack.Python, Port: 8000}}}
	aks := kittest.Work(t, kit.KubernetesMode, engine.Task{ID: "k8s", Params: map[string]string{"helm": "true", "workload_identity": "azure"}}, repo, fstest.MapFS{})
	v := helmValuesOf(t, aks, "charts/api")
	if v.Azure == nil || !v.Azure.Enabled || v.Azure.ClientID != kit.AzureClientIDPlaceholder || v.CloudSQL != nil {
		t.Errorf("aks values: %+v %+v", v.Azure, v.CloudSQL)
	}
	if n := aks.Get("charts/api/templates/serviceaccount.yaml").Note; !strings.Contains(n, "AKS workload identity") {
		t.Errorf("serviceaccount note: %s", n)
	}
	for _, w := range []string{"azure.workload.identity/client-id:", `required "set azureWorkloadIdentity.clientId`} {
		if !strings.Contains(kittest.FileOf(t, aks, "charts/api/templates/serviceaccount.yaml"), w) {
			t.Errorf("serviceaccount.yaml lacks %q", w)
		}
	}
	kittest.InfraGate(t, kit.KubernetesMode, aks)

	gke := kittest.Work(t, kit.KubernetesMode, engine.Task{ID: "k8s", Params: map[string]string{"helm": "true", "cloudsql_proxy": "true", "autoscaling": "true"}}, repo, fstest.MapFS{})
	v = helmValuesOf(t, gke, "charts/api")
	c := v.CloudSQL
	if c == nil || !c.Enabled || !strings.HasPrefix(c.Image, "gcr.io/cloud-sql-connectors/cloud-sql-proxy:") || c.RunAsUser != 65532 ||
		c.InstanceConnectionName != kit.GCPDBConnectionNamePlaceholder || c.ImpersonateServiceAccount != kit.GCPDBServiceAccountPlaceholder ||
		c.DatabaseUser != kit.GCPDBUserPlaceholder || c.DatabaseName != kit.GCPDBNamePlaceholder || v.Azure != nil {
		t.Errorf("gke values: %+v", c)
	}
	if n := gke.Get("charts/api/values.yaml").Note; !strings.Contains(n, "Cloud SQL Auth Proxy") {
		t.Errorf("values note: %s", n)
	}
	kittest.InfraGate(t, kit.KubernetesMode, gke)

	// The proxy's ports stay the proxy's.
	taken := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "", Language: stack.Go, Port: 5432}}}
	in := engine.WorkInput{Task: engine.Task{ID: "k8s", Mode: kit.KubernetesMode, Params: map[string]string{"helm": "true", "cloudsql_proxy": "true"}}, Repo: taken}
	if _, err := kittest.New().Work(context.Background(), in); err == nil || !strings.Contains(err.Error(), "Cloud SQL Auth Proxy") {
		t.Errorf("port 5432 with the proxy: err = %v", err)
	}
}

func TestKubernetesHelmBadInput(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{kittest.K8sGoAPI}}
	for _, tc := range []struct {
		params map[string]string
		fsys   fstest.MapFS
		want   string
	}{
		{map[string]string{"helm": "true", "kustomize": "true"}, nil, "pick one"},
		{map[string]string{"helm": "yes"}, nil, "helm=\"yes\" must be true or false"},
		{map[string]string{"helm": "true", "workload_identity": "azure", "cloudsql_proxy": "true"}, nil, "set one of them"},
		{map[string]string{"helm": "true"}, fstest.MapFS{"charts/api/Chart.yaml": {Data: []byte("apiVersion: v2\nname: api\nversion: 1.2.3\n")}},
			"charts/api/ holds a Helm chart devops-lead did not write"},
	} {
		in := engine.WorkInput{Task: engine.Task{ID: "k8s", Mode: kit.KubernetesMode, Params: tc.params}, Repo: repo, Workspace: tc.fsys}
		_, err := kittest.New().Work(context.Background(), in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want %q", tc.params, err, tc.want)
		}
	}
}

// A chart devops-lead wrote is kept as it is when asked again, and an
// edited values.yaml that passes the gate is kept.
func TestKubernetesHelmRerun(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{kittest.K8sGoAPI}}
	task := engine.Task{ID: "k8s", Params: map[string]string{"helm": "true"}}
	first := kittest.Work(t, kit.KubernetesMode, task, repo, fstest.MapFS{})
	fsys := fstest.MapFS{}
	for _, f := range first.Files {
		fsys[f.Path] = &fstest.MapFile{Data: f.Content}
	}
	fsys["charts/api/values.yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(string(fsys["charts/api/values.yaml"].Data), "replicaCount: 2", "replicaCount: 3", 1))}
	delete(fsys, "charts/api/templates/NOTES.txt")
	again := kittest.Work(t, kit.KubernetesMode, task, repo, fsys)
	if got := again.Paths(); !slices.Equal(got, []string{"charts/api/templates/NOTES.txt"}) {
		t.Errorf("paths %v, want only the missing NOTES.txt", got)
	}
}

// The gate renders the chart with its values.yaml: values that break the
// restricted profile or drop the probes are found in the rendered
// Deployment, and values that turn every switch the other way still pass.
func TestKubernetesHelmGateRenders(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{kittest.K8sGoAPI}}
	cs := kittest.Work(t, kit.KubernetesMode, engine.Task{ID: "k8s", Params: map[string]string{"helm": "true", "autoscaling": "true", "ingress": "true"}}, repo, helmRepo)
	values := kittest.FileOf(t, cs, "charts/api/values.yaml")
	gate := func(values string) []validate.Finding {
		var files []validate.File
		for _, f := range cs.Files {
			c := f.Content
			if f.Path == "charts/api/values.yaml" {
				c = []byte(values)
			}
			files = append(files, validate.File{Path: f.Path, Content: c})
		}
		var out []validate.Finding
		for _, f := range validate.Check(files, validate.Options{}) {
			if f.Severity == validate.Error || f.Severity == validate.Warning {
				out = append(out, f)
			}
		}
		return out
	}
	edit := func(pairs ...string) string {
		v := values
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(v, pairs[i]) {
				t.Fatalf("values.yaml lacks %q", pairs[i])
			}
			v = strings.Replace(v, pairs[i], pairs[i+1], 1)
		}
		return v
	}
	for _, tc := range []struct {
		name   string
		values string
		rule   string
	}{
		{"writable root filesystem", edit("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"), "k8s-readonly-rootfs"},
		{"runs as root", edit("runAsUser: 65532", "runAsUser: 0"), "k8s-run-as-non-root"},
		{"no limits", edit("  limits:\n    cpu: 500m\n    memory: 256Mi\n", ""), "k8s-resources"},
	} {
		found := false
		for _, f := range gate(tc.values) {
			found = found || f.Rule == tc.rule && f.Path == "charts/api/templates/deployment.yaml"
		}
		if !found {
			t.Errorf("%s: the gate does not report %s on the rendered Deployment: %v", tc.name, tc.rule, gate(tc.values))
		}
	}
	flipped := edit("path: /healthz", `path: ""`, "enabled: true\n  minReplicas", "enabled: false\n  minReplicas",
		"pdb:\n  enabled: true", "pdb:\n  enabled: false", "ingress:\n  enabled: true", "ingress:\n  enabled: false",
		"networkPolicy:\n  enabled: true", "networkPolicy:\n  enabled: false", "tls:\n    enabled: true", "tls:\n    enabled: false",
		`className: ""`, "className: nginx")
	if fs := gate(flipped); len(fs) > 0 {
		t.Errorf("switches flipped: %v\n%s", fs, flipped)
	}
}
