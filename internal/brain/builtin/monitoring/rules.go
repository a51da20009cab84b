package monitoring

import (
	"fmt"
	"strings"
)

// The alert rules the monitoring specialist writes for one service. The
// metric names are the Prometheus client conventions (up, a counter
// http_requests_total with a code label, a histogram
// http_request_duration_seconds); the note says so, since the built-in
// brain cannot see which the code exports.

// promRule is one alerting rule, in rulefmt's field order.
type promRule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations promAnnotations   `yaml:"annotations"`
}

// promAnnotations are an alert's annotations.
type promAnnotations struct {
	Summary     string `yaml:"summary"`
	Description string `yaml:"description"`
	RunbookURL  string `yaml:"runbook_url"`
}

// promGroup is one rule group.
type promGroup struct {
	Name  string     `yaml:"name"`
	Rules []promRule `yaml:"rules"`
}

// promRulesFile is a Prometheus rules file (and a PrometheusRule's spec).
type promRulesFile struct {
	Groups []promGroup `yaml:"groups"`
}

// monAlert describes one alert for the runbook too.
type monAlert struct {
	Name, Signal, Severity, For, Expr string
	Summary, Description, FirstCheck  string
}

// monAlerts returns the service's four alerts: availability, error rate,
// latency and saturation. k8s selects the saturation signal (the
// container's CPU against its limit, else the process's CPU).
func monAlerts(name string, k8s bool) []monAlert {
	job := fmt.Sprintf(`job=%q`, name)
	title := monTitle(name)
	sat := fmt.Sprintf(`sum(rate(container_cpu_usage_seconds_total{container=%q}[5m])) / sum(kube_pod_container_resource_limits{container=%q, resource="cpu"}) > 0.9`, name, name)
	satWhat := "the pods use more than 90% of their CPU limit"
	satCheck := "kubectl top pods for the service; raise the CPU limit or the HPA's maxReplicas if the load is real"
	if !k8s {
		sat = fmt.Sprintf(`rate(process_cpu_seconds_total{%s}[5m]) > 0.9`, job)
		satWhat = "a process uses more than 90% of one CPU core"
		satCheck = "the host's CPU and the process's busiest endpoints; scale out or give it more CPU"
	}
	return []monAlert{
		{Name: title + "Down", Signal: "availability", Severity: "critical", For: "5m",
			Expr:        fmt.Sprintf(`up{%s} == 0`, job),
			Summary:     name + " is down",
			Description: "Prometheus cannot scrape {{ $labels.instance }} of " + name + " for 5 minutes.",
			FirstCheck:  "whether the pods or processes are running and their last logs; then whether the metrics port answers"},
		{Name: title + "HighErrorRate", Signal: "error rate", Severity: "critical", For: "10m",
			Expr:        fmt.Sprintf(`sum(rate(http_requests_total{%s, code=~"5.."}[5m])) / sum(rate(http_requests_total{%s}[5m])) > 0.05`, job, job),
			Summary:     name + " answers more than 5% of requests with a 5xx",
			Description: "{{ $value | humanizePercentage }} of " + name + "'s requests failed over 5 minutes.",
			FirstCheck:  "the service's error logs and the last deploy; roll back if the errors started with it"},
		{Name: title + "HighLatency", Signal: "latency", Severity: "warning", For: "10m",
			Expr:        fmt.Sprintf(`histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{%s}[5m]))) > 1`, job),
			Summary:     name + "'s p99 latency is above 1s",
			Description: "The 99th percentile of " + name + "'s request duration is {{ $value | humanizeDuration }}.",
			FirstCheck:  "slow endpoints and the backing services (database, cache) the service waits on"},
		{Name: title + "Saturated", Signal: "saturation", Severity: "warning", For: "15m",
			Expr:        sat,
			Summary:     name + " is CPU saturated",
			Description: strings.ToUpper(satWhat[:1]) + satWhat[1:] + " for 15 minutes.",
			FirstCheck:  satCheck},
	}
}

// monGroup turns the alerts into a rule group linking the runbook.
func monGroup(name, runbook string, alerts []monAlert) promGroup {
	g := promGroup{Name: name + ".rules"}
	for _, a := range alerts {
		g.Rules = append(g.Rules, promRule{
			Alert: a.Name, Expr: a.Expr, For: a.For,
			Labels: map[string]string{"severity": a.Severity, "service": name},
			Annotations: promAnnotations{Summary: a.Summary, Description: a.Description + " First check " + a.FirstCheck + ".",
				RunbookURL: runbook + "#" + strings.ToLower(a.Name)},
		})
	}
	return g
}

// monTitle turns a DNS label into an alert name prefix: "my-api" is
// "MyApi".
func monTitle(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
