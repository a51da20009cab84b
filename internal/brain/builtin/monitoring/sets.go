package monitoring

import (
	"fmt"
	"path"
	"strings"
)

// monScrape is the data of prometheus.yml: the services' /metrics jobs,
// the exporters' jobs of the catalogue's sets, and the URLs the HTTP set
// probes.
type monScrape struct {
	Services     []monService
	Sets         []alertSet
	ProbeTargets []string
}

// monProbeTargets are the URLs the HTTP set probes when the task names
// none: each service's health endpoint (or /) at its Compose host name
// and port, or at its Kubernetes Service (port 80, as the kubernetes
// specialist writes it).
func monProbeTargets(services []monService, k8s bool) []string {
	var out []string
	for _, s := range services {
		p := s.HealthPath
		if p == "" || !strings.HasPrefix(p, "/") {
			p = "/"
		}
		if k8s {
			out = append(out, "http://"+s.Name+p)
			continue
		}
		out = append(out, fmt.Sprintf("http://%s:%d%s", s.Name, s.Port, p))
	}
	return out
}

// catalogGroup turns a set's alerts into a rule group linking the
// runbook.
func catalogGroup(set alertSet, runbook string) promGroup {
	g := promGroup{Name: set.Name + ".rules"}
	for _, a := range set.Alerts {
		g.Rules = append(g.Rules, promRule{
			Alert: a.Name, Expr: a.Expr, For: a.For,
			Labels: map[string]string{"severity": a.Severity, "alert_set": set.Name},
			Annotations: promAnnotations{Summary: a.Summary, Description: a.Description + " First check " + a.FirstCheck + ".",
				RunbookURL: runbook + "#" + strings.ToLower(a.Name)},
		})
	}
	return g
}

// monWriteSets writes the rules of the catalogue's sets (a rules file per
// set, or a PrometheusRule per set on Kubernetes), the HTTP probes'
// Probe on Kubernetes, and monitoring/README.md naming the exporter each
// set needs. It returns the runbook sections of the sets.
func monWriteSets(put func(p string, content []byte, note string) error, target, runbook string, sets []alertSet, probeTargets []string) ([]monService, error) {
	var sections []monService
	for _, set := range sets {
		if set.Name == "http" && len(probeTargets) == 0 {
			return nil, fmt.Errorf("alerts=http: no URL to probe: the task has no service and no probe_targets (a comma list of URLs)")
		}
		rules := promRulesFile{Groups: []promGroup{catalogGroup(set, runbook)}}
		note := fmt.Sprintf("%s alerts (%s) over the metrics of %s, which must run and be scraped (see monitoring/README.md)",
			set.Title, strings.Join(catalogNamesOf(set), ", "), set.Exporter)
		if target == "prometheus" {
			out, err := monYAML("# Written by devops-lead (monitoring-specialist).\n# Needs "+set.Exporter+": "+set.ExporterURL+"\n", rules)
			if err != nil {
				return nil, err
			}
			if err := put(path.Join(monDir, "prometheus", "rules", set.Name+"-alerts.yml"), out, note); err != nil {
				return nil, err
			}
		} else {
			cr := struct {
				APIVersion string        `yaml:"apiVersion"`
				Kind       string        `yaml:"kind"`
				Metadata   any           `yaml:"metadata"`
				Spec       promRulesFile `yaml:"spec"`
			}{"monitoring.coreos.com/v1", "PrometheusRule",
				map[string]any{"name": set.Name + "-alerts", "labels": map[string]string{"app.kubernetes.io/name": set.Name + "-alerts"}}, rules}
			out, err := monYAML("# Written by devops-lead (monitoring-specialist).\n# Needs the Prometheus Operator and "+set.Exporter+": "+set.ExporterURL+"\n", cr)
			if err != nil {
				return nil, err
			}
			if err := put(path.Join(monDir, "kubernetes", set.Name+"-alerts-rules.yaml"), out, note); err != nil {
				return nil, err
			}
			if set.Name == "http" {
				pr, err := templates.Render("probe.yaml.tmpl", struct {
					Set     alertSet
					Targets []string
				}{set, probeTargets})
				if err != nil {
					return nil, err
				}
				if err := put(path.Join(monDir, "kubernetes", "http-probe.yaml"), pr,
					"a Prometheus Operator Probe: the blackbox exporter probes each URL with its http_2xx module"); err != nil {
					return nil, err
				}
			}
		}
		var alerts []monAlert
		for _, a := range set.Alerts {
			alerts = append(alerts, monAlert{Name: a.Name, Signal: a.Signal, Severity: a.Severity, For: a.For, Expr: a.Expr,
				Summary: a.Summary, Description: a.Description, FirstCheck: a.FirstCheck})
		}
		sections = append(sections, monService{Name: set.Name, Service: set.Title + " (" + set.Exporter + ")", Alerts: alerts})
	}
	if len(sets) == 0 {
		return nil, nil
	}
	out, err := templates.Render("README.md.tmpl", struct {
		K8s          bool
		Sets         []alertSet
		ProbeTargets []string
	}{target == "kubernetes", sets, probeTargets})
	if err != nil {
		return nil, err
	}
	if err := put(path.Join(monDir, "README.md"), out, "which exporter each alert set needs and how Prometheus reaches it"); err != nil {
		return nil, err
	}
	return sections, nil
}

// catalogNamesOf lists a set's alert names.
func catalogNamesOf(set alertSet) []string {
	var out []string
	for _, a := range set.Alerts {
		out = append(out, a.Name)
	}
	return out
}
