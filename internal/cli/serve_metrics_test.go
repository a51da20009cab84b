package cli

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/githubtest"
	"github.com/devops-lead/devops-lead/internal/webhook"
)

// scrape reads GET /metrics and returns the value of each series, keyed
// by its name and labels as the text format prints them.
func (e *e2e) scrape() map[string]float64 {
	e.t.Helper()
	resp, err := http.Get(e.url + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	out := map[string]float64{}
	for _, m := range regexp.MustCompile(`(?m)^([a-z_]+(?:\{[^}]*\})?) (\S+)$`).FindAllStringSubmatch(string(body), -1) {
		v, err := strconv.ParseFloat(m[2], 64)
		if err == nil {
			out[m[1]] = v
		}
	}
	return out
}

// TestServeMetrics: /metrics counts deliveries by outcome, jobs, GitHub
// calls and the rate limit per installation, and reports the queue's
// depth.
func TestServeMetrics(t *testing.T) {
	e := newE2E(t)
	body := e.payload("issues-labeled.json", "alice", "")
	id := e.deliver("issues", body)
	if code := e.post("issues", id, body, webhook.Sign(hookSecret, body)); code != http.StatusOK {
		t.Fatalf("redelivery: %d", code)
	}
	if code := e.post("issues", nextDelivery(), body, "sha256=00"); code != http.StatusUnauthorized {
		t.Fatalf("bad signature: %d", code)
	}
	e.waitUntil("two pull requests", func(r *githubtest.Repo) bool { return len(openPRs(r)) == 2 })

	var m map[string]float64
	deadline := time.Now().Add(10 * time.Second)
	for {
		m = e.scrape()
		if m[`devops_lead_jobs_total{kind="github_delivery",outcome="completed"}`] >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for series, want := range map[string]float64{
		`devops_lead_webhook_deliveries_total{event="issues",outcome="stored"}`:    1,
		`devops_lead_webhook_deliveries_total{event="issues",outcome="duplicate"}`: 1,
		`devops_lead_webhook_deliveries_total{event="issues",outcome="refused"}`:   1,
		`devops_lead_github_rate_limit_remaining{installation="42"}`:               4999,
		`devops_lead_outbox_pending`:                                               0,
	} {
		if got, ok := m[series]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	for _, series := range []string{
		`devops_lead_jobs_total{kind="github_delivery",outcome="completed"}`,
		`devops_lead_job_duration_seconds_count{kind="github_delivery"}`,
		`devops_lead_github_requests_total{installation="42",method="POST",status="2xx"}`,
		`devops_lead_github_requests_total{installation="42",method="GET",status="2xx"}`,
		`devops_lead_queue_jobs{state="completed"}`,
	} {
		if m[series] < 1 {
			t.Errorf("%s = %v, want at least 1", series, m[series])
		}
	}
	if _, ok := m[`devops_lead_queue_oldest_available_seconds`]; !ok {
		t.Error("no devops_lead_queue_oldest_available_seconds")
	}
}

// TestServeRedeliverySweep: at start, serve lists the App's webhook
// deliveries and asks GitHub to redeliver the failed ones it never
// stored: not the ones it stored (GitHub saw a timeout), not the ones a
// later attempt delivered, and not twice.
func TestServeRedeliverySweep(t *testing.T) {
	e := newE2E(t)
	body := e.payload("issues-labeled.json", "alice", "")
	stored := e.deliver("issues", body)
	e.stop()

	ago := time.Now().Add(-10 * time.Minute)
	lost := e.gh.AddHookDelivery(githubtest.HookDelivery{GUID: "lost-1", Event: "issue_comment", Action: "created", StatusCode: 503, DeliveredAt: ago})
	e.gh.AddHookDelivery(githubtest.HookDelivery{GUID: stored, Event: "issues", Action: "labeled", StatusCode: 0, DeliveredAt: ago})
	e.gh.AddHookDelivery(githubtest.HookDelivery{GUID: "healed", Event: "issues", Action: "opened", StatusCode: 502, DeliveredAt: ago})
	e.gh.AddHookDelivery(githubtest.HookDelivery{GUID: "healed", Event: "issues", Action: "opened", StatusCode: 202, Redelivery: true})
	e.gh.AddHookDelivery(githubtest.HookDelivery{GUID: "too-old", Event: "issues", Action: "opened", StatusCode: 500, DeliveredAt: time.Now().Add(-80 * time.Hour)})

	e.cfg.RedeliveryInterval = 50 * time.Millisecond
	e.start()
	deadline := time.Now().Add(10 * time.Second)
	for len(e.gh.Redelivered()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // several more sweeps: none may ask again
	got := e.gh.Redelivered()
	if len(got) != 1 || got[0] != lost {
		t.Fatalf("redelivered %v, want only [%d] (the failed delivery never stored, once)", got, lost)
	}
	m := e.scrape()
	if m[`devops_lead_redelivery_total{outcome="requested"}`] != 1 || m[`devops_lead_redelivery_total{outcome="stored"}`] < 1 {
		t.Errorf("redelivery metrics: requested %v, stored %v", m[`devops_lead_redelivery_total{outcome="requested"}`], m[`devops_lead_redelivery_total{outcome="stored"}`])
	}
}
