package lead

import (
	"fmt"
	"path"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/infra"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kubernetes"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/monitoring"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/intent"
)

// needsImage reports whether the infrastructure plan runs a container
// image of the services, which needs their Dockerfiles.
func needsImage(in *intent.Infra) bool {
	return computeProfiles[in.Compute].label != "" || in.K8s
}

// infraTasks plans the architect, Terraform, Kubernetes, monitoring and
// Workers tasks.
func (p *planner) infraTasks(container bool) {
	in := &p.req.Infra
	var deploy func()
	if in.Cloud != "" {
		deploy = p.cloudTasks(container)
	}
	if p.overlays != "" {
		p.overlayTask(p.overlays, container)
	}
	if in.K8s {
		p.k8sTask(container)
	}
	if deploy != nil {
		deploy()
	}
	if in.Monitoring {
		p.monitoringTask()
	}
	if in.Worker && p.workerDir() == "" {
		p.workerTask()
	}
}

// declineMode records that the lead may not delegate to a mode.
func (p *planner) declineMode(what, slug string) bool {
	if p.allowed(slug) {
		return false
	}
	p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("%s: %s may not delegate to %s; add it to delegates_to in the lead's mode file", what, p.leadName(), slug))
	return true
}

// k8sTask plans the Kubernetes manifests, or a Helm chart per service
// when the request names Helm.
func (p *planner) k8sTask(container bool) {
	in := &p.req.Infra
	what := "the Kubernetes manifests"
	if in.Helm {
		what = "the Helm charts"
	}
	if p.declineMode(what, kit.PlanK8sMode) {
		return
	}
	dir, found := p.k8sDirFound()
	b := func(v bool) string { return fmt.Sprint(v) }
	t := engine.Task{
		ID: kit.TaskK8s, Mode: kit.PlanK8sMode, Title: "Kubernetes manifests for " + strings.Join(serviceNames(p.scope), ", "),
		Goal:     "Write Kubernetes manifests in " + dir + "/: a Deployment and a Service per service" + k8sExtras(in) + ", with restricted pod security, requests and limits, and probes.",
		Why:      "the request asks to run the services on Kubernetes",
		Services: p.scopeDirs(),
		Files:    []string{dir + "/"},
		Params: map[string]string{"dir": dir, "autoscaling": b(in.Autoscaling), "ingress": b(in.Ingress),
			"kustomize": b(in.Kustomize)},
		Acceptance: []string{
			"manifests decode strictly against the Kubernetes API types",
			"pods run as non-root with a read-only root filesystem, requests, limits and probes",
			"the gate reports no errors",
		},
	}
	if in.Helm {
		t.Title = "Helm chart for " + strings.Join(serviceNames(p.scope), ", ")
		t.Goal = "Write a Helm chart per service in " + kubernetes.HelmChartsDir + "/<name>/: Chart.yaml, values.yaml and templates for a Deployment, a Service, a ServiceAccount, " +
			"a HorizontalPodAutoscaler, a PodDisruptionBudget, an Ingress and a NetworkPolicy, with restricted pod security, requests and limits, and probes; " +
			"values.yaml holds the image, replicas, resources and probes" + helmSwitches(in) + "."
		t.Why = "the request asks for a Helm chart to run the services on Kubernetes"
		t.Files = []string{kubernetes.HelmChartsDir + "/"}
		t.Params = map[string]string{"helm": "true", "autoscaling": b(in.Autoscaling), "ingress": b(in.Ingress)}
		t.Acceptance = []string{
			"the chart renders with its values.yaml, and the rendered manifests decode strictly against the Kubernetes API types",
			"pods run as non-root with a read-only root filesystem, requests, limits and probes",
			"the gate reports no errors",
		}
		if in.KustomizeDropped {
			p.note("kustomize overlays were not written: the Helm chart's values replace them (override them per environment with -f <file>)")
		}
		if found {
			p.note("Kubernetes manifests exist under %s/: the k8s task writes a Helm chart in %s/ and leaves them as they are; objects applied from them must be deleted (or adopted by Helm) before the chart installs objects of the same names", dir, kubernetes.HelmChartsDir)
		}
		if charts := p.in.Repo.Artifacts.HelmCharts; len(charts) > 0 {
			p.note("the repository has Helm charts in %s: the k8s task keeps a file of a chart devops-lead wrote that passes the gate, and stops at a chart it did not write", strings.Join(charts, ", "))
		}
	} else if found {
		p.note("Kubernetes manifests exist under %s/: the k8s task adds to them", dir)
	}
	if container {
		t.DependsOn = []string{kit.TaskContainer}
		t.Why += "; it runs after the container task because the Deployments run its images"
	}
	if azureIdentity(in) {
		t.Params["workload_identity"] = "azure"
		t.Goal += " The ServiceAccount and pods use AKS workload identity for the app's Azure access."
	}
	if cloudSQLProxy(in) {
		t.Params["cloudsql_proxy"] = "true"
		t.Goal += " The pods reach Cloud SQL through the Cloud SQL Auth Proxy as a native sidecar, with IAM database authentication."
	}
	p.plan.Tasks = append(p.plan.Tasks, t)
}

// takeOverlays decides, before anything else is planned, whether the
// Kubernetes part of the request is overlays on the repository's own
// manifests: those need no image and no manifests of the lead's.
func (p *planner) takeOverlays() {
	if envs := p.overlayEnvs(); envs != "" {
		p.overlays = envs
		p.req.Infra.K8s, p.req.Infra.Kustomize = false, false
	}
}

// overlayEnvs returns the environments to add as kustomize overlays when
// the request asks for environments on Kubernetes manifests the
// repository already has ("" otherwise).
func (p *planner) overlayEnvs() string {
	in := &p.req.Infra
	if len(p.in.Repo.Artifacts.Kubernetes) == 0 || in.Helm || in.Cloud != "" || in.Autoscaling || in.Ingress ||
		!(in.Kustomize || len(p.req.Envs) > 0) {
		return ""
	}
	envs := p.req.Envs
	if len(envs) == 0 {
		envs = []string{"staging", "production"}
	}
	return strings.Join(envs, ",")
}

// overlayTask plans kustomize overlays on the repository's own manifests:
// new files only, the manifests people wrote are kept as they are.
func (p *planner) overlayTask(envs string, container bool) {
	t := engine.Task{
		ID: kit.TaskK8s, Mode: kit.PlanK8sMode,
		Title:  "Kustomize overlays for " + strings.ReplaceAll(envs, ",", " and "),
		Goal:   "Add kustomize overlays for " + strings.ReplaceAll(envs, ",", " and ") + " on top of the Kubernetes manifests the repository has (" + describeList(p.in.Repo.Artifacts.Kubernetes, 3) + "), each with its own namespace, environment label and image tags, without changing the manifests.",
		Why:    "the request asks for environments on the existing Kubernetes manifests",
		Params: map[string]string{"overlays": envs},
		Acceptance: []string{
			"each overlay builds with kubectl kustomize",
			"the manifests people wrote are not changed",
			"the gate reports no errors",
		},
	}
	dir := path.Dir(p.in.Repo.Artifacts.Kubernetes[0])
	t.Files = []string{path.Join(dir, "kustomization.yaml"), path.Join(dir, "overlays") + "/", "kustomize/overlays/"}
	if container {
		t.DependsOn = []string{kit.TaskContainer}
	}
	p.plan.Tasks = append(p.plan.Tasks, t)
}

// azureIdentity reports whether the pods sign in to Azure (storage, the
// database) through AKS workload identity.
func azureIdentity(in *intent.Infra) bool {
	return in.Cloud == "azure" && in.Compute == "aks" && (in.Postgres || in.Bucket)
}

// cloudSQLProxy reports whether the pods reach Cloud SQL PostgreSQL
// through the Cloud SQL Auth Proxy sidecar (GKE).
func cloudSQLProxy(in *intent.Infra) bool {
	return in.Cloud == "gcp" && in.Compute == "gke" && in.Postgres
}

// k8sDir is where the Kubernetes manifests go: k8s/, or deploy/ when the
// repository keeps its manifests there.
func (p *planner) k8sDir() string {
	dir, _ := p.k8sDirFound()
	return dir
}

// k8sDirFound is k8sDir and whether manifests exist there.
func (p *planner) k8sDirFound() (string, bool) {
	for _, f := range p.in.Repo.Artifacts.Kubernetes {
		if top := strings.SplitN(f, "/", 2)[0]; top == "deploy" || top == "k8s" {
			return top, true
		}
	}
	return "k8s", false
}

// helmSwitches says which of the chart's optional objects values.yaml
// turns on.
func helmSwitches(in *intent.Infra) string {
	var on []string
	if in.Autoscaling {
		on = append(on, "autoscaling")
	}
	if in.Ingress {
		on = append(on, "the ingress")
	}
	if len(on) == 0 {
		return ", with autoscaling and the ingress off"
	}
	return ", and turns on " + strings.Join(on, " and ")
}

func k8sExtras(in *intent.Infra) string {
	var out []string
	if in.Autoscaling {
		out = append(out, "a HorizontalPodAutoscaler")
	}
	if in.Ingress {
		out = append(out, "an Ingress")
	}
	if in.Kustomize {
		out = append(out, "a kustomization")
	}
	if len(out) == 0 {
		return ""
	}
	return ", " + strings.Join(out, ", ")
}

// monitoringTask plans alerts (and a dashboard).
func (p *planner) monitoringTask() {
	in := &p.req.Infra
	if p.declineMode("monitoring and alerting", kit.PlanMonitoringMode) {
		return
	}
	target := "prometheus"
	if in.K8s || len(p.in.Repo.Artifacts.Kubernetes) > 0 {
		target = "kubernetes"
	}
	r := p.req
	// The alerts people list often sit in a code block or a quote: for a
	// monitoring request they name what to alert on.
	raw := r.Doc.Text(intent.Ask, intent.Code)
	generic := len(p.scope) > 0 && r.Has("error rate", "errors", "latency", "slo", "slos", "availability", "requests",
		"response time", "5xx", "the api", "the service", "the app")
	sets, missing := monitoring.AlertTaskParams(r.Text+intent.Norm(r.Doc.Text(intent.Code)), raw, generic)
	if len(missing) > 0 {
		p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("the alerts %s: not in the built-in catalogue, which writes %s; name alerts from it, or set GEMINI_API_KEY to have the Gemini brain write the others",
			strings.Join(missing, ", "), monitoring.AlertCatalogueSummary()))
	}
	if sets == nil && len(p.scope) == 0 {
		if len(missing) == 0 {
			p.plan.Declined = append(p.plan.Declined, "alerts: the repository has no service to alert on and the request names no alert set; ask for PostgreSQL, host (node_exporter) or HTTP probe (blackbox_exporter) alerts, or name the service")
		}
		return
	}
	t := engine.Task{
		ID: kit.TaskMonitoring, Mode: kit.PlanMonitoringMode, Title: "Alerts" + map[bool]string{true: " and a dashboard", false: ""}[in.Dashboard],
		Goal: "Write Prometheus alerting rules for error rate, latency and availability" +
			map[bool]string{true: " and a Grafana dashboard", false: ""}[in.Dashboard] + ", " +
			map[string]string{"kubernetes": "as PrometheusRule and ServiceMonitor objects for Kubernetes", "prometheus": "as rule files for a Prometheus server"}[target] + ".",
		Why:      "the request asks for monitoring or alerts",
		Services: p.scopeDirs(),
		Files:    []string{"monitoring/"},
		Params:   map[string]string{"target": target, "dashboard": fmt.Sprint(in.Dashboard)},
		Acceptance: []string{
			"every alert has a for: duration, a severity label and a summary annotation",
			"the rules load in Prometheus (the gate's Prometheus check)",
			"the gate reports no errors",
		},
	}
	if sets != nil {
		for k, v := range sets {
			t.Params[k] = v
		}
		t.Title = "Alerts: " + monitoring.AlertSetsTitle(sets["alerts"])
		t.Goal = "Write Prometheus alerting rules " + monitoring.AlertSetsGoal(sets["alerts"], sets["alert_names"]) +
			map[bool]string{true: " and a Grafana dashboard", false: ""}[in.Dashboard] + ", " +
			map[string]string{"kubernetes": "as PrometheusRule objects for Kubernetes", "prometheus": "as rule files and scrape jobs for a Prometheus server"}[target] +
			", and a README naming the exporter each set needs."
		if !strings.Contains(sets["alerts"], monitoring.AlertServiceSet) {
			t.Services = nil
		}
	}
	if target == "kubernetes" {
		t.Why += " on Kubernetes"
		if in.K8s && p.allowed(kit.PlanK8sMode) {
			t.DependsOn = []string{kit.TaskK8s}
			t.Why += "; it runs after the k8s task because the alerts select its workloads"
		}
	}
	p.plan.Tasks = append(p.plan.Tasks, t)
}

// workerTask plans a Cloudflare Worker in front of the service.
func (p *planner) workerTask() {
	in := &p.req.Infra
	if p.declineMode("the Cloudflare Worker", kit.PlanWorkerMode) {
		return
	}
	name := "edge"
	if len(p.scope) > 0 {
		name = infra.InfraName(p.scope[0].Name) + "-edge"
	}
	dir := path.Join("workers", name)
	t := engine.Task{
		ID: kit.TaskWorker, Mode: kit.PlanWorkerMode, Title: "Cloudflare Worker " + name,
		Goal: "Write a Cloudflare Worker (" + name + ") with its wrangler configuration" +
			map[bool]string{true: " and the bindings " + strings.Join(in.Bindings, ", "), false: ""}[len(in.Bindings) > 0] + ".",
		Why:    "the request asks for a Cloudflare Worker",
		Params: map[string]string{"name": name, "bindings": strings.Join(in.Bindings, ",")},
		Files:  []string{dir + "/wrangler.toml", dir + "/src/index.ts", dir + "/package.json"},
		Acceptance: []string{
			"wrangler configuration pins a compatibility_date and declares only the bindings asked for",
			"no account ids or API tokens in the files",
			"the gate reports no errors",
		},
	}
	p.plan.Tasks = append(p.plan.Tasks, t)
}
