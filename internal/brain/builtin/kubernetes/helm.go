package kubernetes

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// HelmChartsDir is where the Kubernetes specialist writes Helm charts, one
// per service: charts/<name>/ at the repository root, where helm create
// and chart repositories put them and where the mode's charts/** writes
// glob allows them. The task's dir param (k8s or deploy) is for plain
// manifests and is not used for a chart.
const HelmChartsDir = "charts"

// helmChartVersion is the version of a new chart: the chart's own, which
// devops-lead writes once; the image tag the pods run is a value.
const helmChartVersion = "0.1.0"

// helmMarker is in every Chart.yaml the Kubernetes specialist writes; a
// chart without it is someone else's and is not merged into.
const helmMarker = "Written by devops-lead (kubernetes-specialist)"

// helmValues is what Chart.yaml and values.yaml render for one service.
type helmValues struct {
	k8sApp
	Ingress  bool
	Known    bool   // the GitHub repository is known (no OWNER/REPO)
	Language string // the image's language, for the uid comment
}

// helmFile is one file of a chart: where it goes inside the chart and its
// template. The templates under helm/chart/ are Helm templates, rendered
// here with [[ ]] delimiters so that Helm's {{ }} stay (renderHelm).
type helmFile struct{ file, tmpl string }

// helmFiles are the files of a chart, in the order they are written.
var helmFiles = []helmFile{
	{"Chart.yaml", "helm/Chart.yaml.tmpl"},
	{"values.yaml", "helm/values.yaml.tmpl"},
	{".helmignore", "helm/helmignore.tmpl"},
	{"templates/_helpers.tpl", "helm/chart/helpers.tpl.tmpl"},
	{"templates/serviceaccount.yaml", "helm/chart/serviceaccount.yaml.tmpl"},
	{"templates/deployment.yaml", "helm/chart/deployment.yaml.tmpl"},
	{"templates/service.yaml", "helm/chart/service.yaml.tmpl"},
	{"templates/hpa.yaml", "helm/chart/hpa.yaml.tmpl"},
	{"templates/pdb.yaml", "helm/chart/pdb.yaml.tmpl"},
	{"templates/ingress.yaml", "helm/chart/ingress.yaml.tmpl"},
	{"templates/networkpolicy.yaml", "helm/chart/networkpolicy.yaml.tmpl"},
	{"templates/NOTES.txt", "helm/chart/NOTES.txt.tmpl"},
}

// HelmChartDir is the chart directory of a service's Kubernetes name.
func HelmChartDir(name string) string { return path.Join(HelmChartsDir, name) }

// helmWriteChart writes one service's chart into charts/<name>/. A file
// the workspace already has that passes the gate is kept (keepOrPut); a
// chart devops-lead did not write is not merged into.
func helmWriteChart(ws fs.FS, cs *change.ChangeSet, s *stack.Service, app k8sApp, p k8sParams, notes []string, known bool) error {
	dir := HelmChartDir(app.Name)
	old, err := kit.ReadOptional(ws, path.Join(dir, "Chart.yaml"))
	if err != nil {
		return err
	}
	if old != nil && !bytes.Contains(old, []byte(helmMarker)) {
		return fmt.Errorf("%s/ holds a Helm chart devops-lead did not write: the built-in Kubernetes specialist does not merge into it; extend it by hand, or move it to have a chart written there", dir)
	}
	v := helmValues{k8sApp: app, Ingress: p.Ingress, Known: known, Language: string(s.Language)}
	v.Host = app.Name + ".example.com"
	for _, f := range helmFiles {
		var out []byte
		if strings.HasPrefix(f.tmpl, "helm/chart/") {
			out, err = renderHelm(f.tmpl, v)
		} else {
			out, err = templates.Render(f.tmpl, v)
		}
		if err != nil {
			return err
		}
		if err := kit.KeepOrPut(ws, cs, path.Join(dir, f.file), out, helmNote(f.file, v, notes)); err != nil {
			return err
		}
	}
	return nil
}

// helmNote is the ChangeSet note of one chart file.
func helmNote(file string, v helmValues, notes []string) string {
	onOff := func(on bool) string { return map[bool]string{true: "on", false: "off"}[on] }
	switch file {
	case "Chart.yaml":
		return fmt.Sprintf("chart %s, version %s: the chart's own version, bump it when the chart changes; appVersion is only what helm list shows, the pods run values.yaml's image.tag, which the deploy sets to the image it pushed", v.Name, helmChartVersion)
	case "values.yaml":
		return fmt.Sprintf("the defaults the chart renders with: %s; autoscaling and the PodDisruptionBudget %s, the Ingress and NetworkPolicy %s (host %s is a placeholder); IMAGE_TAG is a placeholder the deploy replaces (--set-string image.tag=...)",
			strings.Join(notes, "; "), onOff(v.Autoscaling), onOff(v.Ingress), v.Host)
	case ".helmignore":
		return "keeps version control and editor files out of the packaged chart"
	case "templates/_helpers.tpl":
		return fmt.Sprintf("the name, fullname, labels and selectorLabels helpers as helm create writes them; installed as release %s, as the deploy does, the objects are named %s", v.Name, v.Name)
	case "templates/serviceaccount.yaml":
		return saNote(v.k8sApp)
	case "templates/deployment.yaml":
		note := "the Deployment: restricted pod security from podSecurityContext and securityContext, requests and limits, readiness and liveness probes, an emptyDir at /tmp; replicas from replicaCount unless autoscaling is on"
		if v.CloudSQL != nil {
			note += "; the Cloud SQL Auth Proxy as a native sidecar and the app's DATABASE_* settings from cloudSqlProxy"
		}
		if v.AzureClientID != "" {
			note += "; the pods carry the azure.workload.identity/use label"
		}
		return note
	case "templates/service.yaml":
		return "ClusterIP Service on port 80 to the container's http port"
	case "templates/hpa.yaml":
		return fmt.Sprintf("when autoscaling.enabled (%s in values.yaml): 2 to 10 replicas on 70%% CPU and 80%% memory of the requests; needs metrics-server", onOff(v.Autoscaling))
	case "templates/pdb.yaml":
		return fmt.Sprintf("when pdb.enabled (%s in values.yaml): keeps at least one pod up during voluntary disruptions (node drains)", onOff(v.Autoscaling))
	case "templates/ingress.yaml":
		return fmt.Sprintf("when ingress.enabled (%s in values.yaml): set ingress.host; create the TLS Secret %s-tls (or let cert-manager); with no className the cluster's default class serves it", onOff(v.Ingress), v.Name)
	case "templates/networkpolicy.yaml":
		return fmt.Sprintf("when networkPolicy.enabled (%s in values.yaml): admits traffic only on the http port; add a from: clause for your ingress controller's namespace", onOff(v.Ingress))
	case "templates/NOTES.txt":
		return "what helm prints after an install: the rollout command and how to reach the service"
	}
	return ""
}

// renderHelm renders an embedded template of a Helm chart file with [[ ]]
// delimiters: what devops-lead fills in (the chart's name in the helper
// names) is in [[ ]], and Helm's own {{ }} actions are written as they are.
func renderHelm(name string, data any) ([]byte, error) {
	return templates.RenderDelims(name, data, "[[", "]]")
}
