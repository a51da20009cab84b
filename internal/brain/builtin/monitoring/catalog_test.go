package monitoring

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/intent"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"
)

// exporterMetrics are the metric names each exporter publishes (checked
// against the exporters' sources: postgres_exporter's collectors,
// node_exporter's, blackbox_exporter's prober), plus the series
// Prometheus adds. Every metric a catalogue expression reads must be one
// of its set's.
var exporterMetrics = map[string][]string{
	"postgres": {"pg_up", "pg_stat_database_numbackends", "pg_settings_max_connections", "pg_stat_database_deadlocks",
		"pg_replication_lag_seconds", "pg_replication_is_replica", "pg_stat_database_xact_rollback", "pg_stat_database_xact_commit",
		"pg_stat_database_blks_hit", "pg_stat_database_blks_read", "pg_long_running_transactions_oldest_timestamp_seconds"},
	"node": {"up", "node_cpu_seconds_total", "node_memory_MemAvailable_bytes", "node_memory_MemTotal_bytes",
		"node_filesystem_avail_bytes", "node_filesystem_size_bytes", "node_filesystem_readonly", "node_load1"},
	"http": {"probe_success", "probe_duration_seconds", "probe_http_status_code", "probe_ssl_earliest_cert_expiry"},
}

// Each catalogue expression parses and reads only its exporter's metrics;
// names are unique and every alert has words and the fields an on-call
// needs.
func TestAlertCatalogueExpressions(t *testing.T) {
	seen := map[string]bool{}
	p := parser.NewParser(parser.Options{})
	for _, set := range alertCatalogue {
		if set.Exporter == "" || set.ExporterURL == "" || set.Port == 0 || set.Job == "" || len(set.Words) == 0 {
			t.Errorf("set %s lacks exporter, port, job or words", set.Name)
		}
		for _, a := range set.Alerts {
			if seen[a.Name] {
				t.Errorf("alert %s twice", a.Name)
			}
			seen[a.Name] = true
			if a.For == "" || a.Severity == "" || a.Summary == "" || a.FirstCheck == "" || len(a.Words)+len(a.Weak) == 0 {
				t.Errorf("%s lacks for, severity, summary, first check or words", a.Name)
			}
			expr, err := p.ParseExpr(a.Expr)
			if err != nil {
				t.Errorf("%s: %v", a.Name, err)
				continue
			}
			for _, vs := range parser.ExtractSelectors(expr) {
				for _, m := range vs {
					if m.Name == "__name__" && !slices.Contains(exporterMetrics[set.Name], m.Value) {
						t.Errorf("%s reads %s, which %s does not publish", a.Name, m.Value, set.Exporter)
					}
				}
			}
		}
	}
}

func TestAlertCatalogMatch(t *testing.T) {
	for _, tc := range []struct {
		text         string
		sets, names  []string
		unknownInRaw []string
	}{
		{text: "Add PostgreSQL alerts: PostgresqlDown, too many connections, deadlocks, replication lag, high rollback rate, cache hit ratio and long running transactions",
			sets: []string{"postgres"},
			names: []string{"PostgresqlDown", "PostgresqlTooManyConnections", "PostgresqlDeadlocks", "PostgresqlReplicationLag",
				"PostgresqlHighRollbackRate", "PostgresqlCacheHitRatioLow", "PostgresqlLongRunningTransactions"}},
		{text: "host alerts for disk space and high CPU", sets: []string{"node"}, names: []string{"NodeHighCpu", "NodeDiskAlmostFull"}},
		{text: "alert when the disk will fill in the next day", sets: []string{"node"}, names: []string{"NodeDiskWillFillIn24h"}},
		{text: "uptime monitoring and alert before the SSL certificate expires", sets: []string{"http"}, names: []string{"HttpCertificateExpiresSoon"}},
		{text: "alerts for postgres and the node exporter", sets: []string{"postgres", "node"}},
		{text: "set up alerting for the api service"},
		{text: "alert on too many open connections, CPU and memory of the api pods"},
		{text: "the database is down too often and deadlocks happen: add alerts"},
		{text: "Postgres: alert when the database is down and on deadlocks", sets: []string{"postgres"}, names: []string{"PostgresqlDown", "PostgresqlDeadlocks"}},
		{text: "host alerts: cpu, memory, disk", sets: []string{"node"}, names: []string{"NodeHighCpu", "NodeLowMemory", "NodeDiskAlmostFull"}},
		{text: "Postgres alerts incl. PostgresqlTableBloat and slow queries", sets: []string{"postgres"},
			unknownInRaw: []string{"PostgresqlTableBloat", "slow queries"}},
	} {
		sets, names := alertCatalogMatch(intent.Norm(tc.text))
		if !slices.Equal(sets, tc.sets) || !slices.Equal(names, tc.names) {
			t.Errorf("%q: sets %v names %v, want %v %v", tc.text, sets, names, tc.sets, tc.names)
		}
		if got := alertCatalogUnknown(tc.text); !slices.Equal(got, tc.unknownInRaw) {
			t.Errorf("%q: unknown %v, want %v", tc.text, got, tc.unknownInRaw)
		}
	}
}

func TestParseAlertChoice(t *testing.T) {
	c, err := parseAlertChoice("", "")
	if err != nil || !c.Service || len(c.Sets) != 0 {
		t.Errorf("empty: %+v %v, want the service alerts only", c, err)
	}
	c, err = parseAlertChoice("node, Postgres", "PostgresqlDown,postgresqldeadlocks")
	if err != nil {
		t.Fatal(err)
	}
	if c.Service || len(c.Sets) != 2 || c.Sets[0].Name != "postgres" || len(c.Sets[0].Alerts) != 2 || len(c.Sets[1].Alerts) != len(alertCatalogNames("node")) {
		t.Errorf("got %+v", c)
	}
	c, err = parseAlertChoice("", "HttpProbeFailed")
	if err != nil || c.Service || len(c.Sets) != 1 || c.Sets[0].Name != "http" {
		t.Errorf("a name alone: %+v %v, want its set only", c, err)
	}
	for _, bad := range [][2]string{{"mysql", ""}, {"", "PostgresqlTableBloat"}} {
		if _, err := parseAlertChoice(bad[0], bad[1]); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
}

func TestMonitoringAlertSets(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{kittest.K8sGoAPI}}
	tests := []struct {
		name   string
		params map[string]string
		repo   *stack.Repo
		want   map[string][]string
		absent []string
	}{
		{name: "postgres named alerts, prometheus", params: map[string]string{"alerts": "postgres", "alert_names": "PostgresqlDown,PostgresqlReplicationLag"},
			repo: &stack.Repo{},
			want: map[string][]string{
				"monitoring/prometheus/rules/postgres-alerts.yml": {"alert: PostgresqlDown", "alert: PostgresqlReplicationLag", "pg_replication_lag_seconds", "alert_set: postgres"},
				"monitoring/prometheus/prometheus.yml":            {"job_name: postgres", `targets: ["postgres-exporter:9187"]`},
				"monitoring/README.md":                            {"postgres_exporter", "9187", "`PostgresqlDown`"},
				"monitoring/runbook.md":                           {"### PostgresqlReplicationLag"},
			},
			absent: []string{"monitoring/prometheus/rules/api.yml"}},
		{name: "all three sets with the service alerts", params: map[string]string{"alerts": "service,postgres,node,http"},
			repo: repo,
			want: map[string][]string{
				"monitoring/prometheus/rules/api.yml":             {"alert: ApiDown"},
				"monitoring/prometheus/rules/node-alerts.yml":     {"alert: NodeDiskWillFillIn24h", "predict_linear"},
				"monitoring/prometheus/rules/http-alerts.yml":     {"alert: HttpCertificateExpiresSoon"},
				"monitoring/prometheus/prometheus.yml":            {"job_name: api", "job_name: node", "job_name: blackbox-http", `- "http://api:9000/"`, "replacement: blackbox-exporter:9115"},
				"monitoring/README.md":                            {"## Host (node): node_exporter", "## HTTP probes: blackbox_exporter", "http://api:9000/"},
				"monitoring/prometheus/rules/postgres-alerts.yml": {"alert: PostgresqlCacheHitRatioLow"},
			}},
		{name: "kubernetes http with probe targets", params: map[string]string{"target": "kubernetes", "alerts": "http", "probe_targets": "https://shop.example.com/healthz"},
			repo: repo,
			want: map[string][]string{
				"monitoring/kubernetes/http-alerts-rules.yaml": {"kind: PrometheusRule", "alert: HttpProbeFailed"},
				"monitoring/kubernetes/http-probe.yaml":        {"kind: Probe", `- "https://shop.example.com/healthz"`, "module: http_2xx"},
				"monitoring/README.md":                         {"kubernetes/http-probe.yaml"},
			},
			absent: []string{"monitoring/kubernetes/api-rules.yaml", "monitoring/prometheus/prometheus.yml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := engine.WorkInput{Issue: engine.Issue{Title: "alerts"},
				Task: engine.Task{ID: "monitoring", Mode: kit.MonitoringMode, Params: tc.params}, Repo: tc.repo, Workspace: fstest.MapFS{}}
			cs := kittest.WorkIn(t, in)
			kittest.StrictGate(t, kit.MonitoringMode, cs)
			kittest.CheckWrote(t, cs, tc.want, tc.absent)
			for _, f := range cs.Files {
				if strings.HasSuffix(f.Path, "-alerts.yml") {
					if _, errs := rulefmt.Parse(f.Content, false, model.UTF8Validation, parser.NewParser(parser.Options{}), nil); len(errs) > 0 {
						t.Errorf("%s does not load: %v", f.Path, errs)
					}
				}
				if strings.HasSuffix(f.Path, ".yml") || strings.HasSuffix(f.Path, ".yaml") {
					var v any
					if err := yaml.Unmarshal(f.Content, &v); err != nil {
						t.Errorf("%s: %v", f.Path, err)
					}
				}
			}
		})
	}
}

func TestMonitoringAlertSetErrors(t *testing.T) {
	for _, tc := range []struct {
		params map[string]string
		repo   *stack.Repo
	}{
		{map[string]string{"alerts": "http"}, &stack.Repo{}},
		{map[string]string{"alerts": "http", "probe_targets": "ftp://x"}, &stack.Repo{}},
		{map[string]string{"alerts": "http", "probe_targets": "http://x/\"\ninjected: 1"}, &stack.Repo{}},
		{map[string]string{"alerts": "redis"}, &stack.Repo{}},
		{map[string]string{"alert_names": "NodeOnFire"}, &stack.Repo{}},
	} {
		_, err := kittest.New().Work(context.Background(), engine.WorkInput{Task: engine.Task{ID: "m", Mode: kit.MonitoringMode, Params: tc.params}, Repo: tc.repo, Workspace: fstest.MapFS{}})
		if err == nil {
			t.Errorf("%v: want an error", tc.params)
		}
	}
}

func TestAlertTaskParams(t *testing.T) {
	raw := "Add PostgreSQL alerts: PostgresqlDown, too many connections, replication lag, and table bloat"
	p, missing := AlertTaskParams(intent.Norm(raw), raw, false)
	if p["alerts"] != "postgres" || p["alert_names"] != "PostgresqlDown,PostgresqlTooManyConnections,PostgresqlReplicationLag" {
		t.Errorf("params %v", p)
	}
	if !slices.Equal(missing, []string{"table bloat"}) {
		t.Errorf("missing %v, want table bloat", missing)
	}
	if _, err := parseAlertChoice(p["alerts"], p["alert_names"]); err != nil {
		t.Errorf("the params do not parse: %v", err)
	}
	p, _ = AlertTaskParams(intent.Norm("uptime and host alerts"), "uptime and host alerts", true)
	if p["alerts"] != "service,node,http" || p["alert_names"] != "" {
		t.Errorf("params %v", p)
	}
	if p, _ := AlertTaskParams(intent.Norm("add alerting"), "add alerting", true); p != nil {
		t.Errorf("no set named: params %v, want nil", p)
	}
}

// A prometheus.yml the repository has is kept, and the notes say which
// scrape jobs to add to it.
func TestMonitoringAlertSetsKeepPrometheusYML(t *testing.T) {
	existing := "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: [\"app:8080\"]\n"
	fsys := fstest.MapFS{"monitoring/prometheus/prometheus.yml": {Data: []byte(existing)}}
	cs := kittest.Work(t, kit.MonitoringMode, engine.Task{ID: "m", Params: map[string]string{"alerts": "postgres,node"}}, &stack.Repo{}, fsys)
	if cs.Get("monitoring/prometheus/prometheus.yml") != nil {
		t.Fatal("the repository's prometheus.yml is rewritten")
	}
	noted := false
	for _, f := range cs.Files {
		if strings.Contains(f.Note, "add the scrape jobs postgres, node") {
			noted = true
		}
	}
	if !noted {
		t.Errorf("no note names the scrape jobs to add: %v", cs.Paths())
	}
}
