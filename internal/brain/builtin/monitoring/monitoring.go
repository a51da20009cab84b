package monitoring

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"gopkg.in/yaml.v3"
)

// monDir is where the monitoring specialist writes.
const monDir = "monitoring"

// probeURL is what a probe target must look like.
var probeURL = regexp.MustCompile(`^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/%?&=+-]*)?$`)

// monService is one service the monitoring files cover.
type monService struct {
	Name   string
	Port   int
	Alerts []monAlert
	// Service repeats Name for the runbook template.
	Service string
	// HealthPath is the service's health endpoint, if known (the HTTP
	// probes ask it).
	HealthPath string
}

// Work is the monitoring specialist: alert rules for each service
// (availability, error rate, latency, saturation) as a PrometheusRule and a
// ServiceMonitor when target=kubernetes, else a rules file per service and
// a prometheus.yml that scrapes them; a runbook the alerts link to; and a
// Grafana dashboard per service with its provisioning file when
// dashboard=true.
//
// Params["alerts"] is a comma list of alert sets: service (those generic
// per-service alerts, the default) and the catalogue's named sets
// postgres, node and http, each written over its exporter's metrics with
// monitoring/README.md naming the exporter (and, for target prometheus,
// its scrape job). Params["alert_names"] keeps only the named alerts of
// their sets (and brings their sets in). Params["probe_targets"] is the
// URLs the http set probes (default: each service's health endpoint).
func Work(ctx context.Context, in engine.WorkInput) (*change.ChangeSet, error) {
	target := in.Task.Params["target"]
	switch target {
	case "":
		target = "prometheus"
	case "kubernetes", "prometheus":
	default:
		return nil, fmt.Errorf("task %s: target=%q must be kubernetes or prometheus", in.Task.ID, target)
	}
	dashboard := false
	switch v := in.Task.Params["dashboard"]; v {
	case "", "false":
	case "true":
		dashboard = true
	default:
		return nil, fmt.Errorf("task %s: dashboard=%q must be true or false", in.Task.ID, v)
	}
	choice, err := parseAlertChoice(in.Task.Params["alerts"], in.Task.Params["alert_names"])
	if err != nil {
		return nil, fmt.Errorf("task %s: %w", in.Task.ID, err)
	}
	probeTargets := monSplitList(in.Task.Params["probe_targets"])
	for _, u := range probeTargets {
		if !probeURL.MatchString(u) {
			return nil, fmt.Errorf("task %s: probe_targets: %q is not an http(s) URL", in.Task.ID, u)
		}
	}
	tbl, err := kit.LoadImages()
	if err != nil {
		return nil, err
	}
	services, err := kit.TaskServices(in.Repo, in.Task)
	if err != nil {
		return nil, err
	}
	if len(services) == 0 && choice.Service {
		return nil, errors.New("no service to monitor: stack detection found no application in the focus; say which directory holds it")
	}
	owner, repo, known := kit.GitHubRepoOf(in.Issue.URL)
	runbook := "https://github.com/OWNER/REPO/blob/HEAD/" + monDir + "/runbook.md"
	if known {
		runbook = "https://github.com/" + owner + "/" + repo + "/blob/HEAD/" + monDir + "/runbook.md"
	}
	metricsNote := "the rules assume the Prometheus client conventions: /metrics with up, http_requests_total{code} and the histogram http_request_duration_seconds; if the service does not export them, add instrumentation (not written here)"
	if !known {
		metricsNote += "; OWNER/REPO in runbook_url is a placeholder for your GitHub repository"
	}
	cs := change.New(in.Task.ID, in.Task.Mode)
	put := func(p string, content []byte, note string) error {
		return kit.KeepOrPut(in.Workspace, cs, p, content, note)
	}
	var all, probed []monService
	used := map[string]bool{}
	for i := range services {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s := &services[i]
		ms := monService{Name: kit.K8sName(kit.ServiceName(*s)), Port: s.Port, HealthPath: s.HealthPath}
		if used[ms.Name] {
			return nil, fmt.Errorf("two services map to the name %q: name them in separate tasks", ms.Name)
		}
		used[ms.Name] = true
		ms.Service = ms.Name
		if ms.Port <= 0 || ms.Port > 65535 {
			imgs, err := tbl.ImagesFor(s, "")
			if err != nil {
				return nil, err
			}
			ms.Port = imgs.Port
		}
		probed = append(probed, ms)
		if !choice.Service {
			continue
		}
		ms.Alerts = monAlerts(ms.Name, target == "kubernetes")
		rules := promRulesFile{Groups: []promGroup{monGroup(ms.Name, runbook, ms.Alerts)}}
		if err := monWriteRules(put, target, ms.Name, rules, metricsNote); err != nil {
			return nil, err
		}
		if dashboard {
			out, err := monDashboard(ms.Name, target == "kubernetes")
			if err != nil {
				return nil, err
			}
			if err := put(path.Join(monDir, "grafana", "dashboards", ms.Name+".json"), out,
				"rate, errors, duration and saturation panels on the "+ms.Name+" job; the datasource is chosen from a dashboard variable"); err != nil {
				return nil, err
			}
		}
		all = append(all, ms)
	}
	if len(probeTargets) == 0 {
		probeTargets = monProbeTargets(probed, target == "kubernetes")
	}
	sections, err := monWriteSets(put, target, runbook, choice.Sets, probeTargets)
	if err != nil {
		return nil, err
	}
	if target == "prometheus" {
		out, err := templates.Render("prometheus.yml.tmpl", monScrape{Services: all, Sets: choice.Sets, ProbeTargets: probeTargets})
		if err != nil {
			return nil, err
		}
		note := "scrapes each service's /metrics at <service>:<port> (the Compose service name); loads rules/*.yml"
		if len(choice.Sets) > 0 {
			note += "; scrapes the exporters at the host names monitoring/README.md gives"
		}
		promPath := path.Join(monDir, "prometheus", "prometheus.yml")
		if err := put(promPath, out, note); err != nil {
			return nil, err
		}
		if cs.Get(promPath) == nil && len(choice.Sets) > 0 {
			// The repository's prometheus.yml is kept: say which jobs it needs.
			var jobs []string
			for _, s := range choice.Sets {
				jobs = append(jobs, s.Job)
			}
			if len(cs.Files) > 0 {
				cs.Files[0].Note += "; " + promPath + " exists and is kept: add the scrape jobs " + strings.Join(jobs, ", ") + " that monitoring/README.md describes"
			}
		}
	}
	if dashboard && choice.Service {
		out, err := templates.Render("provisioning.yaml.tmpl", nil)
		if err != nil {
			return nil, err
		}
		if err := put(path.Join(monDir, "grafana", "provisioning", "dashboards", "devops-lead.yaml"), out,
			"a Grafana file provider for the dashboards"); err != nil {
			return nil, err
		}
	}
	out, err := templates.Render("runbook.md.tmpl", append(all, sections...))
	if err != nil {
		return nil, err
	}
	if err := put(path.Join(monDir, "runbook.md"), out, "one section per alert, which its runbook_url links to"); err != nil {
		return nil, err
	}
	return cs, nil
}

// monWriteRules writes one service's rules: a PrometheusRule and a
// ServiceMonitor for the Prometheus Operator, or a plain rules file.
func monWriteRules(put func(p string, content []byte, note string) error, target, name string, rules promRulesFile, note string) error {
	if target == "prometheus" {
		out, err := monYAML("# Written by devops-lead (monitoring-specialist).\n", rules)
		if err != nil {
			return err
		}
		return put(path.Join(monDir, "prometheus", "rules", name+".yml"), out, note)
	}
	cr := struct {
		APIVersion string        `yaml:"apiVersion"`
		Kind       string        `yaml:"kind"`
		Metadata   any           `yaml:"metadata"`
		Spec       promRulesFile `yaml:"spec"`
	}{"monitoring.coreos.com/v1", "PrometheusRule",
		map[string]any{"name": name, "labels": map[string]string{"app.kubernetes.io/name": name}}, rules}
	out, err := monYAML("# Written by devops-lead (monitoring-specialist).\n# Needs the Prometheus Operator; its ruleSelector must match these labels.\n", cr)
	if err != nil {
		return err
	}
	if err := put(path.Join(monDir, "kubernetes", name+"-rules.yaml"), out, note+"; the saturation alert needs cAdvisor and kube-state-metrics"); err != nil {
		return err
	}
	sm, err := templates.Render("servicemonitor.yaml.tmpl", struct{ Name string }{name})
	if err != nil {
		return err
	}
	return put(path.Join(monDir, "kubernetes", name+"-servicemonitor.yaml"), sm,
		"scrapes /metrics on the http port of the Service the kubernetes specialist writes")
}

// monYAML encodes v as YAML with two-space indentation after a header.
func monYAML(header string, v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(header)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode monitoring YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode monitoring YAML: %w", err)
	}
	return b.Bytes(), nil
}
