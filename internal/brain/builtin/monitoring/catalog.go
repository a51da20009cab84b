package monitoring

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/devops-lead/devops-lead/internal/intent"
)

// The catalogue of named alert sets: alerts people ask for by name
// ("PostgreSQL alerts: too many connections, replication lag") written
// over the metrics of the exporter that provides them. The metric names
// are those the exporters publish:
//
//   - postgres_exporter (https://github.com/prometheus-community/postgres_exporter):
//     pg_up, pg_stat_database_* from the stat_database collector,
//     pg_settings_* from pg_settings, pg_replication_lag_seconds and
//     pg_replication_is_replica from the replication collector, and
//     pg_long_running_transactions_oldest_timestamp_seconds from the
//     long_running_transactions collector (off by default).
//   - node_exporter (https://github.com/prometheus/node_exporter):
//     node_cpu_seconds_total, node_memory_*, node_filesystem_*, node_load1.
//   - blackbox_exporter (https://github.com/prometheus/blackbox_exporter):
//     probe_success, probe_duration_seconds, probe_http_status_code,
//     probe_ssl_earliest_cert_expiry.

// alertSet is one named set of alerts and the exporter its metrics come
// from.
type alertSet struct {
	// Name is the value of Params["alerts"].
	Name string
	// Title names the set in the README and runbook.
	Title string
	// Exporter names the exporter, its repository and its port.
	Exporter, ExporterURL string
	Port                  int
	// Host is the scrape address's host name in prometheus.yml.
	Host string
	// Job is the scrape job name in prometheus.yml.
	Job string
	// Setup says what the exporter needs beyond running it.
	Setup string
	// Words name the set in a request (normalised phrases).
	Words []string
	// Alerts are the set's alerts.
	Alerts []catalogAlert
}

// catalogAlert is one alert of a set.
type catalogAlert struct {
	Name, Signal, Severity, For, Expr string
	Summary, Description, FirstCheck  string
	// Words are the phrases people use for it (normalised); Weak ones
	// ("connections", "cpu") name it only in a request that names its set
	// too (by the set's words or another alert's Words).
	Words, Weak []string
}

// AlertServiceSet is the Params["alerts"] value for the generic
// per-service alerts (availability, error rate, latency, saturation), the
// default.
const AlertServiceSet = "service"

// fsReal selects the file systems worth alerting on.
const fsReal = `fstype!~"tmpfs|overlay|squashfs|ramfs"`

// alertCatalogue holds the named sets, in the order they are written.
var alertCatalogue = []alertSet{
	{
		Name: "postgres", Title: "PostgreSQL", Exporter: "postgres_exporter",
		ExporterURL: "https://github.com/prometheus-community/postgres_exporter",
		Port:        9187, Host: "postgres-exporter", Job: "postgres",
		Setup: "give it DATA_SOURCE_NAME (a connection string for a monitoring role with pg_monitor); " +
			"PostgresqlLongRunningTransactions needs the flag --collector.long_running_transactions",
		Words: []string{"postgres", "postgresql", "postgres exporter", "pg exporter"},
		Alerts: []catalogAlert{
			{Name: "PostgresqlDown", Signal: "availability", Severity: "critical", For: "1m",
				Expr:        `pg_up == 0`,
				Summary:     "PostgreSQL is down",
				Description: "postgres_exporter on {{ $labels.instance }} cannot reach the database.",
				FirstCheck:  "whether the server is running and accepts connections from the exporter (credentials, pg_hba.conf)",
				Words:       []string{"postgres down", "postgresql down", "postgres is down", "postgresql is down"},
				Weak:        []string{"database down", "database is down", "db down", "database unavailable"}},
			{Name: "PostgresqlTooManyConnections", Signal: "saturation", Severity: "warning", For: "5m",
				Expr:        `sum by (instance) (pg_stat_database_numbackends) / max by (instance) (pg_settings_max_connections) > 0.8`,
				Summary:     "PostgreSQL uses more than 80% of max_connections",
				Description: "{{ $value | humanizePercentage }} of the connections of {{ $labels.instance }} are in use.",
				FirstCheck:  "which clients hold connections (pg_stat_activity); add a pooler such as PgBouncer before raising max_connections",
				Words:       []string{"too many connections", "max connections", "connection limit", "max connections reached"},
				Weak:        []string{"connections", "connection count", "connection saturation"}},
			{Name: "PostgresqlDeadlocks", Signal: "errors", Severity: "warning", For: "1m",
				Expr:        `sum by (instance, datname) (increase(pg_stat_database_deadlocks{datname!~"template.*"}[5m])) > 5`,
				Summary:     "PostgreSQL detects deadlocks",
				Description: "{{ $value }} deadlocks in {{ $labels.datname }} on {{ $labels.instance }} over 5 minutes.",
				FirstCheck:  "the server log for the statements in the deadlock; make transactions take locks in the same order",
				Weak:        []string{"deadlock", "deadlocks"}},
			{Name: "PostgresqlReplicationLag", Signal: "replication", Severity: "warning", For: "5m",
				Expr:        `pg_replication_lag_seconds > 30 and on (instance) pg_replication_is_replica == 1`,
				Summary:     "a PostgreSQL replica is more than 30s behind",
				Description: "The replica {{ $labels.instance }} replays {{ $value | humanizeDuration }} behind the primary.",
				FirstCheck:  "the replica's disk and network, and long queries on the replica that hold replay back",
				Words:       []string{"replication lag", "replica lag", "replication delay", "lagging replica"},
				Weak:        []string{"replication", "replica behind"}},
			{Name: "PostgresqlHighRollbackRate", Signal: "errors", Severity: "warning", For: "10m",
				Expr: `sum by (instance, datname) (rate(pg_stat_database_xact_rollback{datname!~"template.*"}[5m])) / ` +
					`(sum by (instance, datname) (rate(pg_stat_database_xact_commit{datname!~"template.*"}[5m])) + ` +
					`sum by (instance, datname) (rate(pg_stat_database_xact_rollback{datname!~"template.*"}[5m]))) > 0.05`,
				Summary:     "more than 5% of PostgreSQL transactions roll back",
				Description: "{{ $value | humanizePercentage }} of the transactions in {{ $labels.datname }} roll back.",
				FirstCheck:  "the application's errors around the database: constraint violations, serialization failures, timeouts",
				Words:       []string{"high rollback rate", "rollback rate"},
				Weak:        []string{"rollback", "rollbacks", "rolled back"}},
			{Name: "PostgresqlCacheHitRatioLow", Signal: "performance", Severity: "warning", For: "15m",
				Expr: `sum by (instance, datname) (rate(pg_stat_database_blks_hit{datname!~"template.*"}[5m])) / ` +
					`(sum by (instance, datname) (rate(pg_stat_database_blks_hit{datname!~"template.*"}[5m])) + ` +
					`sum by (instance, datname) (rate(pg_stat_database_blks_read{datname!~"template.*"}[5m]))) < 0.9`,
				Summary:     "PostgreSQL's buffer cache hit ratio is below 90%",
				Description: "Only {{ $value | humanizePercentage }} of the block reads of {{ $labels.datname }} come from the buffer cache.",
				FirstCheck:  "shared_buffers against the working set, and queries that scan large tables",
				Words:       []string{"cache hit ratio", "cache hit rate", "buffer cache hit"},
				Weak:        []string{"cache hit", "buffer cache", "cache ratio"}},
			{Name: "PostgresqlLongRunningTransactions", Signal: "performance", Severity: "warning", For: "2m",
				Expr:        `pg_long_running_transactions_oldest_timestamp_seconds > 300`,
				Summary:     "a PostgreSQL transaction runs for more than 5 minutes",
				Description: "The oldest open transaction on {{ $labels.instance }} started {{ $value | humanizeDuration }} ago.",
				FirstCheck:  "pg_stat_activity for the session (state, query, xact_start); long transactions hold back vacuum",
				Words:       []string{"long running transaction", "long running transactions"},
				Weak:        []string{"long transactions", "long running queries", "long running query"}},
		},
	},
	{
		Name: "node", Title: "Host (node)", Exporter: "node_exporter",
		ExporterURL: "https://github.com/prometheus/node_exporter",
		Port:        9100, Host: "node-exporter", Job: "node",
		Setup: "run it on each host (on Kubernetes, as the DaemonSet of the prometheus-node-exporter chart, which kube-prometheus-stack includes)",
		Words: []string{"node exporter", "host", "hosts", "host metrics", "node metrics", "node alerts", "server metrics", "vm", "vms", "virtual machine", "virtual machines"},
		Alerts: []catalogAlert{
			{Name: "NodeDown", Signal: "availability", Severity: "critical", For: "5m",
				Expr:        `up{job=~"node|node-exporter"} == 0`,
				Summary:     "a host stopped answering",
				Description: "Prometheus cannot scrape node_exporter on {{ $labels.instance }}.",
				FirstCheck:  "whether the host is up and node_exporter runs on it",
				Words:       []string{"host down", "node down", "server down", "machine down"},
				Weak:        []string{"instance down"}},
			{Name: "NodeHighCpu", Signal: "saturation", Severity: "warning", For: "10m",
				Expr:        `100 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) * 100 > 90`,
				Summary:     "a host's CPU is more than 90% busy",
				Description: "{{ $labels.instance }} uses {{ $value | humanize }}% of its CPU.",
				FirstCheck:  "the busiest processes (top); scale out or give the host more CPU",
				Words:       []string{"high cpu", "cpu utilization", "cpu utilisation"},
				Weak:        []string{"cpu usage", "cpu"}},
			{Name: "NodeLowMemory", Signal: "saturation", Severity: "warning", For: "5m",
				Expr:        `node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1`,
				Summary:     "a host has less than 10% of its memory available",
				Description: "{{ $labels.instance }} has {{ $value | humanizePercentage }} of its memory available.",
				FirstCheck:  "the processes with the largest resident memory, and the kernel log for OOM kills",
				Words:       []string{"low memory", "out of memory", "free memory"},
				Weak:        []string{"memory usage", "memory", "ram"}},
			{Name: "NodeDiskAlmostFull", Signal: "saturation", Severity: "warning", For: "5m",
				Expr:        `node_filesystem_avail_bytes{` + fsReal + `} / node_filesystem_size_bytes{` + fsReal + `} < 0.1 and node_filesystem_readonly{` + fsReal + `} == 0`,
				Summary:     "a file system has less than 10% free space",
				Description: "{{ $labels.mountpoint }} on {{ $labels.instance }} has {{ $value | humanizePercentage }} free.",
				FirstCheck:  "the largest directories (du) and old logs or images; grow the volume if the data is needed",
				Words:       []string{"disk space", "disk full", "free space", "filesystem full", "file system full"},
				Weak:        []string{"disk usage", "storage space", "disk"}},
			{Name: "NodeDiskWillFillIn24h", Signal: "saturation", Severity: "warning", For: "30m",
				Expr: `predict_linear(node_filesystem_avail_bytes{` + fsReal + `}[6h], 24 * 3600) < 0 and ` +
					`node_filesystem_avail_bytes{` + fsReal + `} / node_filesystem_size_bytes{` + fsReal + `} < 0.4`,
				Summary:     "a file system will fill within 24 hours",
				Description: "At the rate of the last 6 hours, {{ $labels.mountpoint }} on {{ $labels.instance }} fills within a day.",
				FirstCheck:  "what writes to it (logs, uploads, database growth) and whether that growth is expected",
				Words:       []string{"disk will fill", "running out of disk", "running out of space"},
				Weak:        []string{"will fill", "fill up", "fills up", "disk fill"}},
			{Name: "NodeHighLoad", Signal: "saturation", Severity: "warning", For: "15m",
				Expr:        `node_load1 / on (instance) count by (instance) (node_cpu_seconds_total{mode="idle"}) > 2`,
				Summary:     "a host's load average is above twice its CPU count",
				Description: "The 1-minute load per CPU on {{ $labels.instance }} is {{ $value | humanize }}.",
				FirstCheck:  "processes waiting on CPU or on I/O (vmstat, iostat)",
				Words:       []string{"load average", "high load"},
				Weak:        []string{"system load", "load"}},
		},
	},
	{
		Name: "http", Title: "HTTP probes", Exporter: "blackbox_exporter",
		ExporterURL: "https://github.com/prometheus/blackbox_exporter",
		Port:        9115, Host: "blackbox-exporter", Job: "blackbox-http",
		Setup: "its default configuration has the http_2xx module the probes use",
		Words: []string{"uptime", "blackbox", "blackbox exporter", "http probe", "http probes", "website monitoring"},
		Alerts: []catalogAlert{
			{Name: "HttpProbeFailed", Signal: "availability", Severity: "critical", For: "3m",
				Expr:        `probe_success == 0`,
				Summary:     "an HTTP endpoint does not answer",
				Description: "The probe of {{ $labels.instance }} fails.",
				FirstCheck:  "the endpoint from outside (curl -v), then the service behind it and its load balancer",
				Words:       []string{"site down", "website down", "uptime check", "probe failed"},
				Weak:        []string{"endpoint down", "url down", "unreachable"}},
			{Name: "HttpSlowResponse", Signal: "latency", Severity: "warning", For: "10m",
				Expr:        `avg_over_time(probe_duration_seconds[5m]) > 2`,
				Summary:     "an HTTP endpoint takes more than 2s to answer",
				Description: "The probe of {{ $labels.instance }} takes {{ $value | humanizeDuration }} on average.",
				FirstCheck:  "the service's latency and the network path; DNS and TLS time are part of the probe",
				Words:       []string{},
				Weak:        []string{"slow response", "slow responses", "response time", "response times"}},
			{Name: "HttpBadStatusCode", Signal: "errors", Severity: "critical", For: "5m",
				Expr:        `probe_http_status_code >= 400`,
				Summary:     "an HTTP endpoint answers with an error status",
				Description: "{{ $labels.instance }} answers with status {{ $value }}.",
				FirstCheck:  "the service's logs for the failing route and the last deploy",
				Words:       []string{},
				Weak:        []string{"status code", "status codes", "error status"}},
			{Name: "HttpCertificateExpiresSoon", Signal: "certificate", Severity: "warning", For: "1h",
				Expr:        `probe_ssl_earliest_cert_expiry - time() < 14 * 86400`,
				Summary:     "a TLS certificate expires within 14 days",
				Description: "The certificate of {{ $labels.instance }} expires in {{ $value | humanizeDuration }}.",
				FirstCheck:  "the certificate's renewal (cert-manager, the load balancer's managed certificate, the CA)",
				Words:       []string{"cert expiry", "certificate expiry", "ssl expiry", "cert expiration", "certificate expiration", "certificate expires", "certificate expiring"},
				Weak:        []string{"certificate", "certificates", "ssl", "tls"}},
		},
	},
}

// alertSetByName returns the catalogue's set of that name.
func alertSetByName(name string) *alertSet {
	for i := range alertCatalogue {
		if alertCatalogue[i].Name == name {
			return &alertCatalogue[i]
		}
	}
	return nil
}

// catalogAlertByName returns the set and alert of that name (matched
// without regard to case).
func catalogAlertByName(name string) (*alertSet, *catalogAlert) {
	for i := range alertCatalogue {
		for j := range alertCatalogue[i].Alerts {
			if strings.EqualFold(alertCatalogue[i].Alerts[j].Name, name) {
				return &alertCatalogue[i], &alertCatalogue[i].Alerts[j]
			}
		}
	}
	return nil, nil
}

// alertCatalogMatch finds the alert sets and the specific alerts a
// request names. text is normalised as normalise does (lower-case words
// separated by single spaces, with a space at each end). A set is named
// by its own words ("postgres", "node exporter", "uptime") or by one of
// its alerts; an alert by its name ("postgresqldown") or its words ("too
// many connections", "disk space"), or by a weak word ("connections",
// "cpu") when its set is named too. Sets come in catalogue order, names
// in catalogue order; the lead calls this on text it already knows asks
// for monitoring.
func alertCatalogMatch(text string) (sets []string, names []string) {
	// rest is the text without the strong phrases found, so that a weak
	// word inside one ("disk" in "disk will fill") names nothing more.
	rest := text
	for _, s := range alertCatalogue {
		for _, a := range s.Alerts {
			for _, p := range append([]string{strings.ToLower(a.Name)}, a.Words...) {
				rest = strings.ReplaceAll(rest, " "+p+" ", " | ")
			}
		}
	}
	for _, s := range alertCatalogue {
		named := catalogHas(text, s.Words)
		var strong, weak []string
		for _, a := range s.Alerts {
			switch {
			case catalogHas(text, a.Words) || catalogHas(text, []string{strings.ToLower(a.Name)}):
				strong = append(strong, a.Name)
			case catalogHas(rest, a.Weak):
				weak = append(weak, a.Name)
			}
		}
		if !named && len(strong) == 0 {
			continue
		}
		sets = append(sets, s.Name)
		for _, a := range s.Alerts {
			if slices.Contains(strong, a.Name) || slices.Contains(weak, a.Name) {
				names = append(names, a.Name)
			}
		}
	}
	return sets, names
}

// catalogHas reports whether text holds any of the phrases as whole words.
func catalogHas(text string, phrases []string) bool {
	for _, p := range phrases {
		if strings.Contains(text, " "+p+" ") {
			return true
		}
	}
	return false
}

// alertNameShape is what an alert name looks like: CamelCase words.
var alertNameShape = regexp.MustCompile(`^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+$`)

// alertNamePrefixes start the alert names of the kinds the catalogue
// covers; a CamelCase word with one of them that the catalogue lacks is
// an alert asked for by name that it cannot write.
var alertNamePrefixes = []string{"Postgres", "Postgresql", "Pg", "Node", "Host", "Http", "Probe", "Blackbox", "Ssl", "Tls", "Certificate", "Disk", "Cpu", "Memory"}

// alertUncovered are phrases for alerts people ask for that the
// catalogue has no rule for (normalised phrase, then how the lead names
// it).
var alertUncovered = [][2]string{
	{"bloat", "table bloat"},
	{"table bloat", "table bloat"},
	{"autovacuum", "autovacuum"},
	{"vacuum", "vacuum"},
	{"wraparound", "transaction ID wraparound"},
	{"slow queries", "slow queries"},
	{"slow query", "slow queries"},
	{"lock waits", "lock waits"},
	{"blocked queries", "blocked queries"},
	{"wal", "WAL growth"},
	{"replication slot", "replication slots"},
	{"replication slots", "replication slots"},
	{"inode", "inodes"},
	{"inodes", "inodes"},
	{"swap", "swap usage"},
	{"network errors", "network errors"},
	{"packet loss", "packet loss"},
	{"clock skew", "clock skew"},
	{"ntp", "clock skew"},
	{"oom", "OOM kills"},
	{"oom kill", "OOM kills"},
	{"disk io", "disk I/O"},
	{"io wait", "disk I/O"},
	{"iowait", "disk I/O"},
	{"dns", "DNS probes"},
	{"tcp", "TCP probes"},
	{"icmp", "ICMP (ping) probes"},
	{"ping", "ICMP (ping) probes"},
}

// alertCatalogUnknown lists what a request asks for by alert that the
// catalogue cannot write, so that the lead says so instead of writing
// something else: CamelCase alert names with a known prefix that the
// catalogue does not have ("PostgresqlTableBloat"), and phrases for
// alerts it has no rule for ("slow queries", "swap"). raw is the request
// text as written (the names need their case); each entry is listed once,
// in the order found.
func alertCatalogUnknown(raw string) []string {
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, w := range strings.FieldsFunc(raw, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		if !alertNameShape.MatchString(w) {
			continue
		}
		known := false
		for _, p := range alertNamePrefixes {
			if strings.HasPrefix(w, p) && len(w) > len(p)+2 {
				known = true
			}
		}
		if !known {
			continue
		}
		if _, a := catalogAlertByName(w); a == nil {
			add(w)
		}
	}
	text := intent.Norm(raw)
	for _, u := range alertUncovered {
		if strings.Contains(text, " "+u[0]+" ") {
			add(u[1])
		}
	}
	return out
}

// alertCatalogNames lists a set's alert names (for messages and docs).
func alertCatalogNames(set string) []string {
	s := alertSetByName(set)
	if s == nil {
		return nil
	}
	var out []string
	for _, a := range s.Alerts {
		out = append(out, a.Name)
	}
	return out
}

// monAlertChoice is what Params["alerts"] and Params["alert_names"]
// select: the generic per-service alerts or not, and the catalogue's sets
// with the alerts of each.
type monAlertChoice struct {
	Service bool
	Sets    []alertSet
}

// parseAlertChoice reads Params["alerts"] (a comma list among service,
// http, postgres, node; service when empty) and Params["alert_names"] (a
// comma list of the catalogue's alert names; a named alert brings its set
// in, and a set with names keeps only those).
func parseAlertChoice(alerts, names string) (monAlertChoice, error) {
	var c monAlertChoice
	var setNames []string
	for _, s := range monSplitList(strings.ToLower(alerts)) {
		if s == AlertServiceSet {
			c.Service = true
			continue
		}
		if alertSetByName(s) == nil {
			return c, fmt.Errorf("alerts=%q: %q is not a set; the sets are service, postgres, node and http", alerts, s)
		}
		if !slices.Contains(setNames, s) {
			setNames = append(setNames, s)
		}
	}
	chosen := map[string][]string{}
	for _, n := range monSplitList(names) {
		set, a := catalogAlertByName(n)
		if a == nil {
			return c, fmt.Errorf("alert_names: %q is not in the catalogue (postgres: %s; node: %s; http: %s)", n,
				strings.Join(alertCatalogNames("postgres"), ", "), strings.Join(alertCatalogNames("node"), ", "), strings.Join(alertCatalogNames("http"), ", "))
		}
		if !slices.Contains(chosen[set.Name], a.Name) {
			chosen[set.Name] = append(chosen[set.Name], a.Name)
		}
		if !slices.Contains(setNames, set.Name) {
			setNames = append(setNames, set.Name)
		}
	}
	if len(setNames) == 0 {
		c.Service = true
	}
	for _, s := range alertCatalogue {
		if !slices.Contains(setNames, s.Name) {
			continue
		}
		if want := chosen[s.Name]; len(want) > 0 {
			var keep []catalogAlert
			for _, a := range s.Alerts {
				if slices.Contains(want, a.Name) {
					keep = append(keep, a)
				}
			}
			s.Alerts = keep
		}
		c.Sets = append(c.Sets, s)
	}
	return c, nil
}

// monSplitList splits a comma list, trimming and dropping empty items.
func monSplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// AlertTaskParams is what the lead sets on a monitoring task for a
// request: alerts (the sets named, with service kept when the request
// also asks for the service's own alerts, which the lead says through
// withService) and alert_names (the specific alerts named, empty when the
// request names whole sets only). missing lists what the request asks for
// that the catalogue cannot write (alertCatalogUnknown), for the lead to
// say so. text is the normalised request, raw the request as written. With
// no set named, params is nil: the task keeps its default (service).
func AlertTaskParams(text, raw string, withService bool) (params map[string]string, missing []string) {
	sets, names := alertCatalogMatch(text)
	missing = alertCatalogUnknown(raw)
	if len(sets) == 0 {
		return nil, missing
	}
	if withService {
		sets = append([]string{AlertServiceSet}, sets...)
	}
	params = map[string]string{"alerts": strings.Join(sets, ",")}
	if len(names) > 0 {
		params["alert_names"] = strings.Join(names, ",")
	}
	return params, missing
}

// AlertCatalogueSummary names the catalogue's sets and their exporters,
// for the lead's messages.
func AlertCatalogueSummary() string {
	parts := []string{"error rate, latency and availability per service"}
	for _, set := range alertCatalogue {
		parts = append(parts, fmt.Sprintf("%s (%s)", set.Title, set.Exporter))
	}
	return strings.Join(parts, ", ")
}

// AlertSetsTitle names the sets of Params["alerts"] for a task title.
func AlertSetsTitle(alerts string) string {
	var out []string
	for _, name := range monSplitList(alerts) {
		if name == AlertServiceSet {
			out = append(out, "service")
			continue
		}
		if set := alertSetByName(name); set != nil {
			out = append(out, set.Title)
		}
	}
	return strings.Join(out, ", ")
}

// AlertSetsGoal says what a task's alerts are: each set with its exporter
// and the alerts it writes.
func AlertSetsGoal(alerts, names string) string {
	want := map[string]bool{}
	for _, n := range monSplitList(names) {
		want[strings.ToLower(n)] = true
	}
	var out []string
	for _, name := range monSplitList(alerts) {
		if name == AlertServiceSet {
			out = append(out, "for each service's error rate, latency and availability")
			continue
		}
		set := alertSetByName(name)
		if set == nil {
			continue
		}
		var list []string
		for _, a := range set.Alerts {
			if len(want) == 0 || want[strings.ToLower(a.Name)] || !setNamed(set, want) {
				list = append(list, a.Name)
			}
		}
		out = append(out, fmt.Sprintf("for %s from %s (%s)", set.Title, set.Exporter, strings.Join(list, ", ")))
	}
	return strings.Join(out, "; ")
}

// setNamed reports whether any alert of the set is among the names.
func setNamed(set *alertSet, want map[string]bool) bool {
	for _, a := range set.Alerts {
		if want[strings.ToLower(a.Name)] {
			return true
		}
	}
	return false
}
