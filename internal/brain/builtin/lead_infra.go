package builtin

import (
	"fmt"
	"path"
	"strings"

	"github.com/devops-lead/devops-lead/internal/engine"
)

// The task ids of the infrastructure plan contract, and the modes the
// lead plans besides InfraMode (infra.go) and AWSArchitectMode
// (architect.go); their specialists live in kubernetes*.go,
// monitoring*.go and worker*.go.
const (
	planK8sMode        = "kubernetes-specialist"
	planMonitoringMode = "monitoring-specialist"
	planWorkerMode     = "cloudflare-workers-specialist"

	TaskArchitect  = "architect"
	TaskInfra      = "infra"
	TaskK8s        = "k8s"
	TaskMonitoring = "monitoring"
	TaskWorker     = "worker"
	TaskDeploy     = "deploy"
	TaskTerraform  = "terraform"
)

// infraIntent is what a request asks of infrastructure.
type infraIntent struct {
	// cloud is "aws", "gcp", "azure" or "" and cloudWhy says how it was
	// chosen.
	cloud, cloudWhy string
	// compute is one of the cloud's computesOf ("apprunner", "ecs",
	// "eks", ...), or the name of a way of running the service the
	// built-in brain does not write ("Lambda"), or "".
	compute            string
	postgres, bucket   bool
	otherDB            []string // databases asked for on the cloud besides PostgreSQL
	terraform          bool     // Terraform / IaC named
	k8s, helm          bool
	autoscaling        bool
	ingress, kustomize bool
	monitoring         bool
	dashboard          bool
	worker             bool
	bindings           []string

	// kustomizeDropped is set when kustomize was asked with Helm, whose
	// values replace it.
	kustomizeDropped bool
}

// any reports whether the request asks for infrastructure the lead plans.
func (in *infraIntent) any() bool {
	return in.cloud != "" || in.k8s || in.monitoring || in.worker
}

// cloudWords are the words that name each cloud.
var cloudWords = map[string][]string{
	"aws": {"aws", "amazon web services", "amazon", "ecs", "eks", "fargate", "lambda", "s3", "ec2", "rds", "cloudfront",
		"app runner", "apprunner", "ecr", "aurora"},
	"gcp":   {"gcp", "google cloud", "cloud run", "gke", "gcs", "cloud sql", "artifact registry"},
	"azure": {"azure", "aks", "app service", "container apps", "azure container apps", "acr"},
}

// readInfra reads the infrastructure part of the request; it runs after
// the areas were matched and removes the areas it plans from them.
func (r *request) readInfra() {
	in := &r.infra
	for _, c := range []string{"aws", "gcp", "azure"} {
		if r.has(cloudWords[c]...) {
			if in.cloud != "" {
				in.cloudWhy = "several clouds are named; the first of AWS, GCP and Azure is planned"
				continue
			}
			in.cloud = c
			in.cloudWhy = "the request names " + map[string]string{"aws": "AWS", "gcp": "Google Cloud", "azure": "Azure"}[c]
		}
	}
	in.terraform = r.has("terraform", "opentofu", "infrastructure as code", "iac")
	if r.has("rds", "aurora") || (r.has("database", "db") && !contains(r.backing, "mysql")) {
		in.postgres = true
	}
	in.postgres = in.postgres || contains(r.backing, "postgres")
	for _, b := range []string{"mysql", "mongodb", "redis", "rabbitmq"} {
		if contains(r.backing, b) {
			in.otherDB = append(in.otherDB, b)
		}
	}
	in.bucket = r.has("s3", "bucket", "buckets", "uploads", "object storage", "file storage", "file uploads")
	hosting := r.has("deploy", "deployment", "host", "hosting", "hosted", "run it", "run this", "run the", "serve",
		"app runner", "apprunner", "ecs", "fargate", "eks", "lambda", "ec2", "cloud run", "gke", "container apps", "aks", "app service")
	if in.cloud == "" && in.terraform && !r.has("cloudflare", "wrangler") {
		in.cloud = "aws"
		in.cloudWhy = "no cloud is named, so the built-in default AWS is planned (say \"on GCP\" or \"on Azure\" to steer it)"
	}
	k8s := r.has("kubernetes", "k8s", "kustomize", "kubectl", "helm", "manifests", "gke", "aks", "eks")
	if in.cloud == "gcp" && hosting {
		switch {
		case r.has("gke") || k8s:
			in.compute = "gke"
		case r.has("app engine", "compute engine", "gce", "cloud functions"):
			in.compute = "App Engine, Compute Engine or Cloud Functions"
		default:
			in.compute = "cloudrun"
		}
	}
	if in.cloud == "azure" && hosting {
		switch {
		case r.has("aks") || k8s:
			in.compute = "aks"
		case r.has("app service", "functions", "azure functions", "virtual machines"):
			in.compute = "App Service, Functions or virtual machines"
		default:
			in.compute = "containerapps"
		}
	}
	if in.cloud == "aws" && hosting {
		switch {
		case r.has("eks") || (k8s && !r.has("ecs", "fargate")):
			in.compute = "eks"
		case r.has("ecs", "fargate"):
			in.compute = "ecs"
		case r.has("lambda", "serverless"):
			in.compute = "Lambda"
		case r.has("ec2"):
			in.compute = "EC2 instances"
		default:
			in.compute = "apprunner"
		}
	}

	in.k8s = k8s || clusterComputes[in.compute]
	// A chart is a Helm chart unless the request is about dashboards.
	in.helm = r.has("helm", "helm chart", "helm charts") || (r.has("chart", "charts") && !r.has("grafana", "dashboard", "dashboards"))
	in.autoscaling = r.has("autoscaling", "autoscale", "auto scaling", "autoscaler", "hpa", "scale", "scaling", "scales")
	in.ingress = r.has("ingress", "domain", "expose", "exposed", "public", "publicly", "external", "https", "tls")
	in.kustomize = r.has("kustomize", "overlay", "overlays", "environments", "staging")
	if in.helm && in.kustomize {
		// A Helm chart's values replace kustomize overlays: the chart is
		// planned, and the k8s task says the overlays were not written.
		in.kustomize, in.kustomizeDropped = false, true
	}

	in.monitoring = r.has("monitoring", "monitor", "prometheus", "grafana", "alerting", "alerts", "alert",
		"observability", "dashboards", "dashboard", "metrics", "error rate", "latency", "slo", "slos")
	in.dashboard = r.has("grafana", "dashboard", "dashboards")

	in.worker = r.has("cloudflare", "wrangler", "cloudflare worker", "cloudflare workers")
	if in.worker {
		for _, b := range []struct {
			binding string
			words   []string
		}{
			{"kv:CACHE", []string{"kv", "workers kv", "cache", "caching", "key value"}},
			{"r2:UPLOADS", []string{"r2", "uploads", "object storage", "bucket", "files"}},
			{"d1:DB", []string{"d1", "sqlite", "edge database"}},
			{"queue:JOBS", []string{"queue", "queues", "background jobs", "jobs"}},
		} {
			if r.has(b.words...) {
				in.bindings = append(in.bindings, b.binding)
			}
		}
		// Cloudflare storage words are not an AWS bucket.
		if in.cloud == "" || !r.has(cloudWords["aws"]...) {
			in.bucket = false
		}
	}

	planned := map[string]bool{
		planK8sMode: in.k8s, planMonitoringMode: in.monitoring, planWorkerMode: in.worker,
		InfraMode: in.cloud != "", AWSArchitectMode: in.cloud == "aws", GCPArchitectMode: in.cloud == "gcp",
		AzureArchitectMode: in.cloud == "azure",
	}
	kept := r.areas[:0]
	for _, a := range r.areas {
		if !planned[a.Mode] {
			kept = append(kept, a)
		}
	}
	r.areas = kept
}

// needsImage reports whether the infrastructure plan runs a container
// image of the services, which needs their Dockerfiles.
func (in *infraIntent) needsImage() bool {
	return computeProfiles[in.compute].label != "" || in.k8s
}

// infraTasks plans the architect, Terraform, Kubernetes, monitoring and
// Workers tasks.
func (p *planner) infraTasks(container bool) {
	in := &p.req.infra
	var deploy func()
	if in.cloud != "" {
		deploy = p.cloudTasks(container)
	}
	if in.k8s {
		p.k8sTask(container)
	}
	if deploy != nil {
		deploy()
	}
	if in.monitoring {
		p.monitoringTask()
	}
	if in.worker {
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
	in := &p.req.infra
	what := "the Kubernetes manifests"
	if in.helm {
		what = "the Helm charts"
	}
	if p.declineMode(what, planK8sMode) {
		return
	}
	dir, found := p.k8sDirFound()
	b := func(v bool) string { return fmt.Sprint(v) }
	t := engine.Task{
		ID: TaskK8s, Mode: planK8sMode, Title: "Kubernetes manifests for " + strings.Join(serviceNames(p.scope), ", "),
		Goal:     "Write Kubernetes manifests in " + dir + "/: a Deployment and a Service per service" + k8sExtras(in) + ", with restricted pod security, requests and limits, and probes.",
		Why:      "the request asks to run the services on Kubernetes",
		Services: p.scopeDirs(),
		Files:    []string{dir + "/"},
		Params: map[string]string{"dir": dir, "autoscaling": b(in.autoscaling), "ingress": b(in.ingress),
			"kustomize": b(in.kustomize)},
		Acceptance: []string{
			"manifests decode strictly against the Kubernetes API types",
			"pods run as non-root with a read-only root filesystem, requests, limits and probes",
			"the gate reports no errors",
		},
	}
	if in.helm {
		t.Title = "Helm chart for " + strings.Join(serviceNames(p.scope), ", ")
		t.Goal = "Write a Helm chart per service in " + HelmChartsDir + "/<name>/: Chart.yaml, values.yaml and templates for a Deployment, a Service, a ServiceAccount, " +
			"a HorizontalPodAutoscaler, a PodDisruptionBudget, an Ingress and a NetworkPolicy, with restricted pod security, requests and limits, and probes; " +
			"values.yaml holds the image, replicas, resources and probes" + helmSwitches(in) + "."
		t.Why = "the request asks for a Helm chart to run the services on Kubernetes"
		t.Files = []string{HelmChartsDir + "/"}
		t.Params = map[string]string{"helm": "true", "autoscaling": b(in.autoscaling), "ingress": b(in.ingress)}
		t.Acceptance = []string{
			"the chart renders with its values.yaml, and the rendered manifests decode strictly against the Kubernetes API types",
			"pods run as non-root with a read-only root filesystem, requests, limits and probes",
			"the gate reports no errors",
		}
		if in.kustomizeDropped {
			p.note("kustomize overlays were not written: the Helm chart's values replace them (override them per environment with -f <file>)")
		}
		if found {
			p.note("Kubernetes manifests exist under %s/: the k8s task writes a Helm chart in %s/ and leaves them as they are; objects applied from them must be deleted (or adopted by Helm) before the chart installs objects of the same names", dir, HelmChartsDir)
		}
		if charts := p.in.Repo.Artifacts.HelmCharts; len(charts) > 0 {
			p.note("the repository has Helm charts in %s: the k8s task keeps a file of a chart devops-lead wrote that passes the gate, and stops at a chart it did not write", strings.Join(charts, ", "))
		}
	} else if found {
		p.note("Kubernetes manifests exist under %s/: the k8s task adds to them", dir)
	}
	if container {
		t.DependsOn = []string{TaskContainer}
		t.Why += "; it runs after the container task because the Deployments run its images"
	}
	if in.azureIdentity() {
		t.Params["workload_identity"] = "azure"
		t.Goal += " The ServiceAccount and pods use AKS workload identity for the app's Azure access."
	}
	if in.cloudSQLProxy() {
		t.Params["cloudsql_proxy"] = "true"
		t.Goal += " The pods reach Cloud SQL through the Cloud SQL Auth Proxy as a native sidecar, with IAM database authentication."
	}
	p.plan.Tasks = append(p.plan.Tasks, t)
}

// azureIdentity reports whether the pods sign in to Azure (storage, the
// database) through AKS workload identity.
func (in *infraIntent) azureIdentity() bool {
	return in.cloud == "azure" && in.compute == "aks" && (in.postgres || in.bucket)
}

// cloudSQLProxy reports whether the pods reach Cloud SQL PostgreSQL
// through the Cloud SQL Auth Proxy sidecar (GKE).
func (in *infraIntent) cloudSQLProxy() bool {
	return in.cloud == "gcp" && in.compute == "gke" && in.postgres
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
func helmSwitches(in *infraIntent) string {
	var on []string
	if in.autoscaling {
		on = append(on, "autoscaling")
	}
	if in.ingress {
		on = append(on, "the ingress")
	}
	if len(on) == 0 {
		return ", with autoscaling and the ingress off"
	}
	return ", and turns on " + strings.Join(on, " and ")
}

func k8sExtras(in *infraIntent) string {
	var out []string
	if in.autoscaling {
		out = append(out, "a HorizontalPodAutoscaler")
	}
	if in.ingress {
		out = append(out, "an Ingress")
	}
	if in.kustomize {
		out = append(out, "a kustomization")
	}
	if len(out) == 0 {
		return ""
	}
	return ", " + strings.Join(out, ", ")
}

// monitoringTask plans alerts (and a dashboard).
func (p *planner) monitoringTask() {
	in := &p.req.infra
	if p.declineMode("monitoring and alerting", planMonitoringMode) {
		return
	}
	target := "prometheus"
	if in.k8s || len(p.in.Repo.Artifacts.Kubernetes) > 0 {
		target = "kubernetes"
	}
	t := engine.Task{
		ID: TaskMonitoring, Mode: planMonitoringMode, Title: "Alerts" + map[bool]string{true: " and a dashboard", false: ""}[in.dashboard],
		Goal: "Write Prometheus alerting rules for error rate, latency and availability" +
			map[bool]string{true: " and a Grafana dashboard", false: ""}[in.dashboard] + ", " +
			map[string]string{"kubernetes": "as PrometheusRule and ServiceMonitor objects for Kubernetes", "prometheus": "as rule files for a Prometheus server"}[target] + ".",
		Why:      "the request asks for monitoring or alerts",
		Services: p.scopeDirs(),
		Files:    []string{"monitoring/"},
		Params:   map[string]string{"target": target, "dashboard": fmt.Sprint(in.dashboard)},
		Acceptance: []string{
			"every alert has a for: duration, a severity label and a summary annotation",
			"the rules load in Prometheus (the gate's Prometheus check)",
			"the gate reports no errors",
		},
	}
	if target == "kubernetes" {
		t.Why += " on Kubernetes"
		if in.k8s && p.allowed(planK8sMode) {
			t.DependsOn = []string{TaskK8s}
			t.Why += "; it runs after the k8s task because the alerts select its workloads"
		}
	}
	p.plan.Tasks = append(p.plan.Tasks, t)
}

// workerTask plans a Cloudflare Worker in front of the service.
func (p *planner) workerTask() {
	in := &p.req.infra
	if p.declineMode("the Cloudflare Worker", planWorkerMode) {
		return
	}
	name := "edge"
	if len(p.scope) > 0 {
		name = infraName(p.scope[0].Name) + "-edge"
	}
	dir := path.Join("workers", name)
	t := engine.Task{
		ID: TaskWorker, Mode: planWorkerMode, Title: "Cloudflare Worker " + name,
		Goal: "Write a Cloudflare Worker (" + name + ") with its wrangler configuration" +
			map[bool]string{true: " and the bindings " + strings.Join(in.bindings, ", "), false: ""}[len(in.bindings) > 0] + ".",
		Why:    "the request asks for a Cloudflare Worker",
		Params: map[string]string{"name": name, "bindings": strings.Join(in.bindings, ",")},
		Files:  []string{dir + "/wrangler.toml", dir + "/src/index.ts", dir + "/package.json"},
		Acceptance: []string{
			"wrangler configuration pins a compatibility_date and declares only the bindings asked for",
			"no account ids or API tokens in the files",
			"the gate reports no errors",
		},
	}
	p.plan.Tasks = append(p.plan.Tasks, t)
}
