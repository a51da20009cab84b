// Package metrics is what `devops-lead serve` tells Prometheus on GET
// /metrics (prometheus/client_golang): webhook deliveries by event and
// outcome, the outbox's and the queue's depth and oldest age, jobs by
// kind, outcome and duration, GitHub API calls and the rate limit left
// per installation, Gemini tokens, and the redelivery sweep. Every label
// takes values from a closed set, so a hostile sender cannot grow the
// series.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors on a registry of their own (never the
// global one, so tests and several servers in one process do not clash).
type Metrics struct {
	reg         *prometheus.Registry
	deliveries  *prometheus.CounterVec
	jobs        *prometheus.CounterVec
	jobSeconds  *prometheus.HistogramVec
	ghCalls     *prometheus.CounterVec
	ghRemaining *prometheus.GaugeVec
	tokens      *prometheus.CounterVec
	sweeps      *prometheus.CounterVec
}

// New builds the collectors, with Go runtime and process metrics.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "devops_lead_webhook_deliveries_total",
		Help: "Webhook deliveries by event and outcome (stored, duplicate, ignored, refused, failed).",
	}, []string{"event", "outcome"})
	m.jobs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "devops_lead_jobs_total",
		Help: "Queue job runs by kind and outcome (completed, retried, discarded, cancelled, snoozed).",
	}, []string{"kind", "outcome"})
	m.jobSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "devops_lead_job_duration_seconds",
		Help:    "How long one run of a queue job took, by kind.",
		Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600},
	}, []string{"kind"})
	m.ghCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "devops_lead_github_requests_total",
		Help: "GitHub API requests by installation (0: as the App), method and status class (2xx, 3xx, 4xx, 5xx, error).",
	}, []string{"installation", "method", "status"})
	m.ghRemaining = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "devops_lead_github_rate_limit_remaining",
		Help: "X-RateLimit-Remaining of the last GitHub answer, by installation (0: as the App).",
	}, []string{"installation"})
	m.tokens = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "devops_lead_gemini_tokens_total",
		Help: "Gemini tokens as the API reports them, by model and direction (input, output).",
	}, []string{"model", "direction"})
	m.sweeps = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "devops_lead_redelivery_total",
		Help: "Failed deliveries the redelivery sweep saw, by outcome (requested, stored, failed).",
	}, []string{"outcome"})
	m.reg.MustRegister(m.deliveries, m.jobs, m.jobSeconds, m.ghCalls, m.ghRemaining, m.tokens, m.sweeps,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Register adds a collector of the caller's (the queue's depth).
func (m *Metrics) Register(c prometheus.Collector) error { return m.reg.Register(c) }

// knownEvents are the event names kept as label values; others are
// counted as "other".
var knownEvents = map[string]bool{
	"issues": true, "issue_comment": true, "pull_request": true, "pull_request_review": true,
	"pull_request_review_comment": true, "ping": true, "installation": true, "installation_repositories": true,
	"push": true, "check_run": true, "check_suite": true,
}

// eventLabel bounds an X-GitHub-Event header to a label value.
func eventLabel(event string) string {
	switch {
	case event == "":
		return "none"
	case knownEvents[event]:
		return event
	}
	return "other"
}

// Delivery counts one webhook delivery.
func (m *Metrics) Delivery(event, outcome string) {
	m.deliveries.WithLabelValues(eventLabel(event), outcome).Inc()
}

// Job counts one job run and its duration.
func (m *Metrics) Job(kind, outcome string, took time.Duration) {
	m.jobs.WithLabelValues(kind, outcome).Inc()
	m.jobSeconds.WithLabelValues(kind).Observe(took.Seconds())
}

// GitHubCall counts one GitHub API call; remaining is the rate limit
// left, or -1 when the answer did not say.
func (m *Metrics) GitHubCall(installation int64, method string, status int, remaining int) {
	inst := strconv.FormatInt(installation, 10)
	m.ghCalls.WithLabelValues(inst, methodLabel(method), statusClass(status)).Inc()
	if remaining >= 0 {
		m.ghRemaining.WithLabelValues(inst).Set(float64(remaining))
	}
}

// Tokens counts the Gemini tokens of one call.
func (m *Metrics) Tokens(model string, input, output int64) {
	if model == "" {
		model = "unknown"
	}
	m.tokens.WithLabelValues(model, "input").Add(float64(input))
	m.tokens.WithLabelValues(model, "output").Add(float64(output))
}

// Redelivery counts one failed delivery the sweep handled.
func (m *Metrics) Redelivery(outcome string) { m.sweeps.WithLabelValues(outcome).Inc() }

func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete, http.MethodHead:
		return method
	}
	return "other"
}

func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "error"
	}
	return strconv.Itoa(status/100) + "xx"
}

// Gauges is a collector that reads levels (queue depth, oldest age) from
// a function at scrape time, bounded by a timeout; a read that fails is
// logged and the scrape goes on without those series.
type Gauges struct {
	read    func(ctx context.Context) ([]Level, error)
	timeout time.Duration
	log     *slog.Logger
	descs   map[string]*prometheus.Desc
}

// Level is one gauge value: a name from the set given to NewGauges, an
// optional state label value and the value.
type Level struct {
	Name  string
	State string
	Value float64
}

// GaugeSpec declares a gauge NewGauges may report.
type GaugeSpec struct {
	Name, Help string
	// State names the label a Level's State fills ("" for none).
	State string
}

// NewGauges makes the collector; read must only return names in specs.
func NewGauges(specs []GaugeSpec, read func(ctx context.Context) ([]Level, error), log *slog.Logger) *Gauges {
	g := &Gauges{read: read, timeout: 3 * time.Second, log: log, descs: map[string]*prometheus.Desc{}}
	for _, s := range specs {
		var labels []string
		if s.State != "" {
			labels = []string{s.State}
		}
		g.descs[s.Name] = prometheus.NewDesc(s.Name, s.Help, labels, nil)
	}
	return g
}

// Describe implements prometheus.Collector.
func (g *Gauges) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range g.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (g *Gauges) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
	defer cancel()
	levels, err := g.read(ctx)
	if err != nil {
		if g.log != nil {
			g.log.Warn("metrics: read the queue's levels", "err", err)
		}
		return
	}
	for _, l := range levels {
		d, ok := g.descs[l.Name]
		if !ok {
			continue
		}
		var labels []string
		if l.State != "" {
			labels = []string{l.State}
		}
		m, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, l.Value, labels...)
		if err != nil {
			continue
		}
		ch <- m
	}
}
