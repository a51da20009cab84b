package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWebhookOutcomesAndBoundedLabels(t *testing.T) {
	m := New()
	answers := map[string]struct {
		status int
		body   string
	}{"stored": {202, "stored"}, "dup": {200, "duplicate delivery"}, "ign": {202, "ignored"},
		"bad": {401, "missing or invalid X-Hub-Signature-256"}, "full": {503, "over budget"}}
	h := m.Webhook(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := answers[r.URL.Query().Get("a")]
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	for _, c := range []struct{ event, answer string }{
		{"issues", "stored"}, {"issues", "dup"}, {"issue_comment", "ign"}, {"issues", "bad"}, {"issues", "full"},
		{strings.Repeat("x", 500), "bad"}, {"made_up_event", "bad"},
	} {
		req := httptest.NewRequest("POST", "/webhook?a="+c.answer, nil)
		req.Header.Set("X-GitHub-Event", c.event)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	out := rec.Body.String()
	for _, line := range []string{
		`devops_lead_webhook_deliveries_total{event="issues",outcome="stored"} 1`,
		`devops_lead_webhook_deliveries_total{event="issues",outcome="duplicate"} 1`,
		`devops_lead_webhook_deliveries_total{event="issue_comment",outcome="ignored"} 1`,
		`devops_lead_webhook_deliveries_total{event="issues",outcome="refused"} 1`,
		`devops_lead_webhook_deliveries_total{event="issues",outcome="failed"} 1`,
		`devops_lead_webhook_deliveries_total{event="other",outcome="refused"} 2`,
	} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("no %q in:\n%s", line, grep(out, "devops_lead_webhook"))
		}
	}
	if strings.Contains(out, "made_up_event") || strings.Contains(out, "xxxx") {
		t.Error("an unknown event name became a label value")
	}
}

func TestTransportCountsCallsAndRateLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Remaining", "1234")
		if r.Method == "POST" {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	m := New()
	c := &http.Client{Transport: m.Transport(42, nil)}
	for _, method := range []string{"GET", "GET", "POST"} {
		req, _ := http.NewRequest(method, srv.URL, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	out := rec.Body.String()
	for _, line := range []string{
		`devops_lead_github_requests_total{installation="42",method="GET",status="2xx"} 2`,
		`devops_lead_github_requests_total{installation="42",method="POST",status="5xx"} 1`,
		`devops_lead_github_rate_limit_remaining{installation="42"} 1234`,
	} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("no %q in:\n%s", line, grep(out, "devops_lead_github"))
		}
	}
}

func grep(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
