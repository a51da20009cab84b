package monitoring

import (
	"encoding/json"
	"fmt"
)

// The Grafana dashboard the monitoring specialist writes: request rate,
// error ratio, p50/p99 latency and CPU saturation for one job, on a
// Prometheus datasource picked from a variable (no datasource UID is
// invented).

type gfDashboard struct {
	Title         string      `json:"title"`
	UID           string      `json:"uid"`
	Tags          []string    `json:"tags"`
	Timezone      string      `json:"timezone"`
	SchemaVersion int         `json:"schemaVersion"`
	Refresh       string      `json:"refresh"`
	Time          gfTime      `json:"time"`
	Templating    gfTemplList `json:"templating"`
	Panels        []gfPanel   `json:"panels"`
}

type gfTime struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type gfTemplList struct {
	List []gfVar `json:"list"`
}

type gfVar struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Type  string `json:"type"`
	Query string `json:"query"`
}

type gfRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type gfPanel struct {
	ID          int         `json:"id"`
	Title       string      `json:"title"`
	Type        string      `json:"type"`
	Datasource  gfRef       `json:"datasource"`
	GridPos     gfGrid      `json:"gridPos"`
	FieldConfig gfFieldConf `json:"fieldConfig"`
	Targets     []gfTarget  `json:"targets"`
	Options     gfPanelOpts `json:"options"`
	Description string      `json:"description"`
	Transparent bool        `json:"transparent"`
	Links       []struct{}  `json:"links"`
	Interval    string      `json:"interval,omitempty"`
}

type gfGrid struct {
	H int `json:"h"`
	W int `json:"w"`
	X int `json:"x"`
	Y int `json:"y"`
}

type gfFieldConf struct {
	Defaults  gfDefaults `json:"defaults"`
	Overrides []struct{} `json:"overrides"`
}

type gfDefaults struct {
	Unit string `json:"unit"`
}

type gfPanelOpts struct {
	Legend gfLegend `json:"legend"`
}

type gfLegend struct {
	ShowLegend  bool   `json:"showLegend"`
	DisplayMode string `json:"displayMode"`
	Placement   string `json:"placement"`
}

type gfTarget struct {
	RefID        string `json:"refId"`
	Expr         string `json:"expr"`
	LegendFormat string `json:"legendFormat"`
	Datasource   gfRef  `json:"datasource"`
}

// monDashboard renders one service's dashboard as indented JSON.
func monDashboard(name string, k8s bool) ([]byte, error) {
	job := fmt.Sprintf(`job=%q`, name)
	ds := gfRef{Type: "prometheus", UID: "${datasource}"}
	sat := fmt.Sprintf(`sum(rate(container_cpu_usage_seconds_total{container=%q}[5m])) / sum(kube_pod_container_resource_limits{container=%q, resource="cpu"})`, name, name)
	if !k8s {
		sat = fmt.Sprintf(`rate(process_cpu_seconds_total{%s}[5m])`, job)
	}
	type q struct{ expr, legend string }
	panels := []struct {
		title, unit, desc string
		qs                []q
	}{
		{"Request rate", "reqps", "Requests per second, by status code.",
			[]q{{fmt.Sprintf(`sum by (code) (rate(http_requests_total{%s}[5m]))`, job), "{{code}}"}}},
		{"Error ratio", "percentunit", "Share of requests answered with a 5xx; the HighErrorRate alert fires above 5%.",
			[]q{{fmt.Sprintf(`sum(rate(http_requests_total{%s, code=~"5.."}[5m])) / sum(rate(http_requests_total{%s}[5m]))`, job, job), "5xx ratio"}}},
		{"Latency", "s", "Request duration percentiles; the HighLatency alert fires when p99 is above 1s.",
			[]q{{fmt.Sprintf(`histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{%s}[5m])))`, job), "p50"},
				{fmt.Sprintf(`histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{%s}[5m])))`, job), "p99"}}},
		{"CPU saturation", "percentunit", "CPU used against the limit (Kubernetes) or one core (a process).",
			[]q{{sat, "cpu"}}},
	}
	d := gfDashboard{
		Title: name, UID: "devops-lead-" + name, Tags: []string{"devops-lead", name}, Timezone: "browser",
		SchemaVersion: 39, Refresh: "30s", Time: gfTime{From: "now-6h", To: "now"},
		Templating: gfTemplList{List: []gfVar{{Name: "datasource", Label: "Prometheus", Type: "datasource", Query: "prometheus"}}},
	}
	for i, p := range panels {
		panel := gfPanel{ID: i + 1, Title: p.title, Type: "timeseries", Datasource: ds, Description: p.desc,
			GridPos:     gfGrid{H: 8, W: 12, X: (i % 2) * 12, Y: (i / 2) * 8},
			FieldConfig: gfFieldConf{Defaults: gfDefaults{Unit: p.unit}, Overrides: []struct{}{}},
			Options:     gfPanelOpts{Legend: gfLegend{ShowLegend: true, DisplayMode: "list", Placement: "bottom"}},
			Links:       []struct{}{},
		}
		for j, qq := range p.qs {
			panel.Targets = append(panel.Targets, gfTarget{RefID: string(rune('A' + j)), Expr: qq.expr, LegendFormat: qq.legend, Datasource: ds})
		}
		d.Panels = append(d.Panels, panel)
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the %s dashboard: %w", name, err)
	}
	return append(out, '\n'), nil
}
