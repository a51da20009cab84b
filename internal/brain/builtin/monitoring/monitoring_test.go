package monitoring

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"
)

func TestMonitoringTargets(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{kittest.K8sGoAPI, kittest.K8sNodeWeb, kittest.K8sPyRoot}}
	tests := []struct {
		name   string
		params map[string]string
		url    string
		want   map[string][]string
		absent []string
	}{
		{name: "prometheus", params: map[string]string{"target": "prometheus"},
			want: map[string][]string{
				"monitoring/prometheus/rules/api.yml":    {"alert: ApiDown", "alert: ApiHighErrorRate", "alert: ApiHighLatency", "alert: ApiSaturated", "process_cpu_seconds_total", "runbook_url: https://github.com/OWNER/REPO/blob/HEAD/monitoring/runbook.md#apidown"},
				"monitoring/prometheus/rules/my-app.yml": {"alert: MyAppDown"},
				"monitoring/prometheus/prometheus.yml":   {`targets: ["api:9000"]`, `targets: ["web:3000"]`, `targets: ["my-app:8000"]`, "rules/*.yml"},
				"monitoring/runbook.md":                  {"### ApiDown", "### MyAppSaturated"},
			},
			absent: []string{"monitoring/grafana/dashboards/api.json", "monitoring/kubernetes/api-rules.yaml"}},
		{name: "kubernetes with dashboard", params: map[string]string{"target": "kubernetes", "dashboard": "true"},
			url: "https://github.com/acme/shop/issues/3",
			want: map[string][]string{
				"monitoring/kubernetes/api-rules.yaml":                        {"kind: PrometheusRule", "kube_pod_container_resource_limits", "https://github.com/acme/shop/blob/HEAD/monitoring/runbook.md#apihighlatency"},
				"monitoring/kubernetes/web-servicemonitor.yaml":               {"kind: ServiceMonitor", "app.kubernetes.io/name: web"},
				"monitoring/grafana/dashboards/web.json":                      {`"uid": "devops-lead-web"`, "http_request_duration_seconds_bucket"},
				"monitoring/grafana/provisioning/dashboards/devops-lead.yaml": {"type: file"},
			},
			absent: []string{"monitoring/prometheus/prometheus.yml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := engine.WorkInput{Issue: engine.Issue{Title: "alerts", URL: tc.url},
				Task: engine.Task{ID: "monitoring", Mode: kit.MonitoringMode, Params: tc.params}, Repo: repo, Workspace: fstest.MapFS{}}
			cs := kittest.WorkIn(t, in)
			kittest.StrictGate(t, kit.MonitoringMode, cs)
			kittest.CheckWrote(t, cs, tc.want, tc.absent)
			for _, f := range cs.Files {
				if strings.HasSuffix(f.Path, ".json") && !json.Valid(f.Content) {
					t.Errorf("%s is not JSON", f.Path)
				}
			}
		})
	}
}

// The rules load with rulefmt directly (the same parser Prometheus uses),
// and every alert has the four annotations and labels an on-call needs.
func TestMonitoringRulesLoad(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{kittest.K8sGoAPI}}
	cs := kittest.Work(t, kit.MonitoringMode, engine.Task{ID: "monitoring"}, repo, fstest.MapFS{})
	content := []byte(kittest.FileOf(t, cs, "monitoring/prometheus/rules/api.yml"))
	groups, errs := rulefmt.Parse(content, false, model.UTF8Validation, parser.NewParser(parser.Options{}), nil)
	if len(errs) > 0 {
		t.Fatalf("rules do not load: %v", errs)
	}
	var signals []string
	for _, r := range groups.Groups[0].Rules {
		if r.For == 0 || r.Labels["severity"] == "" || r.Annotations["summary"] == "" ||
			r.Annotations["description"] == "" || r.Annotations["runbook_url"] == "" {
			t.Errorf("alert %s lacks for, severity, summary, description or runbook_url", r.Alert)
		}
		signals = append(signals, r.Alert)
	}
	if len(signals) != 4 {
		t.Errorf("alerts %v, want availability, error rate, latency and saturation", signals)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(content, &doc); err != nil {
		t.Fatal(err)
	}
}

func TestMonitoringBadParams(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{kittest.K8sGoAPI}}
	for _, p := range []map[string]string{{"target": "nagios"}, {"dashboard": "maybe"}} {
		_, err := kittest.New().Work(context.Background(), engine.WorkInput{Task: engine.Task{ID: "m", Mode: kit.MonitoringMode, Params: p}, Repo: repo})
		if err == nil {
			t.Errorf("%v: want an error", p)
		}
	}
	if _, err := kittest.New().Work(context.Background(), engine.WorkInput{Task: engine.Task{ID: "m", Mode: kit.MonitoringMode}, Repo: &stack.Repo{}}); err == nil {
		t.Error("no service: want an error")
	}
}
